import { tableDeps } from '../../shared/db/deps.js';
import { httpHandler } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';
import { EndpointParams } from '../../shared/webhooks/endpoint-model.js';
import { endpointEtag, getEndpointView } from '../../shared/webhooks/endpoints.js';

/** GET /webhook-endpoints/{id}: one endpoint (URL, event types, state, the secret versions that sign), with its ETag. */
export const handler = httpHandler({ params: EndpointParams })(async (input) => {
  const endpoint = await getEndpointView(input.params.id, tableDeps());
  return ok(endpoint, { etag: endpointEtag(endpoint) });
});
