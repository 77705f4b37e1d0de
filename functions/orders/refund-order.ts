import { ValidationError } from '../../shared/errors.js';
import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { idempotency } from '../../shared/http/idempotency.js';
import { ok } from '../../shared/http/responses.js';
import { orderActorOf } from '../../shared/orders/access.js';
import { OrderIdParams } from '../../shared/orders/queries.js';
import { refundOrder, RefundRequest } from '../../shared/orders/refunds.js';
import { orderView } from '../../shared/orders/views.js';

/** POST /orders/{id}/refunds: refunds part or all of what is left of the capture; the Idempotency-Key is required, so money moves once. */
export const handler = httpHandler({ params: OrderIdParams, body: RefundRequest, idempotency: idempotency() })(async (input) => {
  const who = orderActorOf(requirePrincipal(input), input.headers['x-correlation-id']);
  const key = input.headers['idempotency-key'];
  if (!key) throw new ValidationError([{ field: 'header.idempotency-key', message: 'is required: a refund moves money, so a retry must be recognisable' }], 'Idempotency-Key is required.');
  return ok(orderView(await refundOrder(input.params.id, input.body, key, who), who.access));
});
