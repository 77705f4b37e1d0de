import type { Money } from '../pricing/money.js';
import { matchesTarget, promotionStage, type Promotion } from '../pricing/promotions.js';
import { findCouponPromotion } from '../promotions/queries.js';
import { AppError, ConflictError } from '../errors.js';
import { changeCart } from './change.js';
import { cartDeps, type CartActor, type CartDeps } from './deps.js';
import { MAX_COUPONS, type Cart } from './model.js';
import { inCurrency, priceCartNow, type CartPricing } from './pricing.js';

/**
 * Coupons on a cart. Whether a coupon can be applied is decided by pricing the cart with it:
 * pricing's `rejected` says why a promotion did not apply, and each reason becomes its own clear
 * error. Nothing is written for a refused coupon.
 */

/** No enabled promotion has this code. */
export class CouponUnknownError extends AppError {
  override readonly name = 'CouponUnknownError';
  constructor(code: string) {
    super('not-found', 'coupon-unknown', `No promotion has the coupon code ${code}.`, { extensions: { code } });
  }
}

function money(amount: number, currency: string): Money {
  return { amount, currency };
}

/**
 * What a spend threshold is compared with, for the minimum-spend message: the targeted goods after
 * line promotions, before cart-wide ones (as pricing compares them).
 */
function targetedSpend(priced: CartPricing, promotion: Promotion): number {
  const facts = new Map(priced.pricedFrom.map((l) => [l.lineId, l]));
  const lineStage = new Set(priced.promotions.filter((p) => promotionStage(p) === 'line').map((p) => p.id));
  return priced.pricing.lines
    .filter((line) => matchesTarget(promotion.target, facts.get(line.lineId)!))
    .reduce((sum, line) => sum + line.subtotal.amount - line.discounts.reduce((d, x) => d + (lineStage.has(x.promotionId) ? x.amount.amount : 0), 0), 0);
}

/** The error for a coupon that pricing considered and did not apply, or `undefined` when it applied. */
function refusal(code: string, promotion: Promotion, priced: CartPricing, now: Date): AppError | undefined {
  const rejected = priced.pricing.rejected.find((r) => r.promotionId === promotion.id);
  if (!rejected) return undefined;
  const { currency } = priced.pricing;
  switch (rejected.reason) {
    case 'expired':
    case 'not-started': {
      const { startsAt, endsAt } = promotion.schedule;
      const when = rejected.reason === 'expired' ? `expired at ${endsAt}` : `is valid from ${startsAt}`;
      return new AppError('unprocessable', 'coupon-expired', `Coupon ${code} ${when}.`, {
        extensions: { code, startsAt, ...(endsAt ? { endsAt } : {}), checkedAt: now.toISOString() },
      });
    }
    case 'minimum-not-met': {
      const { rule } = promotion;
      const minimum = rule.kind === 'spend-threshold' || rule.kind === 'free-delivery' ? rule.minimumSpend : undefined;
      const current = money(targetedSpend(priced, promotion), currency);
      return new AppError(
        'unprocessable',
        'coupon-minimum-not-met',
        `Coupon ${code} needs a spend of at least ${minimum?.amount ?? '?'} ${currency} on the goods it covers; they come to ${current.amount} ${currency}.`,
        { extensions: { code, ...(minimum ? { minimum } : {}), current } },
      );
    }
    case 'not-combinable':
      return new ConflictError('coupon-not-combinable', `Coupon ${code} cannot be combined with ${rejected.blockedBy ? `promotion ${rejected.blockedBy}` : 'the coupons already applied'}; remove that first.`, {
        extensions: { code, ...(rejected.blockedBy ? { blockedBy: rejected.blockedBy } : {}) },
      });
    case 'usage-limit-reached':
      return new ConflictError('coupon-usage-limit-reached', `Coupon ${code} has been used as often as it may be.`, { extensions: { code } });
    case 'no-eligible-items':
      return new AppError('unprocessable', 'coupon-no-eligible-items', `Coupon ${code} applies to nothing in this cart.`, { extensions: { code } });
  }
}

/**
 * Applies a coupon code, if pricing the cart with it applies its promotion. Applying a code the
 * cart already has changes nothing.
 *
 * @throws CouponUnknownError (404 `coupon-unknown`) for a code no enabled promotion has
 * @throws AppError (422 `coupon-expired`, `coupon-minimum-not-met` with `minimum` and `current`, `coupon-no-eligible-items`, `cart-too-many-coupons`)
 * @throws ConflictError (409 `coupon-not-combinable`, `coupon-usage-limit-reached`)
 */
export async function applyCoupon(cartId: string, code: string, actor: CartActor, deps: CartDeps = cartDeps()): Promise<Cart> {
  return changeCart(deps, cartId, actor, async (cart) => {
    if (cart.coupons.includes(code)) return undefined;
    const promotion = await findCouponPromotion(code, deps);
    if (!promotion) throw new CouponUnknownError(code);
    if (!inCurrency(promotion, cart.currency)) {
      throw new AppError('unprocessable', 'coupon-no-eligible-items', `Coupon ${code} is for carts in another currency than ${cart.currency}.`, {
        extensions: { code },
      });
    }
    if (cart.coupons.length >= MAX_COUPONS) {
      throw new AppError('unprocessable', 'cart-too-many-coupons', `Cart ${cart.id} already has ${MAX_COUPONS} coupons; remove one first.`, {
        extensions: { cartId: cart.id, maxCoupons: MAX_COUPONS },
      });
    }
    const coupons = [...cart.coupons, code];
    const priced = await priceCartNow(deps, cart, { coupons, couponPromotions: new Map([[code, promotion]]) });
    const refused = refusal(code, promotion, priced, deps.now());
    if (refused) throw refused;
    return { changes: { coupons }, event: { kind: 'update', change: 'coupon-applied', code } };
  });
}

/** Removes a coupon code; removing one the cart does not have changes nothing. */
export async function removeCoupon(cartId: string, code: string, actor: CartActor, deps: CartDeps = cartDeps()): Promise<Cart> {
  return changeCart(deps, cartId, actor, (cart) =>
    cart.coupons.includes(code)
      ? { changes: { coupons: cart.coupons.filter((c) => c !== code) }, event: { kind: 'update', change: 'coupon-removed', code } }
      : undefined,
  );
}
