import { httpHandler } from '../../shared/http/handler.js';
import { accepted } from '../../shared/http/responses.js';
import { enqueueDelivery } from '../../shared/webhooks/deliveries.js';
import { deliveryDeps } from '../../shared/webhooks/delivery-deps.js';
import { DeliveryParams, replayDelivery } from '../../shared/webhooks/delivery-log.js';

/** POST /webhook-endpoints/{id}/deliveries/{deliveryId}/replay: sent again now, under the same `webhook-id`; 202. */
export const handler = httpHandler({ params: DeliveryParams })(async (input) => {
  const deps = deliveryDeps();
  const delivery = await replayDelivery(input.params.id, input.params.deliveryId, { ...deps, enqueue: (what) => enqueueDelivery(deps, what) });
  return accepted(delivery, `/webhook-endpoints/${input.params.id}/deliveries/${delivery.id}`);
});
