import { auditActor } from '../../shared/audit/audit-entry.js';
import { tableDeps } from '../../shared/db/deps.js';
import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { idempotencyScope, requireIdempotencyKey } from '../../shared/http/idempotency-key.js';
import { CreateApiKeyRequest } from '../../shared/staff/api-key-model.js';
import { createApiKey } from '../../shared/staff/api-keys.js';

/**
 * POST /api-keys: a key for an integration, answered once (201 with `apiKey`); the same request retried with its
 * `Idempotency-Key` answers 200 with the key's record and no key, which is stored nowhere (only its hash). Not the
 * shared idempotency middleware: it would keep the first answer, key and all, in the table for a day.
 */
export const handler = httpHandler({ body: CreateApiKeyRequest })(async (input) => {
  const principal = requirePrincipal(input);
  const scope = idempotencyScope({ method: 'POST', path: '/api-keys' }, {}, principal.subject, requireIdempotencyKey(input.headers));
  const { key, apiKey } = await createApiKey(input.body, { ...auditActor(principal, input.headers['x-correlation-id']), idempotencyScope: scope }, tableDeps());
  const location = { location: `/api-keys/${key.id}`, 'cache-control': 'no-store' };
  return apiKey ? { status: 201, body: { ...key, apiKey }, headers: location } : { status: 200, body: key, headers: location };
});
