import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';
import { orderActorOf } from '../../shared/orders/access.js';
import { inspectReturn } from '../../shared/orders/return-actions.js';
import { InspectReturnRequest, ReturnParams, returnView } from '../../shared/orders/returns.js';

/**
 * POST /orders/{id}/returns/{returnId}/inspect: staff of the order's store restock or write off every line sent back;
 * the stock moves, then the lines are refunded to the card.
 */
export const handler = httpHandler({ params: ReturnParams, body: InspectReturnRequest })(async (input) => {
  const who = orderActorOf(requirePrincipal(input), input.headers['x-correlation-id']);
  return ok(returnView(await inspectReturn(input.params.id, input.params.returnId, input.body, who), who.access));
});
