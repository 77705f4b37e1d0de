import { removeCoupon } from '../../shared/carts/coupons.js';
import { cartActor } from '../../shared/carts/deps.js';
import { CouponParams } from '../../shared/carts/requests.js';
import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';

/** DELETE /carts/{id}/coupons/{code}: removes a code; removing one the cart does not have changes nothing. */
export const handler = httpHandler({ params: CouponParams })(async (input) => {
  const cart = await removeCoupon(input.params.id, input.params.code, cartActor(requirePrincipal(input), input.headers));
  return ok(cart);
});
