import { addCartLine } from '../../shared/carts/carts.js';
import { cartActor } from '../../shared/carts/deps.js';
import { AddLineRequest, CartIdParams } from '../../shared/carts/requests.js';
import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { idempotency } from '../../shared/http/idempotency.js';
import { ok } from '../../shared/http/responses.js';

/**
 * POST /carts/{id}/lines: adds a SKU, or adds to the line with the same SKU and substitution. Idempotent with a key,
 * because a retried add that merged would otherwise count twice.
 */
export const handler = httpHandler({ params: CartIdParams, body: AddLineRequest, idempotency: idempotency() })(async (input) => {
  const cart = await addCartLine(input.params.id, input.body, cartActor(requirePrincipal(input), input.headers));
  return ok(cart);
});
