import { z } from 'zod';

/** A cart line as events carry it; quantities are integers (items, grams or millilitres), a weighed count keeps its grams. */
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
  substitution: z.enum(['none', 'same-brand', 'any']),
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
