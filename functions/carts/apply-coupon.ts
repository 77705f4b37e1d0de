import { applyCoupon } from '../../shared/carts/coupons.js';
import { cartActor } from '../../shared/carts/deps.js';
import { ApplyCouponRequest, CartIdParams } from '../../shared/carts/requests.js';
import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';

/**
 * POST /carts/{id}/coupons: applies a code if pricing the cart with it applies its promotion. Every refusal, an unknown
 * code included, is the same 422 `coupon-not-applicable`; past 5 in 15 minutes, 429 `too-many-coupon-attempts`.
 */
export const handler = httpHandler({ params: CartIdParams, body: ApplyCouponRequest })(async (input) => {
  const cart = await applyCoupon(input.params.id, input.body.code, cartActor(requirePrincipal(input), input.headers));
  return ok(cart);
});
