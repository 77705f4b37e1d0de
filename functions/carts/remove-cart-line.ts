import { removeCartLine } from '../../shared/carts/carts.js';
import { cartActor } from '../../shared/carts/deps.js';
import { LineParams } from '../../shared/carts/requests.js';
import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';

/** DELETE /carts/{id}/lines/{lineId}: removes a line (also how an unavailable line is cleared). */
export const handler = httpHandler({ params: LineParams })(async (input) => {
  const cart = await removeCartLine(input.params.id, input.params.lineId, cartActor(requirePrincipal(input), input.headers));
  return ok(cart);
});
