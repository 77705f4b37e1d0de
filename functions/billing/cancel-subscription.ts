import { SQSClient } from '@aws-sdk/client-sqs';
import { cancelSubscription, SubscriptionIdParams } from '../../shared/billing/subscriptions.js';
import { enqueueBillingSync } from '../../shared/billing/sync-messages.js';
import { config } from '../../shared/config/config.js';
import { tableDeps } from '../../shared/db/deps.js';
import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';

const sqs = new SQSClient({});

/**
 * POST /subscriptions/{id}/cancel: the caller cancels their own delivery pass; 200 with it, ended at once while
 * pending, else running to the end of its paid period (`cancelAtPeriodEnd`). Again: 200, the same state. Anyone else's: 404.
 */
export const handler = httpHandler({ params: SubscriptionIdParams })(async (input) => {
  const subscription = await cancelSubscription(input.params.id, requirePrincipal(input), {
    ...tableDeps(),
    sendToSync: (message) => enqueueBillingSync(message, { sqs, queueUrl: config.queueUrl('billing-sync') }),
  });
  return ok(subscription);
});
