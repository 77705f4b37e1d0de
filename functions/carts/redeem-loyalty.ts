import { cartActor } from '../../shared/carts/deps.js';
import { redeemLoyalty } from '../../shared/carts/loyalty.js';
import { CartIdParams, LoyaltyRequest } from '../../shared/carts/requests.js';
import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';

/** PUT /carts/{id}/loyalty: the points to redeem against the cart, within the balance and the scheme's limits; 0 removes them. */
export const handler = httpHandler({ params: CartIdParams, body: LoyaltyRequest })(async (input) => {
  const cart = await redeemLoyalty(input.params.id, input.body.points, cartActor(requirePrincipal(input), input.headers));
  return ok(cart);
});
