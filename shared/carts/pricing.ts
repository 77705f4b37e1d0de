import { hasActiveDeliveryPass } from '../billing/subscriptions.js';
import { getSlot } from '../fulfillment/slots.js';
import { getLoyaltyAccount } from '../loyalty/accounts.js';
import { LOYALTY_POLICY } from '../loyalty/policy.js';
import { priceCart, type LineQuantity as PricingQuantity, type PricedCart, type PricingContext, type PricingLine } from '../pricing/cart-pricing.js';
import type { Promotion } from '../pricing/promotions.js';
import { activePromotions, findCouponPromotion, usageFor } from '../promotions/queries.js';
import { requireStore, storeDeps } from '../stores/repository.js';
import { getTaxRates } from '../tax/rates.js';
import { currentLines, type AvailableLine, type UnavailableLine } from './catalog-lookup.js';
import type { CartDeps } from './deps.js';
import type { Cart, LineQuantity } from './model.js';

/**
 * Prices a cart server-side, from fresh reads: the catalog's current prices, the promotions running
 * now and those the cart's coupons unlock (each only at the stores it names), the store's tax
 * jurisdiction and the stored tax rates,
 * the chosen slot's fee and minimum order (waived while the shopper's delivery pass is active),
 * and the shopper's loyalty balance. Nothing priced is
 * stored on the cart, so a price or promotion change shows on the next read.
 */

/** What a weighed line authorizes beyond its estimate: +15 %, since a picked item rarely weighs exactly what was asked for. */
export const WEIGHT_BUFFER_BASIS_POINTS = 1500;

/** A priced cart and the lines left out of the price because they can no longer be sold. */
export interface CartPricing {
  pricing: PricedCart;
  unavailableLines: UnavailableLine[];
  /** The lines as they were handed to pricing, in cart order. */
  pricedFrom: PricingLine[];
  /** Every promotion pricing considered. */
  promotions: Promotion[];
}

/** What to price other than the cart as stored: a coupon about to be applied, another loyalty redemption. */
export interface PricingOverrides {
  coupons?: readonly string[];
  /** Promotions already looked up for some of `coupons`, by code, to save reading them again. */
  couponPromotions?: ReadonlyMap<string, Promotion>;
  loyaltyPoints?: number;
  /**
   * What the caller read for this cart a moment ago, to save reading it again: checkout checks the cart's lines, slot
   * and store on these just before it prices it. A price is then as fresh as those reads.
   */
  known?: {
    lines?: Awaited<ReturnType<typeof currentLines>>;
    store?: Awaited<ReturnType<typeof requireStore>>;
    slot?: Awaited<ReturnType<typeof getSlot>>;
  };
}

/** Every currency a value's money amounts are in, found wherever a `currency` field sits. */
function currenciesIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(currenciesIn);
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, field]) => (key === 'currency' && typeof field === 'string' ? [field] : currenciesIn(field)));
}

/**
 * Whether a promotion's amounts (a fixed discount, a multi-buy price, a minimum spend) are all in
 * `currency`. Pricing refuses to mix currencies, so a promotion set up in another currency is left
 * out of a cart's price rather than failing it.
 */
export function inCurrency(promotion: Promotion, currency: string): boolean {
  return currenciesIn(promotion.rule).every((c) => c === currency);
}

/** Whether the loyalty scheme runs in the cart's currency; carts in other currencies neither earn nor redeem points. */
export function loyaltyApplies(cart: Pick<Cart, 'currency'>): boolean {
  return cart.currency === LOYALTY_POLICY.redeem.value.currency && cart.currency === LOYALTY_POLICY.earn.per.currency;
}

/** A stored line quantity as pricing reads it; a counted weighed good is priced by its estimated grams. */
export function pricingQuantity(quantity: LineQuantity): PricingQuantity {
  if ('grams' in quantity) return { kind: 'grams', grams: quantity.grams };
  if ('millilitres' in quantity) return { kind: 'millilitres', millilitres: quantity.millilitres };
  return { kind: 'units', count: quantity.count };
}

/** One available line as pricing sees it, at the catalog's current price. */
export function pricingLine({ line, product, variant, categoryIds }: AvailableLine): PricingLine {
  return {
    lineId: line.lineId,
    sku: line.sku,
    productId: product.id,
    categoryIds,
    ...(product.brand ? { brand: product.brand } : {}),
    taxCategory: product.taxCategory,
    soldBy: variant.soldBy,
    unitPrice: variant.price,
    quantity: pricingQuantity(line.quantity),
  };
}

/**
 * Prices the cart as stored, or with `overrides` applied (to decide whether a change can be made
 * before making it). Coupons that no longer unlock an enabled promotion are reported by pricing
 * as `unknownCoupons`.
 */
export async function priceCartNow(deps: CartDeps, cart: Cart, overrides: PricingOverrides = {}): Promise<CartPricing> {
  const now = deps.now();
  const coupons = overrides.coupons ?? cart.coupons;
  const points = overrides.loyaltyPoints ?? cart.loyaltyPoints;
  const known = overrides.known ?? {};
  const [lines, store, taxRates, automatic, couponPromotions, account, slot, deliveryPass] = await Promise.all([
    known.lines ?? currentLines(deps, cart.lines),
    known.store ?? requireStore(cart.storeId, storeDeps(deps)),
    getTaxRates({}, deps),
    activePromotions(now, {}, deps),
    Promise.all(coupons.map(async (code) => overrides.couponPromotions?.get(code) ?? (await findCouponPromotion(code, deps)))),
    points > 0 && loyaltyApplies(cart) ? getLoyaltyAccount(cart.shopperId, deps) : undefined,
    known.slot ?? (cart.fulfillment ? getSlot(cart.storeId, cart.fulfillment.slotId, deps) : undefined),
    // Only a delivery has a fee to waive, so other carts skip the query.
    cart.fulfillment?.mode === 'delivery' ? hasActiveDeliveryPass(cart.shopperId, deps) : false,
  ]);
  const promotions = [...automatic, ...couponPromotions.filter((p): p is Promotion => p !== undefined)].filter((p) => inCurrency(p, cart.currency));
  const usage = await usageFor(
    promotions.map((p) => p.id),
    cart.shopperId,
    deps,
  );
  const context: PricingContext = {
    storeId: cart.storeId,
    currency: cart.currency,
    taxMode: cart.taxMode,
    jurisdiction: store.taxJurisdiction,
    taxRates,
    now,
    weightBufferBasisPoints: WEIGHT_BUFFER_BASIS_POINTS,
    promotions,
    appliedCoupons: coupons,
    usage,
    ...(slot ? { fulfillment: { mode: slot.mode, fee: slot.fee, minimumOrder: slot.minimumOrder } } : {}),
    deliveryFeeWaived: deliveryPass,
    ...(loyaltyApplies(cart) ? { loyalty: { balance: account?.balance ?? 0, pointsToRedeem: points, policy: LOYALTY_POLICY } } : {}),
  };
  const pricedFrom = lines.available.map(pricingLine);
  return { pricing: priceCart(pricedFrom, context), unavailableLines: lines.unavailable, pricedFrom, promotions };
}
