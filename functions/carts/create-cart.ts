import { createCart } from '../../shared/carts/carts.js';
import { cartActor } from '../../shared/carts/deps.js';
import { CreateCartRequest } from '../../shared/carts/requests.js';
import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { idempotency } from '../../shared/http/idempotency.js';
import { created } from '../../shared/http/responses.js';

/** POST /carts: opens an empty cart for the caller at a store; 404 names a store that does not exist. */
export const handler = httpHandler({ body: CreateCartRequest, idempotency: idempotency() })(async (input) => {
  const cart = await createCart(input.body, cartActor(requirePrincipal(input), input.headers));
  return created(cart, `/carts/${cart.id}`);
});
