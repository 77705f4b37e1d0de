import { requireActsAtStore } from '../../shared/auth/principal.js';
import { createPosOrder, loyaltyCreditOf, PosOrderRequest } from '../../shared/checkout/pos.js';
import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { idempotency } from '../../shared/http/idempotency.js';
import { accepted } from '../../shared/http/responses.js';
import { orderAccessOf } from '../../shared/orders/access.js';
import { orderView } from '../../shared/orders/views.js';

/**
 * POST /orders: a till or phone sale, priced now and frozen into an order whose checkout saga is started; 202, follow the
 * Location. `Loyalty-Credit` says whom the sale credits: `shopper` (the loyalty identifier's holder), `unknown-id`
 * (an identifier nobody holds: nobody is credited) or `none` (no identifier shown).
 */
export const handler = httpHandler({ body: PosOrderRequest, idempotency: idempotency() })(async (input) => {
  const principal = requirePrincipal(input);
  // A till sells at its own store; chain-wide staff anywhere.
  requireActsAtStore(principal, input.body.storeId);
  const order = await createPosOrder(input.body, input.headers['idempotency-key'], { actor: principal.subject, correlationId: input.headers['x-correlation-id'] });
  const answer = accepted(orderView(order, orderAccessOf(principal)), `/orders/${order.id}`);
  return { ...answer, headers: { ...answer.headers, 'loyalty-credit': loyaltyCreditOf(order, input.body.loyaltyId) } };
});
