import { getCart } from '../../shared/carts/carts.js';
import { cartActor } from '../../shared/carts/deps.js';
import { CartIdParams } from '../../shared/carts/requests.js';
import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';

/** GET /carts/{id}: the cart priced now, explained per line; another shopper's cart is a 404 (staff with `admin` may read any). */
export const handler = httpHandler({ params: CartIdParams })(async (input) => {
  const cart = await getCart(input.params.id, cartActor(requirePrincipal(input), input.headers));
  return ok(cart);
});
