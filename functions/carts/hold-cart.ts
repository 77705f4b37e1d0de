import { cartActor } from '../../shared/carts/deps.js';
import { holdCart } from '../../shared/carts/hold.js';
import { CartIdParams } from '../../shared/carts/requests.js';
import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';

/** POST /carts/{id}/hold: holds every line's stock and the slot in one transaction, or nothing; a repeat returns the same hold. */
export const handler = httpHandler({ params: CartIdParams })(async (input) => {
  const cart = await holdCart(input.params.id, cartActor(requirePrincipal(input), input.headers));
  return ok(cart);
});
