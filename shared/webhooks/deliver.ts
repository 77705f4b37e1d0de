import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { webhookEndpointDisabledV1 } from '../../events/webhooks/endpoint-disabled.v1.js';
import { auditItem } from '../audit/audit-entry.js';
import { keys } from '../db/keys.js';
import { transactWriteIfConditionsHold, type TransactItem } from '../db/transact.js';
import { outboxEvent } from '../events/outbox.js';
import type { Attempt, Delivery, DeliveryMessage, DeliveryStatus } from './delivery-model.js';
import { attemptItem, getDelivery, sendDeliveryMessage, type DeliveryDeps } from './deliveries.js';
import type { WebhookEndpoint } from './endpoint-model.js';
import { delayAfterFailure, failedPastWindow, hopDelaySeconds } from './retry-schedule.js';
import { postWebhook, type CheckAddress, type WebhookOutcome, type WebhookRequest } from './send.js';
import { activeSecrets } from './signing-secrets.js';

/**
 * The sender's use-case: one message of the `webhooks-deliveries` queue becomes (at most) one attempt of one delivery.
 *
 * Order matters, so that nothing is lost and nothing is done twice. A message carries the delivery's attempt count when
 * it was sent; one that finds another count (a duplicate receipt, a retry overtaken by a replay) does nothing. After a
 * failed attempt the next one's message is sent first, then the attempt is recorded under a condition on the count:
 * a crash between the two leaves a message that finds the count unmoved and tries again, and of two receipts of one
 * message racing, one records its attempt and the other's message goes stale. The endpoint's failure state
 * (`failingSince`) and its disabling follow the record.
 */

/** The audit's and the disabling event's actor. */
export const WEBHOOKS_ACTOR = 'system:webhooks';

/** The id of the event that an endpoint failing since `failingSince` was disabled: one disabling, one event id. */
export function disabledEventId(endpointId: string, failingSince: string): string {
  return `${endpointId}.disabled.${Date.parse(failingSince)}`;
}

export interface SenderDeps extends DeliveryDeps {
  /** The retry schedule, seconds between attempts (`retry-schedule.ts`). */
  delays: readonly number[];
  timeoutMs: number;
  /** The master key endpoints' signing secrets are derived from. */
  signingMaster: () => Promise<string>;
  checkAddress: CheckAddress;
  loadEndpoint: (endpointId: string) => Promise<WebhookEndpoint | undefined>;
  /** The HTTP attempt; `postWebhook` unless a test replaces it. */
  post?: (request: WebhookRequest) => Promise<WebhookOutcome>;
}

/**
 * What one message came to: `not-due` (sent on with the next hop of its delay), `stale` (its attempt was made by
 * another receipt, or the delivery moved on), `endpoint-gone`, `endpoint-disabled` (the delivery parked for a replay),
 * or an attempt that `succeeded`, will be retried (`retry-scheduled`) or was the last (`failed`).
 */
export type DeliveryResult = 'not-due' | 'stale' | 'endpoint-gone' | 'endpoint-disabled' | 'succeeded' | 'retry-scheduled' | 'failed';

export interface DeliveryReport {
  result: DeliveryResult;
  endpointId: string;
  deliveryId?: string;
  attempt?: Pick<Attempt, 'n' | 'statusCode' | 'error' | 'durationMs'>;
  /** Set when this failure disabled the endpoint. */
  endpointDisabled?: boolean;
}

/**
 * Handles one `webhooks-deliveries` message: sends it on if it came early, else makes the delivery's next attempt,
 * records it and schedules the one after. Throws only on the table's or the queue's failures, so that SQS redelivers.
 */
export async function attemptDelivery(deps: SenderDeps, message: DeliveryMessage): Promise<DeliveryReport> {
  const { endpointId } = message;
  const received = deps.now();
  if (message.notBefore !== undefined) {
    const hop = hopDelaySeconds(new Date(message.notBefore), received);
    if (hop > 0) {
      await sendDeliveryMessage(deps, message, hop);
      return { result: 'not-due', endpointId };
    }
  }
  const delivery = await getDelivery(deps, endpointId, message.deliverySk);
  if (!delivery || delivery.status !== 'pending' || delivery.attempts !== message.attempts) return { result: 'stale', endpointId };
  const endpoint = await deps.loadEndpoint(endpointId);
  if (!endpoint) return { result: 'endpoint-gone', endpointId, deliveryId: delivery.deliveryId };
  if (!endpoint.enabled) {
    await parkDelivery(deps, delivery);
    return { result: 'endpoint-disabled', endpointId, deliveryId: delivery.deliveryId };
  }

  const attemptedAt = deps.now();
  const outcome = await (deps.post ?? postWebhook)({
    url: endpoint.url,
    webhookId: delivery.deliveryId,
    payload: delivery.payload,
    secrets: activeSecrets(endpoint, attemptedAt, await deps.signingMaster()),
    now: attemptedAt,
    timeoutMs: deps.timeoutMs,
    checkAddress: deps.checkAddress,
  });
  const attempt: Attempt = {
    endpointId,
    deliveryId: delivery.deliveryId,
    deliverySk: delivery.deliverySk,
    n: delivery.attempts + 1,
    attemptedAt: attemptedAt.toISOString(),
    trigger: message.trigger,
    ...(outcome.statusCode === undefined ? {} : { statusCode: outcome.statusCode }),
    ...(outcome.error === undefined ? {} : { error: outcome.error }),
    durationMs: outcome.durationMs,
    responseExcerpt: outcome.responseExcerpt,
  };

  let status: DeliveryStatus = 'succeeded';
  let nextAttemptAt: Date | undefined;
  if (!outcome.ok) {
    const delay = delayAfterFailure(deps.delays, attempt.n - delivery.roundStart);
    status = delay === undefined ? 'failed' : 'pending';
    if (delay !== undefined) {
      nextAttemptAt = new Date(attemptedAt.getTime() + delay * 1000);
      const next: DeliveryMessage = { endpointId, deliverySk: delivery.deliverySk, trigger: 'retry', attempts: attempt.n, notBefore: nextAttemptAt.toISOString() };
      await sendDeliveryMessage(deps, next, hopDelaySeconds(nextAttemptAt, deps.now()));
    }
  }
  const recorded = await recordAttempt(deps, delivery, attempt, status, nextAttemptAt);
  const report: DeliveryReport = {
    result: !recorded ? 'stale' : status === 'pending' ? 'retry-scheduled' : status === 'succeeded' ? 'succeeded' : 'failed',
    endpointId,
    deliveryId: delivery.deliveryId,
    attempt: { n: attempt.n, durationMs: attempt.durationMs, ...(attempt.statusCode === undefined ? {} : { statusCode: attempt.statusCode }), ...(attempt.error === undefined ? {} : { error: attempt.error }) },
  };
  if (!recorded) return report;
  if (outcome.ok) {
    if (endpoint.failingSince !== undefined) await clearFailingSince(deps, endpointId);
  } else if (endpoint.failingSince === undefined) {
    await markFailingSince(deps, endpointId, attempt.attemptedAt);
  } else if (failedPastWindow(new Date(endpoint.failingSince), attemptedAt, deps.delays)) {
    report.endpointDisabled = await disableFailingEndpoint(deps, endpoint, delivery.deliveryId, attemptedAt);
  }
  return report;
}

/**
 * Writes the attempt and moves the delivery on, in one transaction conditional on the delivery being as read (its
 * count, its round, `pending`).
 * @returns false when another receipt of the same message got there first
 */
async function recordAttempt(deps: SenderDeps, delivery: Delivery, attempt: Attempt, status: DeliveryStatus, nextAttemptAt: Date | undefined): Promise<boolean> {
  const values: Record<string, unknown> = {
    ':n': attempt.n,
    ':seen': delivery.attempts,
    ':round': delivery.roundStart,
    ':pending': 'pending',
    ':status': status,
    ':at': attempt.attemptedAt,
    ':result': attempt.statusCode ?? attempt.error,
  };
  const set = ['attempts = :n', '#status = :status', 'lastAttemptAt = :at', 'updatedAt = :at'];
  const remove: string[] = [];
  set.push(attempt.statusCode === undefined ? 'lastError = :result' : 'lastStatusCode = :result');
  remove.push(attempt.statusCode === undefined ? 'lastStatusCode' : 'lastError');
  if (nextAttemptAt) {
    set.push('nextAttemptAt = :next');
    values[':next'] = nextAttemptAt.toISOString();
  } else {
    remove.push('nextAttemptAt');
  }
  const items: TransactItem[] = [
    { Put: { TableName: deps.tableName, Item: attemptItem(attempt), ConditionExpression: 'attribute_not_exists(pk)' } },
    {
      Update: {
        TableName: deps.tableName,
        Key: { pk: keys.webhookEndpointPartition(delivery.endpointId), sk: delivery.deliverySk },
        UpdateExpression: `SET ${set.join(', ')} REMOVE ${remove.join(', ')}`,
        ConditionExpression: 'attempts = :seen AND roundStart = :round AND #status = :pending',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: values,
      },
    },
  ];
  return transactWriteIfConditionsHold(deps, items);
}

/** A pending delivery of a disabled endpoint waits as `endpoint-disabled` for a replay; a duplicate receipt changes nothing. */
async function parkDelivery(deps: SenderDeps, delivery: Delivery): Promise<void> {
  await conditionalUpdate(deps, {
    Key: { pk: keys.webhookEndpointPartition(delivery.endpointId), sk: delivery.deliverySk },
    UpdateExpression: 'SET #status = :parked, updatedAt = :now REMOVE nextAttemptAt',
    ConditionExpression: 'attempts = :seen AND #status = :pending',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: { ':parked': 'endpoint-disabled', ':now': deps.now().toISOString(), ':seen': delivery.attempts, ':pending': 'pending' },
  });
}

/** The endpoint's first failure since its last success; only if no other attempt set it first. */
async function markFailingSince(deps: SenderDeps, endpointId: string, at: string): Promise<void> {
  await conditionalUpdate(deps, {
    Key: keys.webhookEndpoint(endpointId),
    UpdateExpression: 'SET failingSince = :at, #version = #version + :one',
    ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(failingSince)',
    ExpressionAttributeNames: { '#version': 'version' },
    ExpressionAttributeValues: { ':at': at, ':one': 1 },
  });
}

/** A success ends the endpoint's failure state. */
async function clearFailingSince(deps: SenderDeps, endpointId: string): Promise<void> {
  await conditionalUpdate(deps, {
    Key: keys.webhookEndpoint(endpointId),
    UpdateExpression: 'REMOVE failingSince SET #version = #version + :one',
    ConditionExpression: 'attribute_exists(failingSince)',
    ExpressionAttributeNames: { '#version': 'version' },
    ExpressionAttributeValues: { ':one': 1 },
  });
}

/**
 * Disables an endpoint that failed for the whole retry window, with its subscriptions (so the fan-out stops making
 * deliveries for it), an audit entry by `system:webhooks` and `webhook-endpoint.disabled` through the outbox, in one
 * transaction conditional on the endpoint still being enabled and failing since the same attempt: written once, however
 * many deliveries fail at that moment.
 * @returns whether this call disabled it
 */
async function disableFailingEndpoint(deps: SenderDeps, endpoint: WebhookEndpoint, lastDeliveryId: string, at: Date): Promise<boolean> {
  const now = at.toISOString();
  const failingSince = endpoint.failingSince!;
  const items: TransactItem[] = [
    {
      Update: {
        TableName: deps.tableName,
        Key: keys.webhookEndpoint(endpoint.id),
        UpdateExpression: 'SET enabled = :false, disabledReason = :failing, disabledAt = :now, updatedAt = :now, #version = #version + :one',
        ConditionExpression: 'enabled = :true AND failingSince = :since',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: { ':false': false, ':true': true, ':failing': 'failing', ':now': now, ':one': 1, ':since': failingSince },
      },
    },
    ...endpoint.eventTypes.map(
      (eventType): TransactItem => ({
        Update: {
          TableName: deps.tableName,
          Key: keys.webhookSubscriber(eventType, endpoint.id),
          UpdateExpression: 'SET enabled = :false',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':false': false },
        },
      }),
    ),
    {
      Put: {
        TableName: deps.tableName,
        Item: auditItem({
          entity: 'webhook-endpoint',
          entityId: endpoint.id,
          action: 'disable',
          actor: WEBHOOKS_ACTOR,
          actorKind: 'system',
          at: now,
          before: { enabled: true, failingSince },
          after: { enabled: false, disabledReason: 'failing', failingSince },
        }),
      },
    },
    outboxEvent(
      deps.tableName,
      webhookEndpointDisabledV1,
      { endpointId: endpoint.id, reason: 'failing', failingSince, disabledAt: now, lastDeliveryId },
      { id: disabledEventId(endpoint.id, failingSince), now: at },
    ).item,
  ];
  return transactWriteIfConditionsHold(deps, items);
}

/** An update whose failed condition means another writer got there first, which is fine. */
async function conditionalUpdate(deps: SenderDeps, input: Omit<ConstructorParameters<typeof UpdateCommand>[0], 'TableName'>): Promise<void> {
  try {
    await deps.db.send(new UpdateCommand({ TableName: deps.tableName, ...input }));
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}
