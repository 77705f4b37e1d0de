import { z } from 'zod';
import { Id, Money as MoneyBody, Sku } from '../catalog/model.js';

/**
 * Promotions as data. The same strict schema validates the admin API's `POST /promotions` body and the promotions the
 * cart hands to `priceCart`, so a promotion that prices is always one the API could have accepted.
 * Stacking, schedules and limits are documented in docs/pricing.md.
 */

const PositiveMoney = MoneyBody.refine((m) => m.amount > 0, { message: 'must be more than zero', path: ['amount'] });
const BasisPoints = z.number().int('must be whole basis points (1 bp = 0.01 %)').min(1).max(10_000);

export const PromotionId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'must be 1–64 characters of letters, digits, - and _, starting with a letter or digit');

/** Coupon codes are stored and compared upper-case, so the shopper's casing never matters. */
export const CouponCode = z
  .string()
  .regex(/^[A-Z0-9][A-Z0-9_-]{2,31}$/, 'must be 3–32 upper-case letters, digits, - and _, starting with a letter or digit');

const SkuTarget = z.strictObject({ kind: z.literal('sku'), skus: z.array(Sku).min(1).max(500) });
const CategoryTarget = z.strictObject({ kind: z.literal('category'), categoryIds: z.array(Id).min(1).max(100) });
const CartTarget = z.strictObject({ kind: z.literal('cart') });

/** Which lines a promotion looks at: named SKUs, any product in (or below) a category, or the whole cart. */
export const PromotionTarget = z.discriminatedUnion('kind', [SkuTarget, CategoryTarget, CartTarget]);
export type PromotionTarget = z.infer<typeof PromotionTarget>;

const PercentOff = z.strictObject({ kind: z.literal('percent-off'), basisPoints: BasisPoints });
const FixedOff = z.strictObject({
  kind: z.literal('fixed-off'),
  amount: PositiveMoney,
  /** `order`: once, spread over the targeted goods; `item`: off every targeted unit (weighed lines have no units). */
  per: z.enum(['order', 'item']).default('order'),
});
const Bogo = z.strictObject({ kind: z.literal('bogo') });
const BuyXGetY = z.strictObject({
  kind: z.literal('buy-x-get-y'),
  buy: z.number().int().min(1).max(100),
  get: z.number().int().min(1).max(100),
  /** How much off each "get" item: 10 000 (the default) makes it free, 5 000 half price. */
  discountBasisPoints: BasisPoints.default(10_000),
});
const MultiBuy = z.strictObject({
  kind: z.literal('multi-buy'),
  quantity: z.number().int().min(2).max(100),
  price: MoneyBody,
});
const BundleComponent = z.strictObject({
  target: z.discriminatedUnion('kind', [SkuTarget, CategoryTarget]),
  quantity: z.number().int().min(1).max(20),
});
const Bundle = z.strictObject({
  kind: z.literal('bundle'),
  components: z.array(BundleComponent).min(2).max(10),
  price: MoneyBody,
});
const SpendThreshold = z.strictObject({
  kind: z.literal('spend-threshold'),
  minimumSpend: PositiveMoney,
  reward: z.discriminatedUnion('kind', [PercentOff, z.strictObject({ kind: z.literal('fixed-off'), amount: PositiveMoney })]),
});
const FreeDelivery = z.strictObject({ kind: z.literal('free-delivery'), minimumSpend: PositiveMoney.optional() });

/** What a promotion gives. */
export const PromotionRule = z.discriminatedUnion('kind', [
  PercentOff,
  FixedOff,
  Bogo,
  BuyXGetY,
  MultiBuy,
  Bundle,
  SpendThreshold,
  FreeDelivery,
]);
export type PromotionRule = z.infer<typeof PromotionRule>;

/** How a promotion combines with others; see docs/pricing.md for the full policy. */
export const Stacking = z.strictObject({
  /** Lower numbers are evaluated first; equal priorities fall back to the promotion id. */
  priority: z.number().int().min(0).max(1000),
  /** Once applied, no other promotion applies to the lines it touched (all lines, for a cart-level promotion). */
  exclusive: z.boolean().default(false),
  /** Of the promotions sharing a group, only the one best for the shopper applies. */
  group: z.string().min(1).max(64).optional(),
});
export type Stacking = z.infer<typeof Stacking>;

/** When a promotion runs: from `startsAt` (inclusive) until `endsAt` (exclusive), or indefinitely. */
export const Schedule = z
  .strictObject({ startsAt: z.iso.datetime({ offset: true }), endsAt: z.iso.datetime({ offset: true }).optional() })
  .refine((s) => s.endsAt === undefined || Date.parse(s.endsAt) > Date.parse(s.startsAt), {
    message: 'must be after startsAt',
    path: ['endsAt'],
  });
export type Schedule = z.infer<typeof Schedule>;

/** How many times a promotion may be redeemed in all, and by one shopper. */
export const UsageLimits = z.strictObject({
  total: z.number().int().min(1).optional(),
  perShopper: z.number().int().min(1).optional(),
});
export type UsageLimits = z.infer<typeof UsageLimits>;

/** A promotion: the admin API's request body and `priceCart`'s input. */
export const Promotion = z.strictObject({
  id: PromotionId,
  name: z.string().min(1).max(120),
  description: z.string().max(1000).optional(),
  rule: PromotionRule,
  target: PromotionTarget,
  stacking: Stacking,
  schedule: Schedule,
  limits: UsageLimits.default({}),
  /** Set for coupon promotions: they apply only while the shopper has applied this code. */
  couponCode: CouponCode.optional(),
  /** A coupon that is not combinable is refused when another coupon was applied before it. */
  combinableWithOtherCoupons: z.boolean().default(true),
});
export type Promotion = z.infer<typeof Promotion>;
