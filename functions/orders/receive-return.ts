import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';
import { orderActorOf } from '../../shared/orders/access.js';
import { receiveReturn } from '../../shared/orders/return-actions.js';
import { ReceiveReturnRequest, ReturnParams, returnView } from '../../shared/orders/returns.js';

/** POST /orders/{id}/returns/{returnId}/receive: staff of the order's store have the goods sent back. */
export const handler = httpHandler({ params: ReturnParams, body: ReceiveReturnRequest })(async (input) => {
  const who = orderActorOf(requirePrincipal(input), input.headers['x-correlation-id']);
  return ok(returnView(await receiveReturn(input.params.id, input.params.returnId, input.body.note, who), who.access));
});
