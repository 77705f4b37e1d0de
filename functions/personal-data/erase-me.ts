import { auditActor } from '../../shared/audit/audit-entry.js';
import { tableDeps } from '../../shared/db/deps.js';
import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { accepted } from '../../shared/http/responses.js';
import { requestErasure } from '../../shared/personal-data/erasure.js';

/**
 * DELETE /me: erases the caller's account; 202 with the erasure and where to follow it (`/me/erasure`). Asking again
 * answers the same erasure. 409 `orders-in-flight` while an order is not yet delivered, collected or cancelled.
 */
export const handler = httpHandler({})(async (input) => {
  const principal = requirePrincipal(input);
  const { erasure } = await requestErasure(principal.subject, auditActor(principal, input.headers['x-correlation-id']), tableDeps());
  return accepted(erasure, '/me/erasure');
});
