import { tableDeps } from '../../shared/db/deps.js';
import { httpHandler } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';
import { DeliveryParams, getDeliveryDetail } from '../../shared/webhooks/delivery-log.js';

/** GET /webhook-endpoints/{id}/deliveries/{deliveryId}: one delivery, its payload and its attempts (the log). */
export const handler = httpHandler({ params: DeliveryParams })(async (input) => ok(await getDeliveryDetail(input.params.id, input.params.deliveryId, tableDeps())));
