import { queueConsumer } from '../../shared/events/consumer.js';
import { logger } from '../../shared/observability/logger.js';
import { applyWebhookEvent, StripeWebhookMessage } from '../../shared/payments/payment-records.js';

/** `payments-webhooks` queue → the PaymentIntent's record, once per Stripe event and only ever forward. */
export const handler = queueConsumer(StripeWebhookMessage, async (event) => {
  const outcome = await applyWebhookEvent(event);
  logger.info('payment webhook', { stripeEventId: event.id, type: event.type, outcome });
});
