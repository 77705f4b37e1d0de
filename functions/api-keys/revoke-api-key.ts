import { auditActor } from '../../shared/audit/audit-entry.js';
import { tableDeps } from '../../shared/db/deps.js';
import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';
import { ApiKeyParams } from '../../shared/staff/api-key-model.js';
import { revokeApiKey } from '../../shared/staff/api-keys.js';

/** POST /api-keys/{id}/revoke: the key (and a predecessor in its overlap) refused from the next request on; again, a no-op. */
export const handler = httpHandler({ params: ApiKeyParams })(async (input) =>
  ok(await revokeApiKey(input.params.id, auditActor(requirePrincipal(input), input.headers['x-correlation-id']), tableDeps())),
);
