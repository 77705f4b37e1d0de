import { CancelOrderRequest, cancelOrder } from '../../shared/checkout/order-actions.js';
import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { accepted } from '../../shared/http/responses.js';
import { orderActorOf } from '../../shared/orders/access.js';
import { OrderIdParams } from '../../shared/orders/queries.js';
import { orderView } from '../../shared/orders/views.js';

/** POST /orders/{id}/cancel: stock and slot released and the hold voided (or the capture refunded) by the saga's compensations. */
export const handler = httpHandler({ params: OrderIdParams, body: CancelOrderRequest })(async (input) => {
  const who = orderActorOf(requirePrincipal(input), input.headers['x-correlation-id']);
  const order = await cancelOrder(input.params.id, input.body.reason, who);
  return accepted(orderView(order, who.access), `/orders/${order.id}`);
});
