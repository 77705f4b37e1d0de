import { handlePaymentEvent } from '../../shared/checkout/webhooks.js';
import { queueConsumer } from '../../shared/events/consumer.js';
import { logger } from '../../shared/observability/logger.js';
import { StripeWebhookMessage } from '../../shared/payments/payment-records.js';

/** `payments-webhooks` queue → the PaymentIntent's record (once per event, only forward), and any checkout waiting on it. */
export const handler = queueConsumer(StripeWebhookMessage, async (event) => {
  const outcome = await handlePaymentEvent(event);
  logger.info('payment webhook', { stripeEventId: event.id, type: event.type, ...outcome });
});
