import { createHash } from 'node:crypto';
import type { RejectionReason } from '../pricing/cart-pricing.js';
import { availableAtStore, type Promotion } from '../pricing/promotions.js';
import { findCouponPromotion } from '../promotions/queries.js';
import { AppError } from '../errors.js';
import { giveBackRate, RATE_LIMITS, takeRate } from '../limits/rate-limiter.js';
import { logger } from '../observability/logger.js';
import { changeCart } from './change.js';
import { cartDeps, type CartActor, type CartDeps } from './deps.js';
import { MAX_COUPONS, type Cart } from './model.js';
import { inCurrency, priceCartNow } from './pricing.js';

/**
 * Coupons on a cart. Whether a coupon can be applied is decided by pricing the cart with it: it is
 * applied only if its promotion applied. Nothing is written for a refused coupon.
 *
 * A refused code gets ONE answer whatever the reason, the same for a code that does not exist: if an
 * unknown code and an expired one answered differently, the difference would tell a guesser which
 * codes are real. The reason is logged for support instead, with a digest of the code rather than the
 * code itself (a single-use code is a bearer secret). Refusals count against the shopper's budget of
 * failed attempts (`RATE_LIMITS.couponFailures`); past it, coupon attempts are a 429 until the window ends.
 */

/** Why a code was refused, as the log says it: pricing's reasons, and those decided before pricing. */
export type CouponRefusalReason = RejectionReason | 'unknown-code' | 'other-currency' | 'other-store';

/** The one answer to a coupon code that cannot be applied, whatever the reason. */
export class CouponNotApplicableError extends AppError {
  override readonly name = 'CouponNotApplicableError';
  constructor(readonly reason: CouponRefusalReason) {
    super('unprocessable', 'coupon-not-applicable', 'This coupon code cannot be applied to this cart: check the code, what it applies to, its minimum spend and its dates.');
  }
}

/**
 * A short, stable digest of a code for the logs: support can find a shopper's attempt by hashing the code the shopper
 * reads out (`printf %s CODE | sha256sum | cut -c1-12`), and the log never holds a usable code.
 */
export function couponDigest(code: string): string {
  return createHash('sha256').update(code).digest('hex').slice(0, 12);
}

/** Why a real code's promotion cannot be applied to this cart before pricing it, if it cannot. */
function refusedBeforePricing(promotion: Promotion, cart: Cart): CouponRefusalReason | undefined {
  if (!availableAtStore(promotion, cart.storeId)) return 'other-store';
  if (!inCurrency(promotion, cart.currency)) return 'other-currency';
  return undefined;
}

/** The refusal for a cart priced with the coupon, or `undefined` when its promotion applied. */
async function refusedByPricing(deps: CartDeps, cart: Cart, code: string, promotion: Promotion): Promise<CouponRefusalReason | undefined> {
  const priced = await priceCartNow(deps, cart, { coupons: [...cart.coupons, code], couponPromotions: new Map([[code, promotion]]) });
  return priced.pricing.rejected.find((r) => r.promotionId === promotion.id)?.reason;
}

/**
 * Applies a coupon code, if pricing the cart with it applies its promotion. Applying a code the
 * cart already has changes nothing.
 *
 * @throws CouponNotApplicableError (422 `coupon-not-applicable`, the same for every reason, an unknown code included)
 * @throws RateLimitedError (429 `too-many-coupon-attempts`, with `Retry-After`) once the shopper's failed attempts are spent
 * @throws AppError (422 `cart-too-many-coupons`), and the cart's own errors (404, 409 `cart-not-open`)
 */
export async function applyCoupon(cartId: string, code: string, actor: CartActor, deps: CartDeps = cartDeps()): Promise<Cart> {
  // Taken before trying and given back on anything but a refused code, so racing guesses cannot overrun the budget.
  const attempt = await takeRate(RATE_LIMITS.couponFailures, actor.subject, deps);
  try {
    const cart = await changeCart(deps, cartId, actor, async (cart) => {
      if (cart.coupons.includes(code)) return undefined;
      if (cart.coupons.length >= MAX_COUPONS) {
        throw new AppError('unprocessable', 'cart-too-many-coupons', `Cart ${cart.id} already has ${MAX_COUPONS} coupons; remove one first.`, {
          extensions: { cartId: cart.id, maxCoupons: MAX_COUPONS },
        });
      }
      const promotion = await findCouponPromotion(code, deps);
      let reason: CouponRefusalReason | undefined;
      if (promotion === undefined) {
        // Priced all the same, so that an unknown code does not answer measurably faster than a real one.
        await priceCartNow(deps, cart);
        reason = 'unknown-code';
      } else {
        reason = refusedBeforePricing(promotion, cart) ?? (await refusedByPricing(deps, cart, code, promotion));
      }
      if (reason !== undefined) {
        logger.info('coupon refused', { cartId: cart.id, reason, codeDigest: couponDigest(code), ...(promotion ? { promotionId: promotion.id } : {}) });
        throw new CouponNotApplicableError(reason);
      }
      return { changes: { coupons: [...cart.coupons, code] }, event: { kind: 'update', change: 'coupon-applied', code } };
    });
    await giveBackRate(attempt, deps);
    return cart;
  } catch (error) {
    if (!(error instanceof CouponNotApplicableError)) await giveBackRate(attempt, deps);
    throw error;
  }
}

/** Removes a coupon code; removing one the cart does not have changes nothing. */
export async function removeCoupon(cartId: string, code: string, actor: CartActor, deps: CartDeps = cartDeps()): Promise<Cart> {
  return changeCart(deps, cartId, actor, (cart) =>
    cart.coupons.includes(code)
      ? { changes: { coupons: cart.coupons.filter((c) => c !== code) }, event: { kind: 'update', change: 'coupon-removed', code } }
      : undefined,
  );
}
