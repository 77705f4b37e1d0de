import { auditActor } from '../../shared/audit/audit-entry.js';
import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';
import { endpointDeps } from '../../shared/webhooks/endpoint-deps.js';
import { EndpointParams, UpdateWebhookEndpointRequest } from '../../shared/webhooks/endpoint-model.js';
import { endpointEtag, updateEndpoint } from '../../shared/webhooks/endpoints.js';

/** PATCH /webhook-endpoints/{id}: URL, event types, description or enabled, under the version read (`version` or `If-Match`). */
export const handler = httpHandler({ params: EndpointParams, body: UpdateWebhookEndpointRequest })(async (input) => {
  const who = { ...auditActor(requirePrincipal(input), input.headers['x-correlation-id']), ifMatch: input.headers['if-match'] };
  const endpoint = await updateEndpoint(input.params.id, input.body, who, endpointDeps());
  return ok(endpoint, { etag: endpointEtag(endpoint) });
});
