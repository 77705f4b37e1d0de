import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';
import { orderAccessOf } from '../../shared/orders/access.js';
import { readReturn } from '../../shared/orders/return-actions.js';
import { ReturnParams, returnView } from '../../shared/orders/returns.js';

/** GET /orders/{id}/returns/{returnId}: one return, for the order's shopper and its store's staff. */
export const handler = httpHandler({ params: ReturnParams })(async (input) => {
  const access = orderAccessOf(requirePrincipal(input));
  return ok(returnView(await readReturn(input.params.id, input.params.returnId, access), access));
});
