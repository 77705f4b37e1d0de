import { z } from 'zod';
import { Id, Money as MoneyBody, Sku } from '../catalog/model.js';
import { StoreId } from '../stores/model.js';

/**
 * Promotions as data. The same strict schema validates the admin API's `POST /promotions` body and the promotions the
 * cart hands to `priceCart`, so a promotion that prices is always one the API could have accepted.
 * Stacking, schedules and limits are documented in docs/pricing.md.
 */

/** A catalog-style amount of money that must be more than zero. */
export const PositiveMoney = MoneyBody.refine((m) => m.amount > 0, { message: 'must be more than zero', path: ['amount'] });
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
  /** The stores it applies at; left out, it applies at every store of the chain. */
  stores: z.array(StoreId).min(1).max(100).optional(),
});
export type Promotion = z.infer<typeof Promotion>;

/** Whether a promotion applies at a store: it names none (chain-wide), or names this one. */
export function availableAtStore(promotion: Pick<Promotion, 'stores'>, storeId: string): boolean {
  return promotion.stores === undefined || promotion.stores.includes(storeId);
}

/**
 * When a promotion is evaluated: quantity deals and per-item or targeted amounts discount lines first (`line`),
 * cart-wide amounts and spend thresholds then work on what the line promotions left (`cart`), and free delivery,
 * which touches only the fee, comes last (`delivery`).
 */
export type PromotionStage = 'line' | 'cart' | 'delivery';

/** The stage a promotion belongs to; see {@link PromotionStage}. */
export function promotionStage(promotion: Promotion): PromotionStage {
  const { rule, target } = promotion;
  if (rule.kind === 'free-delivery') return 'delivery';
  if (rule.kind === 'spend-threshold') return 'cart';
  const cartWide = target.kind === 'cart' && (rule.kind === 'percent-off' || (rule.kind === 'fixed-off' && rule.per === 'order'));
  return cartWide ? 'cart' : 'line';
}

const STAGE_ORDER: Record<PromotionStage, number> = { line: 0, cart: 1, delivery: 2 };

/** Orders promotions for evaluation: by stage, then priority (lower first), then id, so that input order never matters. */
export function compareEvaluationOrder(a: Promotion, b: Promotion): number {
  return (
    STAGE_ORDER[promotionStage(a)] - STAGE_ORDER[promotionStage(b)] ||
    a.stacking.priority - b.stacking.priority ||
    compareStrings(a.id, b.id)
  );
}

/** Code-unit order, the same in every locale (unlike `localeCompare`). */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The product facts a target is matched against. */
export interface Targetable {
  readonly sku: string;
  readonly categoryIds: readonly string[];
}

/** Whether a line is one a target (or bundle component) looks at; a category matches its whole subtree. */
export function matchesTarget(target: PromotionTarget, line: Targetable): boolean {
  switch (target.kind) {
    case 'cart':
      return true;
    case 'sku':
      return target.skus.includes(line.sku);
    case 'category':
      return line.categoryIds.some((id) => target.categoryIds.includes(id));
  }
}

/** What screening needs from the pricing context. */
export interface ScreeningContext {
  /** The store the goods are sold at; promotions bound to other stores are left out as if they did not exist. */
  readonly storeId?: string;
  readonly now: Date;
  readonly appliedCoupons: readonly string[];
  readonly usage: Readonly<Record<string, { total: number; byShopper: number }>>;
}

/** A promotion screened out before stacking, with why. */
export interface ScreenedOut {
  promotionId: string;
  code?: string;
  reason: 'expired' | 'not-started' | 'usage-limit-reached' | 'not-combinable';
  blockedBy?: string;
}

/** The promotions that may stack, those refused on their own terms, and applied codes no promotion carries. */
export interface Screening {
  candidates: Promotion[];
  rejected: ScreenedOut[];
  unknownCoupons: string[];
}

/**
 * Decides which promotions take part in stacking, before any amount is computed:
 *
 * - a promotion bound to other stores than `storeId` is left out, as if it did not exist (its code, if applied, is
 *   among the unknown coupons);
 * - a coupon promotion takes part only while its code is applied (otherwise it is silently left out: the shopper never
 *   asked for it);
 * - the schedule is checked against `now` (`not-started`, `expired`), then the usage limits (`usage-limit-reached`);
 * - coupons are then accepted in the order the shopper applied them; one that is not combinable with other coupons, or
 *   that follows one that is not, is refused as `not-combinable`, naming the coupon promotion it clashed with. The first
 *   applied wins, so applying a second coupon never silently removes the first.
 */
export function screenPromotions(all: readonly Promotion[], context: ScreeningContext): Screening {
  const { storeId } = context;
  const promotions = storeId === undefined ? all : all.filter((p) => availableAtStore(p, storeId));
  const applied = context.appliedCoupons.map((code) => code.toUpperCase());
  const rejected: ScreenedOut[] = [];
  const valid: Promotion[] = [];
  for (const promotion of promotions) {
    if (promotion.couponCode !== undefined && !applied.includes(promotion.couponCode)) continue;
    const reason = scheduleOrLimitReason(promotion, context);
    if (reason === undefined) valid.push(promotion);
    else rejected.push({ promotionId: promotion.id, ...codeOf(promotion), reason });
  }

  const accepted: Promotion[] = [];
  for (const code of new Set(applied)) {
    for (const promotion of valid.filter((p) => p.couponCode === code).sort(compareEvaluationOrder)) {
      const clash = accepted.find(
        (other) =>
          other.couponCode !== code && (!other.combinableWithOtherCoupons || !promotion.combinableWithOtherCoupons),
      );
      if (clash === undefined) accepted.push(promotion);
      else rejected.push({ promotionId: promotion.id, code, reason: 'not-combinable', blockedBy: clash.id });
    }
  }

  const known = new Set(promotions.flatMap((p) => (p.couponCode === undefined ? [] : [p.couponCode])));
  return {
    candidates: [...valid.filter((p) => p.couponCode === undefined), ...accepted],
    rejected,
    unknownCoupons: [...new Set(applied)].filter((code) => !known.has(code)),
  };
}

function scheduleOrLimitReason(promotion: Promotion, context: ScreeningContext): ScreenedOut['reason'] | undefined {
  const now = context.now.getTime();
  if (now < Date.parse(promotion.schedule.startsAt)) return 'not-started';
  if (promotion.schedule.endsAt !== undefined && now >= Date.parse(promotion.schedule.endsAt)) return 'expired';
  const usage = Object.hasOwn(context.usage, promotion.id) ? context.usage[promotion.id] : undefined;
  const { total, perShopper } = promotion.limits;
  if (usage !== undefined && ((total !== undefined && usage.total >= total) || (perShopper !== undefined && usage.byShopper >= perShopper))) {
    return 'usage-limit-reached';
  }
  return undefined;
}

/** The `code` field of a rejection: present only for coupon promotions. */
export function codeOf(promotion: Promotion): { code?: string } {
  return promotion.couponCode === undefined ? {} : { code: promotion.couponCode };
}
