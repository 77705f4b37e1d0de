import { applyCoupon } from '../../shared/carts/coupons.js';
import { cartActor } from '../../shared/carts/deps.js';
import { ApplyCouponRequest, CartIdParams } from '../../shared/carts/requests.js';
import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';

/** POST /carts/{id}/coupons: applies a code if pricing the cart with it applies its promotion; each refusal has its own problem type. */
export const handler = httpHandler({ params: CartIdParams, body: ApplyCouponRequest })(async (input) => {
  const cart = await applyCoupon(input.params.id, input.body.code, cartActor(requirePrincipal(input), input.headers));
  return ok(cart);
});
