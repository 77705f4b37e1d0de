import { auditActor } from '../../shared/audit/audit-entry.js';
import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { idempotencyScope, requireIdempotencyKey } from '../../shared/http/idempotency-key.js';
import { endpointDeps } from '../../shared/webhooks/endpoint-deps.js';
import { EndpointParams, RotateWebhookSecretRequest } from '../../shared/webhooks/endpoint-model.js';
import { endpointEtag, rotateEndpointSecret } from '../../shared/webhooks/endpoints.js';

/**
 * POST /webhook-endpoints/{id}/rotate-secret: a new signing secret, answered once (201 with `secret`); the old one
 * signs beside it for `overlapHours` (0 to 168, 24 by default). The same request retried answers 200 without a secret.
 */
export const handler = httpHandler({ params: EndpointParams, body: RotateWebhookSecretRequest })(async (input) => {
  const principal = requirePrincipal(input);
  const route = { method: 'POST', path: '/webhook-endpoints/{id}/rotate-secret' };
  const scope = idempotencyScope(route, input.params, principal.subject, requireIdempotencyKey(input.headers));
  const ctx = { ...auditActor(principal, input.headers['x-correlation-id']), idempotencyScope: scope };
  const { endpoint, secret } = await rotateEndpointSecret(input.params.id, input.body.overlapHours, ctx, endpointDeps());
  const headers = { etag: endpointEtag(endpoint), 'cache-control': 'no-store' };
  return secret ? { status: 201, body: { ...endpoint, secret }, headers } : { status: 200, body: endpoint, headers };
});
