import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';
import { orderActorOf } from '../../shared/orders/access.js';
import { packOrder, PackRequest } from '../../shared/orders/fulfilment-actions.js';
import { OrderIdParams } from '../../shared/orders/queries.js';
import { orderView } from '../../shared/orders/views.js';

/** POST /orders/{id}/pack: staff of the order's store record its bags per temperature zone; a label per bag comes back. */
export const handler = httpHandler({ params: OrderIdParams, body: PackRequest })(async (input) => {
  const who = orderActorOf(requirePrincipal(input), input.headers['x-correlation-id']);
  return ok(orderView(await packOrder(input.params.id, input.body, who), who.access));
});
