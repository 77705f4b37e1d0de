import { queueConsumer } from '../../shared/events/consumer.js';
import { logger } from '../../shared/observability/logger.js';
import { deliveryDeps } from '../../shared/webhooks/delivery-deps.js';
import { FannedOutEvent, fanOutEvent } from '../../shared/webhooks/fan-out.js';

/**
 * `webhooks-fan-out` queue (rule `events-to-webhooks`) → one delivery per enabled endpoint subscribed to the event's
 * type, each sent to `webhooks-deliveries`. A redelivered event puts nothing twice; one that keeps failing parks in the DLQ.
 */
export const handler = queueConsumer(FannedOutEvent, async (event) => {
  const result = await fanOutEvent(deliveryDeps(), event);
  logger.info('webhook fan-out', { ...result });
});
