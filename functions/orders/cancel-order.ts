import { checkoutDeps } from '../../shared/checkout/deps.js';
import { AppError } from '../../shared/errors.js';
import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { accepted } from '../../shared/http/responses.js';
import { orderActorOf } from '../../shared/orders/access.js';
import { CancelOrderRequest, cancelOrder } from '../../shared/orders/order-actions.js';
import { OrderIdParams } from '../../shared/orders/queries.js';
import { orderView } from '../../shared/orders/views.js';

/**
 * POST /orders/{id}/cancel: by its shopper, or by staff of its store who may change orders (`orders:write`; a picker
 * may not); stock and slot released and the hold voided (or the capture refunded) by the saga's compensations.
 * Checkout's deps carry the Step Functions side of orders' `SagaWaits` port, which fails a waiting saga.
 */
export const handler = httpHandler({ params: OrderIdParams, body: CancelOrderRequest })(async (input) => {
  const principal = requirePrincipal(input);
  const who = orderActorOf(principal, input.headers['x-correlation-id']);
  if (who.access.kind === 'staff' && !principal.scopes.includes('orders:write')) {
    throw new AppError('forbidden', 'insufficient-scope', 'Cancelling an order as staff needs the orders:write scope.', { extensions: { requiredScope: 'orders:write' } });
  }
  const order = await cancelOrder(input.params.id, input.body.reason, who, checkoutDeps());
  return accepted(orderView(order, who.access), `/orders/${order.id}`);
});
