import { z } from 'zod';
import { Currency } from '../catalog/model.js';
import type { PricedCart } from '../pricing/cart-pricing.js';
import type { UnavailableLine as UnavailableLineType } from './catalog-lookup.js';
import { Cart } from './model.js';

/**
 * What `GET /carts/{id}` answers: the cart with its price explained. Pricing's result is a
 * TypeScript type (`PricedCart`); these zod mirrors describe it for the OpenAPI document and are
 * tied to it by the type assertion below, so a field added to pricing that is not added here
 * fails type-checking instead of slipping past the contract.
 */

const Amount = z.strictObject({ amount: z.number().int(), currency: Currency });
const RATE = z.number().int().min(0).max(10_000);

const PricingQuantity = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('units'), count: z.number().int().positive() }),
  z.strictObject({ kind: z.literal('grams'), grams: z.number().int().positive() }),
  z.strictObject({ kind: z.literal('millilitres'), millilitres: z.number().int().positive() }),
]);

export const PricedLineView = z.strictObject({
  lineId: z.string(),
  sku: z.string(),
  quantity: PricingQuantity,
  unitPrice: Amount,
  subtotal: Amount.describe('Before discounts.'),
  discounts: z
    .array(z.strictObject({ promotionId: z.string(), name: z.string(), amount: Amount, uncapped: Amount.optional() }))
    .describe('Each promotion that took something off this line, with its id.'),
  loyaltyRedemption: Amount,
  tax: z.strictObject({ rateBasisPoints: RATE, amount: Amount }),
  total: Amount.describe('After discounts and redemption, tax included.'),
  estimate: z
    .strictObject({ grams: z.number().int().positive(), bufferBasisPoints: RATE, authorizationAmount: Amount, authorizationTotal: Amount })
    .optional()
    .describe('Weighed lines only: the estimated weight and what is authorized on the card for it (estimate plus buffer, rounded up).'),
});

export const PricingView = z.strictObject({
  currency: Currency,
  taxMode: z.enum(['exclusive', 'inclusive']),
  lines: z.array(PricedLineView),
  subtotal: Amount,
  discountTotal: Amount,
  fees: z.array(
    z.strictObject({
      kind: z.enum(['delivery', 'pickup']),
      amount: Amount,
      listAmount: Amount,
      waivedBy: z.string().optional(),
      tax: z.strictObject({ rateBasisPoints: RATE, amount: Amount }),
    }),
  ),
  tax: Amount,
  loyalty: z.strictObject({
    pointsRedeemed: z.number().int().nonnegative(),
    redemptionAmount: Amount,
    pointsEarned: z.number().int().nonnegative(),
    limitedBy: z.enum(['balance', 'max-share', 'minimum-points', 'whole-blocks']).optional(),
  }),
  total: Amount,
  authorizationTotal: Amount.describe('What is authorized on the card: the total with each weighed line at its buffered estimate.'),
  minimumOrder: z.strictObject({ required: Amount, met: z.boolean() }).optional(),
  rejected: z
    .array(
      z.strictObject({
        promotionId: z.string(),
        code: z.string().optional(),
        reason: z.enum(['expired', 'not-started', 'minimum-not-met', 'not-combinable', 'usage-limit-reached', 'no-eligible-items']),
        blockedBy: z.string().optional(),
      }),
    )
    .describe('Promotions considered but not applied, and why.'),
  unknownCoupons: z.array(z.string()).describe('Applied codes that no longer unlock an enabled promotion.'),
});

export const UnavailableLine = z.strictObject({
  lineId: z.string(),
  sku: z.string(),
  reason: z.enum(['product-archived', 'sku-removed']),
});

export const CartView = Cart.extend({
  pricing: PricingView,
  unavailableLines: z.array(UnavailableLine).describe('Lines left out of the price because their product is no longer sold; remove them to check out.'),
});
export type CartView = z.infer<typeof CartView>;

/** True when each type is assignable to the other and they name the same fields. */
type Mutual<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Same<A, B> = Mutual<A, B> extends true ? Mutual<keyof A, keyof B> : false;
const mirrorsAgree: [Same<z.output<typeof PricingView>, PricedCart>, Same<z.output<typeof UnavailableLine>, UnavailableLineType>] = [true, true];
void mirrorsAgree;
