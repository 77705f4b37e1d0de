import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';
import { orderActorOf } from '../../shared/orders/access.js';
import { handOver, HandoverRequest } from '../../shared/orders/fulfilment-actions.js';
import { OrderIdParams } from '../../shared/orders/queries.js';
import { orderView } from '../../shared/orders/views.js';

/** POST /orders/{id}/collection/handover: a ready pickup order is handed over on its shopper's code (and an ID check when it needs one). */
export const handler = httpHandler({ params: OrderIdParams, body: HandoverRequest })(async (input) => {
  const who = orderActorOf(requirePrincipal(input), input.headers['x-correlation-id']);
  return ok(orderView(await handOver(input.params.id, input.body, who), who.access));
});
