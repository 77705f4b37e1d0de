import { checkoutDeps } from '../../shared/checkout/deps.js';
import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';
import { orderActorOf } from '../../shared/orders/access.js';
import { recordPick } from '../../shared/orders/order-actions.js';
import { PickRequest } from '../../shared/orders/picking.js';
import { OrderIdParams } from '../../shared/orders/queries.js';
import { orderView } from '../../shared/orders/views.js';

/**
 * POST /orders/{id}/pick: what the picker handed over at their store; the checkout saga then captures the final amount.
 * Checkout's deps carry the Step Functions side of orders' `SagaWaits` port, which resumes the saga.
 */
export const handler = httpHandler({ params: OrderIdParams, body: PickRequest })(async (input) => {
  const who = orderActorOf(requirePrincipal(input), input.headers['x-correlation-id']);
  const result = await recordPick(input.params.id, input.body, who, checkoutDeps());
  return ok({ ...result, order: orderView(result.order, who.access) });
});
