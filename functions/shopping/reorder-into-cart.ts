import { cartActor } from '../../shared/carts/deps.js';
import { CartIdParams } from '../../shared/carts/requests.js';
import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { idempotency } from '../../shared/http/idempotency.js';
import { ok } from '../../shared/http/responses.js';
import { reorderIntoCart } from '../../shared/shopping/reorder.js';
import { ReorderRequest } from '../../shared/shopping/requests.js';

/**
 * POST /carts/{id}/reorder: a past order's lines into the cart, each skipped line with its reason. Idempotent with a
 * key, because a retried reorder would otherwise add every line twice.
 */
export const handler = httpHandler({ params: CartIdParams, body: ReorderRequest, idempotency: idempotency() })(async (input) => {
  const result = await reorderIntoCart(input.params.id, input.body.orderId, cartActor(requirePrincipal(input), input.headers));
  return ok(result);
});
