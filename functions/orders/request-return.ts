import { AppError, ValidationError } from '../../shared/errors.js';
import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { idempotency } from '../../shared/http/idempotency.js';
import { created, ok } from '../../shared/http/responses.js';
import { orderActorOf } from '../../shared/orders/access.js';
import { OrderIdParams } from '../../shared/orders/queries.js';
import { requestReturn } from '../../shared/orders/return-actions.js';
import { ReturnRequest, returnView } from '../../shared/orders/returns.js';

/**
 * POST /orders/{id}/returns: the shopper asks to return lines of their order (staff who may change orders, at the desk,
 * for them; a picker may not). The Idempotency-Key is required: the same key is the same return, refunded once.
 */
export const handler = httpHandler({ params: OrderIdParams, body: ReturnRequest, idempotency: idempotency() })(async (input) => {
  const principal = requirePrincipal(input);
  const who = orderActorOf(principal, input.headers['x-correlation-id']);
  if (who.access.kind === 'staff' && !principal.scopes.includes('orders:write')) {
    throw new AppError('forbidden', 'insufficient-scope', 'Opening a return as staff needs the orders:write scope.', { extensions: { requiredScope: 'orders:write' } });
  }
  const key = input.headers['idempotency-key'];
  if (!key) throw new ValidationError([{ field: 'header.idempotency-key', message: 'is required: a return moves money, so a retry must be recognisable' }], 'Idempotency-Key is required.');
  const { ret, created: isNew } = await requestReturn(input.params.id, input.body, key, who);
  const view = returnView(ret, who.access);
  return isNew ? created(view, `/orders/${ret.orderId}/returns/${ret.id}`) : ok(view);
});
