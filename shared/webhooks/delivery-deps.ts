import { SQSClient } from '@aws-sdk/client-sqs';
import { config } from '../config/config.js';
import { tableDeps } from '../db/deps.js';
import type { SenderDeps } from './deliver.js';
import type { DeliveryDeps } from './deliveries.js';
import { getEndpoint } from './endpoints.js';
import { DEFAULT_RETRY_DELAYS_SECONDS } from './retry-schedule.js';
import { DEFAULT_SEND_TIMEOUT_MS } from './send.js';
import { webhookSigningMaster } from './signing-secrets.js';
import { addressChecker } from './url-policy.js';

/** The queue the sender consumes; a function that enqueues deliveries is granted `sendTo` it. */
export const DELIVERIES_QUEUE = 'webhooks-deliveries';

let sqs: SQSClient | undefined;

/**
 * What enqueuing a delivery needs in production (the fan-out, and W1's replays): the table and the deliveries queue,
 * with any of them replaced. The queue's URL is read only when none is given, so a function without the grant fails
 * on its first use, with the variable's name.
 */
export function deliveryDeps(overrides: Partial<DeliveryDeps> = {}): DeliveryDeps {
  return {
    ...tableDeps(overrides),
    sqs: overrides.sqs ?? (sqs ??= new SQSClient({})),
    deliveriesQueueUrl: overrides.deliveriesQueueUrl ?? config.queueUrl(DELIVERIES_QUEUE),
  };
}

/** What the sender needs in production: the schedule and time limit as configured, the master key, the URL policy. */
export function senderDeps(overrides: Partial<SenderDeps> = {}): SenderDeps {
  const deps = deliveryDeps(overrides);
  return {
    ...deps,
    delays: overrides.delays ?? config.webhooks.retryDelaysSeconds ?? DEFAULT_RETRY_DELAYS_SECONDS,
    timeoutMs: overrides.timeoutMs ?? config.webhooks.sendTimeoutMs ?? DEFAULT_SEND_TIMEOUT_MS,
    signingMaster: overrides.signingMaster ?? (() => webhookSigningMaster()),
    checkAddress: overrides.checkAddress ?? addressChecker({ allowPrivate: config.webhooks.allowPrivateUrls }),
    loadEndpoint: overrides.loadEndpoint ?? ((endpointId) => getEndpoint(endpointId, deps)),
    ...(overrides.post ? { post: overrides.post } : {}),
  };
}
