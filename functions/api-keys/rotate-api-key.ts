import { auditActor } from '../../shared/audit/audit-entry.js';
import { tableDeps } from '../../shared/db/deps.js';
import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { idempotencyScope, requireIdempotencyKey } from '../../shared/http/idempotency-key.js';
import { ApiKeyParams, RotateApiKeyRequest } from '../../shared/staff/api-key-model.js';
import { rotateApiKey } from '../../shared/staff/api-keys.js';

/**
 * POST /api-keys/{id}/rotate: a new key, answered once (201 with `apiKey`); the old one works until `overlapHours`
 * (1 to 168, 24 by default) have passed. The same request retried answers 200 with the record and no key.
 */
export const handler = httpHandler({ params: ApiKeyParams, body: RotateApiKeyRequest })(async (input) => {
  const principal = requirePrincipal(input);
  const path = { method: 'POST', path: '/api-keys/{id}/rotate' };
  const scope = idempotencyScope(path, input.params, principal.subject, requireIdempotencyKey(input.headers));
  const { key, apiKey } = await rotateApiKey(input.params.id, input.body.overlapHours, { ...auditActor(principal, input.headers['x-correlation-id']), idempotencyScope: scope }, tableDeps());
  return apiKey ? { status: 201, body: { ...key, apiKey }, headers: { 'cache-control': 'no-store' } } : { status: 200, body: key };
});
