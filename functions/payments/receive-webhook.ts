import { SQSClient } from '@aws-sdk/client-sqs';
import { config } from '../../shared/config/config.js';
import { httpHandler } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';
import { paymentWebhookSecrets } from '../../shared/payments/webhook-secrets.js';
import { enqueueWebhook, verifyWebhook } from '../../shared/payments/webhooks.js';

const sqs = new SQSClient({});

/**
 * POST /webhooks/payments: Stripe's events, authenticated by `Stripe-Signature` over the raw body
 * (the `text` body kind leaves it byte for byte), queued for `payments-process-webhook`; 200 once queued.
 */
export const handler = httpHandler({ bodyKind: 'text' })(async (input) => {
  const rawBody = String(input.body);
  const event = verifyWebhook(rawBody, input.headers['stripe-signature'], await paymentWebhookSecrets());
  await enqueueWebhook(rawBody, event, { sqs, queueUrl: config.queueUrl('payments-webhooks') });
  return ok({ received: true });
});
