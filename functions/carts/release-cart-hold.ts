import { cartActor } from '../../shared/carts/deps.js';
import { releaseCartHold } from '../../shared/carts/hold.js';
import { CartIdParams } from '../../shared/carts/requests.js';
import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';

/** DELETE /carts/{id}/hold: gives the stock and the slot back and reopens the cart; releasing an open cart changes nothing. */
export const handler = httpHandler({ params: CartIdParams })(async (input) => {
  const cart = await releaseCartHold(input.params.id, cartActor(requirePrincipal(input), input.headers));
  return ok(cart);
});
