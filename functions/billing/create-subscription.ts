import { SQSClient } from '@aws-sdk/client-sqs';
import { createSubscription, SubscribeRequest } from '../../shared/billing/subscriptions.js';
import { enqueueBillingSync } from '../../shared/billing/sync-messages.js';
import { config } from '../../shared/config/config.js';
import { tableDeps } from '../../shared/db/deps.js';
import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { idempotency } from '../../shared/http/idempotency.js';
import { created } from '../../shared/http/responses.js';

const sqs = new SQSClient({});

/**
 * POST /subscriptions: the caller subscribes to a delivery-pass plan; 201 with the subscription `pending` while the
 * billing-sync worker creates it in the billing system. 409 when they already have a pass.
 */
export const handler = httpHandler({ body: SubscribeRequest, idempotency: idempotency() })(async (input) => {
  const subscription = await createSubscription(input.body, requirePrincipal(input), {
    ...tableDeps(),
    sendToSync: (message) => enqueueBillingSync(message, { sqs, queueUrl: config.queueUrl('billing-sync') }),
  });
  return created(subscription, `/subscriptions/${subscription.id}`);
});
