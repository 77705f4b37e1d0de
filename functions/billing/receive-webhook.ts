import { SQSClient } from '@aws-sdk/client-sqs';
import { billingWebhookSecrets, enqueueBillingWebhook, verifyBillingWebhook } from '../../shared/billing/webhooks.js';
import { config } from '../../shared/config/config.js';
import { httpHandler } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';

const sqs = new SQSClient({});

/**
 * POST /webhooks/billing: the billing system's events, authenticated by `Billing-Signature` over the raw body (the
 * `text` body kind leaves it byte for byte) with the current key or, during a rotation, the previous one; queued for
 * `billing-process-webhook`; 200 once queued.
 */
export const handler = httpHandler({ bodyKind: 'text' })(async (input) => {
  const rawBody = String(input.body);
  const event = verifyBillingWebhook(rawBody, input.headers['billing-signature'], await billingWebhookSecrets());
  await enqueueBillingWebhook(rawBody, event, { sqs, queueUrl: config.queueUrl('billing-webhooks') });
  return ok({ received: true });
});
