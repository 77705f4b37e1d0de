import { CourierWebhookEvent } from '../../shared/couriers/model.js';
import { queueConsumer } from '../../shared/events/consumer.js';
import { logger } from '../../shared/observability/logger.js';
import { applyCourierEvent } from '../../shared/orders/courier-tracking.js';

/**
 * `courier-webhooks` queue → the shipment's status, once per courier event id and only forward, with
 * `fulfillment.updated`. An event for a shipment not stored yet fails, so SQS brings it back later.
 */
export const handler = queueConsumer(CourierWebhookEvent, async (event, { receiveCount }) => {
  const outcome = await applyCourierEvent(event);
  logger.info('courier webhook', { courierEventId: event.id, status: event.data.object.status, reference: event.data.object.reference, outcome, receiveCount });
});
