import type { PricedCart, PricingContext, PricingLine } from '../../../shared/pricing/cart-pricing.js';
import type { LoyaltyPolicy } from '../../../shared/pricing/loyalty.js';
import { Promotion, type PromotionRule, type PromotionTarget } from '../../../shared/pricing/promotions.js';
import type { TaxRateTable } from '../../../shared/pricing/tax.js';

/** Builders for cart pricing tests: a line or promotion states only what a test is about. */

export const gbp = (amount: number) => ({ amount, currency: 'GBP' });

/** Category ids are ULIDs, as in the catalog (Crockford base 32: no I, L, O or U). */
const categoryId = (tag: string) => `01J${tag}`.padEnd(26, '0');
export const CHEESE = categoryId('CHEESE');
export const BAKERY = categoryId('BAKERY');
export const FRESH = categoryId('FRESH');
export const MEAT = categoryId('MEAT');

export const RATES: TaxRateTable = { GB: { food: 0, 'non-food': 2000, alcohol: 2000 }, DE: { food: 700, 'non-food': 1900, alcohol: 1900 } };
export const NOW = new Date('2025-06-15T12:00:00Z');

/** A unit line (sold each) of `count` items at `price` pence, its sku {@link skuOf} the line id. */
export function units(lineId: string, price: number, count: number, extra: Partial<PricingLine> = {}): PricingLine {
  return {
    lineId,
    sku: skuOf(lineId),
    productId: `product-${lineId}`,
    categoryIds: [],
    taxCategory: 'food',
    soldBy: 'each',
    unitPrice: gbp(price),
    quantity: { kind: 'units', count },
    ...extra,
  };
}

/** A weighed line: `pricePerKg` pence per kg at `grams`. */
export function weighed(lineId: string, pricePerKg: number, grams: number, extra: Partial<PricingLine> = {}): PricingLine {
  return units(lineId, pricePerKg, 1, { soldBy: 'weight', quantity: { kind: 'grams', grams }, ...extra });
}

/** A promotion through the real schema (so defaults apply as they would from the API), running since 2025. */
export function promotion(
  id: string,
  rule: PromotionRule | Record<string, unknown>,
  target: PromotionTarget = { kind: 'cart' },
  extra: Record<string, unknown> = {},
): Promotion {
  return Promotion.parse({
    id,
    name: `Promotion ${id}`,
    rule,
    target,
    stacking: { priority: 10 },
    schedule: { startsAt: '2025-01-01T00:00:00Z' },
    ...extra,
  });
}

/** The SKU of a test line. */
export const skuOf = (lineId: string) => `SKU-${lineId.toUpperCase()}`;
/** A target of the SKUs of the given test lines. */
export const sku = (...lineIds: string[]): PromotionTarget => ({ kind: 'sku', skus: lineIds.map(skuOf) });
export const category = (...categoryIds: string[]): PromotionTarget => ({ kind: 'category', categoryIds });

/** A GB, tax-exclusive context with no promotions; override what the test is about. */
export function context(extra: Partial<PricingContext> = {}): PricingContext {
  return {
    currency: 'GBP',
    taxMode: 'exclusive',
    jurisdiction: 'GB',
    taxRates: RATES,
    now: NOW,
    weightBufferBasisPoints: 1500,
    promotions: [],
    appliedCoupons: [],
    usage: {},
    ...extra,
  };
}

/** 1 point per £1 (gross); 100 points are worth £1; up to half the goods; at least 100 points. */
export const POLICY: LoyaltyPolicy = {
  earn: { points: 1, per: gbp(100), basis: 'gross' },
  redeem: { points: 100, value: gbp(100) },
  maxRedeemBasisPoints: 5000,
  minPointsToRedeem: 100,
};

/** The discounts on a line as `{promotionId: amount}`. */
export function discountsOf(cart: PricedCart, lineId: string): Record<string, number> {
  const line = cart.lines.find((l) => l.lineId === lineId);
  if (line === undefined) throw new Error(`no line ${lineId}`);
  return Object.fromEntries(line.discounts.map((d) => [d.promotionId, d.amount.amount]));
}

/** The rejections as `{promotionId: reason}`. */
export function rejectionsOf(cart: PricedCart): Record<string, string> {
  return Object.fromEntries(cart.rejected.map((r) => [r.promotionId, r.reason]));
}
