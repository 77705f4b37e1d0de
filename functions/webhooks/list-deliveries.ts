import { tableDeps } from '../../shared/db/deps.js';
import { httpHandler } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';
import { listDeliveries, ListDeliveriesQuery } from '../../shared/webhooks/delivery-log.js';
import { EndpointParams } from '../../shared/webhooks/endpoint-model.js';

/** GET /webhook-endpoints/{id}/deliveries: the endpoint's deliveries newest first, by status and event time, paged. */
export const handler = httpHandler({ params: EndpointParams, query: ListDeliveriesQuery })(async (input) =>
  ok(await listDeliveries(input.params.id, input.query, tableDeps())),
);
