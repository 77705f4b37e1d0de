import { updateCartLine } from '../../shared/carts/carts.js';
import { cartActor } from '../../shared/carts/deps.js';
import { LineParams, UpdateLineRequest } from '../../shared/carts/requests.js';
import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';

/** PATCH /carts/{id}/lines/{lineId}: sets a line's quantity and/or substitution preference. */
export const handler = httpHandler({ params: LineParams, body: UpdateLineRequest })(async (input) => {
  const cart = await updateCartLine(input.params.id, input.params.lineId, input.body, cartActor(requirePrincipal(input), input.headers));
  return ok(cart);
});
