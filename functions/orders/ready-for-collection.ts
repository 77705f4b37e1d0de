import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';
import { orderActorOf } from '../../shared/orders/access.js';
import { readyForCollection, ReadyRequest } from '../../shared/orders/fulfilment-actions.js';
import { OrderIdParams } from '../../shared/orders/queries.js';
import { orderView } from '../../shared/orders/views.js';

/**
 * POST /orders/{id}/collection: a packed pickup order waits at the desk, with a handover code that only its shopper
 * sees; on a collection locked by wrong codes, a store manager (orders:write) issues a new code.
 */
export const handler = httpHandler({ params: OrderIdParams, body: ReadyRequest })(async (input) => {
  const principal = requirePrincipal(input);
  const who = orderActorOf(principal, input.headers['x-correlation-id']);
  return ok(orderView(await readyForCollection(input.params.id, { ...who, canReissue: principal.scopes.includes('orders:write') }), who.access));
});
