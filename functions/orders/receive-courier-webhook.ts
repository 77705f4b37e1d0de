import { SQSClient } from '@aws-sdk/client-sqs';
import { config } from '../../shared/config/config.js';
import { courierWebhookSecrets, enqueueCourierWebhook, verifyCourierWebhook } from '../../shared/couriers/webhooks.js';
import { httpHandler } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';
import { logger } from '../../shared/observability/logger.js';

const sqs = new SQSClient({});

/**
 * POST /webhooks/orders: the courier's tracking events, authenticated by `Courier-Signature` over the raw body (the
 * `text` body kind leaves it byte for byte) with the current key or, during a rotation, the previous one; queued for
 * `orders-process-courier-webhook`; 200 once queued. A signed event of a type we do not act on is answered 200 and
 * not queued, so the courier does not resend it for a day.
 */
export const handler = httpHandler({ bodyKind: 'text' })(async (input) => {
  const rawBody = String(input.body);
  const verified = verifyCourierWebhook(rawBody, input.headers['courier-signature'], await courierWebhookSecrets());
  if (verified.kind === 'ignored') {
    logger.info('courier event of a type not acted on', { courierEventId: verified.id, type: verified.type });
    return ok({ received: true });
  }
  await enqueueCourierWebhook(rawBody, verified.event, { sqs, queueUrl: config.queueUrl('courier-webhooks') });
  return ok({ received: true });
});
