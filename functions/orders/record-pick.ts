import { recordPick } from '../../shared/checkout/order-actions.js';
import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';
import { PickRequest } from '../../shared/orders/picking.js';
import { OrderIdParams } from '../../shared/orders/queries.js';

/** POST /orders/{id}/pick: what the picker handed over; the checkout saga then captures the final amount. */
export const handler = httpHandler({ params: OrderIdParams, body: PickRequest })(async (input) => {
  const principal = requirePrincipal(input);
  const result = await recordPick(input.params.id, input.body, { actor: principal.subject, correlationId: input.headers['x-correlation-id'] });
  return ok(result);
});
