import { auditActor } from '../../shared/audit/audit-entry.js';
import { tableDeps } from '../../shared/db/deps.js';
import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { EndpointParams } from '../../shared/webhooks/endpoint-model.js';
import { deleteEndpoint } from '../../shared/webhooks/endpoints.js';

/** DELETE /webhook-endpoints/{id}: nothing more is delivered to it; 204, and 404 for none (or one already deleted). */
export const handler = httpHandler({ params: EndpointParams })(async (input) => {
  const who = { ...auditActor(requirePrincipal(input), input.headers['x-correlation-id']), ifMatch: input.headers['if-match'] };
  await deleteEndpoint(input.params.id, who, tableDeps());
  return { status: 204 };
});
