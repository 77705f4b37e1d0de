import { auditActor } from '../../shared/audit/audit-entry.js';
import { tableDeps } from '../../shared/db/deps.js';
import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { accepted } from '../../shared/http/responses.js';
import { requestErasure } from '../../shared/personal-data/erasure.js';
import { CustomerParams, StaffPrivacyRequest } from '../../shared/personal-data/requests.js';

/**
 * POST /customers/{shopperId}/erasure: customer service erases a customer who asked; audited with the `reason`. 202
 * with the erasure (asking again answers the same one); 409 `orders-in-flight` while an order is still moving.
 */
export const handler = httpHandler({ params: CustomerParams, body: StaffPrivacyRequest })(async (input) => {
  const { shopperId } = input.params;
  const who = { ...auditActor(requirePrincipal(input), input.headers['x-correlation-id']), reason: input.body.reason };
  const { erasure } = await requestErasure(shopperId, who, tableDeps());
  return accepted(erasure, `/customers/${encodeURIComponent(shopperId)}/erasure`);
});
