import { auditActor } from '../../shared/audit/audit-entry.js';
import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { idempotencyScope, requireIdempotencyKey } from '../../shared/http/idempotency-key.js';
import { endpointDeps } from '../../shared/webhooks/endpoint-deps.js';
import { CreateWebhookEndpointRequest } from '../../shared/webhooks/endpoint-model.js';
import { createEndpoint, endpointEtag } from '../../shared/webhooks/endpoints.js';

/**
 * POST /webhook-endpoints: registers an endpoint and answers its signing secret once (201 with `secret`); the same
 * request retried with its `Idempotency-Key` answers 200 with the endpoint and no secret. Not the shared idempotency
 * middleware: it would keep the first answer, secret and all, in the table for a day.
 */
export const handler = httpHandler({ body: CreateWebhookEndpointRequest })(async (input) => {
  const principal = requirePrincipal(input);
  const scope = idempotencyScope({ method: 'POST', path: '/webhook-endpoints' }, {}, principal.subject, requireIdempotencyKey(input.headers));
  const { endpoint, secret } = await createEndpoint(input.body, { ...auditActor(principal, input.headers['x-correlation-id']), idempotencyScope: scope }, endpointDeps());
  const headers = { location: `/webhook-endpoints/${endpoint.id}`, etag: endpointEtag(endpoint), 'cache-control': 'no-store' };
  return secret ? { status: 201, body: { ...endpoint, secret }, headers } : { status: 200, body: endpoint, headers };
});
