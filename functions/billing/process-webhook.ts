import { applyBillingEvent, BillingWebhookMessage } from '../../shared/billing/webhooks.js';
import { queueConsumer } from '../../shared/events/consumer.js';
import { logger } from '../../shared/observability/logger.js';

/**
 * `billing-webhooks` queue → the order's invoice status, the refund's credit note or the delivery pass's status
 * (once per event id, only forward). An event for a record not stored yet fails, so SQS brings it back later.
 */
export const handler = queueConsumer(BillingWebhookMessage, async (event, { receiveCount }) => {
  const outcome = await applyBillingEvent(event);
  logger.info('billing webhook', { billingEventId: event.id, type: event.type, outcome, receiveCount });
});
