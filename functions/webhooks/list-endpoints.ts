import { tableDeps } from '../../shared/db/deps.js';
import { httpHandler } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';
import { ListWebhookEndpointsQuery } from '../../shared/webhooks/endpoint-model.js';
import { listEndpoints } from '../../shared/webhooks/endpoints.js';

/** GET /webhook-endpoints: newest first, cursor-paginated; never a secret. */
export const handler = httpHandler({ query: ListWebhookEndpointsQuery })(async (input) => ok(await listEndpoints(input.query, tableDeps())));
