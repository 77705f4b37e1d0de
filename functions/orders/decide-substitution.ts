import { checkoutDeps } from '../../shared/checkout/deps.js';
import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';
import { orderActorOf } from '../../shared/orders/access.js';
import { decideSubstitution, SubstitutionDecisionRequest, SubstitutionParams } from '../../shared/orders/substitution-actions.js';
import { orderView } from '../../shared/orders/views.js';

/**
 * POST /orders/{id}/substitutions/{lineId}: the shopper accepts or rejects the substitute proposed for a line of their
 * order, until its cut-off. Checkout's deps carry the Step Functions side of orders' `SagaWaits` port, which resumes the
 * saga's capture once no answer is awaited any more.
 */
export const handler = httpHandler({ params: SubstitutionParams, body: SubstitutionDecisionRequest })(async (input) => {
  const who = orderActorOf(requirePrincipal(input), input.headers['x-correlation-id']);
  const order = await decideSubstitution(input.params.id, input.params.lineId, input.body, who, checkoutDeps());
  return ok(orderView(order, who.access));
});
