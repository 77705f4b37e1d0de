import { httpHandler } from '../../shared/http/handler.js';
import { accepted } from '../../shared/http/responses.js';
import { enqueueDelivery } from '../../shared/webhooks/deliveries.js';
import { deliveryDeps } from '../../shared/webhooks/delivery-deps.js';
import { replayRange, ReplayRangeRequest } from '../../shared/webhooks/delivery-log.js';
import { EndpointParams } from '../../shared/webhooks/endpoint-model.js';

/** POST /webhook-endpoints/{id}/replay: the deliveries of a time range sent again, at most 100 a call (`nextCursor` continues); 202. */
export const handler = httpHandler({ params: EndpointParams, body: ReplayRangeRequest })(async (input) => {
  const deps = deliveryDeps();
  const result = await replayRange(input.params.id, input.body, { ...deps, enqueue: (what) => enqueueDelivery(deps, what) });
  return accepted(result, `/webhook-endpoints/${input.params.id}/deliveries`);
});
