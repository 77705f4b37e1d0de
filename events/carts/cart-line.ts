import { z } from 'zod';

/**
 * A cart line as events carry it; quantities are integers (items, grams or millilitres), a weighed count keeps its grams.
 * Since version 2 of `cart.add` and `cart.update` (issue 12) the substitution preference is `none`, `best-match`,
 * `same-brand` or `specific` with the chosen `substituteSku`; version 1's `any` is `best-match`.
 */
export const EventCartLine = z.strictObject({
  lineId: z.string(),
  sku: z.string(),
  productId: z.string(),
  quantity: z.union([
    z.strictObject({ count: z.number().int().positive(), grams: z.number().int().positive() }),
    z.strictObject({ count: z.number().int().positive() }),
    z.strictObject({ grams: z.number().int().positive() }),
    z.strictObject({ millilitres: z.number().int().positive() }),
  ]),
  substitution: z.enum(['none', 'best-match', 'same-brand', 'specific']),
  /** With `specific`: the SKU the shopper chose as the substitute. */
  substituteSku: z.string().optional(),
  addedAt: z.iso.datetime(),
});

/** What every cart event says about the cart it concerns. */
export const CartRef = {
  cartId: z.string(),
  shopperId: z.string(),
  storeId: z.string(),
  /** The cart's version after the change: a consumer keeps the newest. */
  cartVersion: z.number().int().positive(),
};
