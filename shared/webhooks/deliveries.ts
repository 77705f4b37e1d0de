import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { TableDeps } from '../db/deps.js';
import { keys, TTL_ATTRIBUTE } from '../db/keys.js';
import { NotFoundError } from '../errors.js';
import {
  DELIVERY_RETENTION_SECONDS,
  type Attempt,
  type AttemptTrigger,
  type Delivery,
  type DeliveryMessage,
} from './delivery-model.js';

/**
 * The delivery and attempt items of webhook endpoints (`WEBHOOK_ENDPOINT#<endpointId>`, `DELIVERY#...` and
 * `ATTEMPT#...`), and `enqueueDelivery`, which the fan-out's redeliveries and W1's replays send a delivery on with.
 */

/** The table, and the `webhooks-deliveries` queue the sender consumes. */
export interface DeliveryDeps extends TableDeps {
  sqs: SQSClient;
  deliveriesQueueUrl: string;
}

const expiry = (at: string) => Math.floor(Date.parse(at) / 1000) + DELIVERY_RETENTION_SECONDS;

/** The table item of a delivery. */
export function deliveryItem(delivery: Delivery): Record<string, unknown> {
  return {
    pk: keys.webhookDelivery(delivery.endpointId, delivery.eventTime, delivery.eventId).pk,
    sk: delivery.deliverySk,
    entityType: 'WebhookDelivery',
    schemaVersion: 1,
    ...delivery,
    [TTL_ATTRIBUTE]: expiry(delivery.createdAt),
  };
}

/** The table item of an attempt. */
export function attemptItem(attempt: Attempt): Record<string, unknown> {
  return {
    ...keys.webhookAttempt(attempt.endpointId, attempt.attemptedAt, attempt.deliveryId, attempt.n),
    entityType: 'WebhookAttempt',
    schemaVersion: 1,
    ...attempt,
    [TTL_ATTRIBUTE]: expiry(attempt.attemptedAt),
  };
}

/** A delivery as stored, without the table's own attributes. */
export function deliveryFromItem(item: Record<string, unknown>): Delivery {
  const { pk: _pk, sk: _sk, entityType: _entityType, schemaVersion: _schemaVersion, [TTL_ATTRIBUTE]: _expiresAt, ...delivery } = item;
  return delivery as unknown as Delivery;
}

/** An attempt as stored, without the table's own attributes. */
export function attemptFromItem(item: Record<string, unknown>): Attempt {
  const { pk: _pk, sk: _sk, entityType: _entityType, schemaVersion: _schemaVersion, [TTL_ATTRIBUTE]: _expiresAt, ...attempt } = item;
  return attempt as unknown as Attempt;
}

/** One delivery, read strongly consistent (the sender's conditions depend on its latest `attempts`). */
export async function getDelivery(deps: TableDeps, endpointId: string, deliverySk: string): Promise<Delivery | undefined> {
  const { Item } = await deps.db.send(
    new GetCommand({ TableName: deps.tableName, Key: { pk: keys.webhookEndpointPartition(endpointId), sk: deliverySk }, ConsistentRead: true }),
  );
  return Item ? deliveryFromItem(Item) : undefined;
}

/**
 * Puts a new delivery unless the same event already has one at this endpoint (a redelivered event).
 * @returns whether it was put
 */
export async function putNewDelivery(deps: TableDeps, delivery: Delivery): Promise<boolean> {
  try {
    await deps.db.send(new PutCommand({ TableName: deps.tableName, Item: deliveryItem(delivery), ConditionExpression: 'attribute_not_exists(pk)' }));
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/** Sends a message to the sender, delayed by `delaySeconds` (at most 900, SQS's limit). */
export async function sendDeliveryMessage(deps: Pick<DeliveryDeps, 'sqs' | 'deliveriesQueueUrl'>, message: DeliveryMessage, delaySeconds = 0): Promise<void> {
  await deps.sqs.send(
    new SendMessageCommand({
      QueueUrl: deps.deliveriesQueueUrl,
      MessageBody: JSON.stringify(message),
      ...(delaySeconds > 0 ? { DelaySeconds: delaySeconds } : {}),
    }),
  );
}

/**
 * Sends a delivery to its endpoint again, now: sets it back to `pending` with a new round of retries (its `attempts`
 * so far become `roundStart`) and sends the message, with no delay. The next attempt keeps the delivery's `webhook-id`.
 * This is what W1's replays call (`trigger: 'replay'`); a delivery still pending gets an extra attempt now, and the
 * retry it was waiting for finds the count moved on and does nothing.
 * @throws NotFoundError when the endpoint has no such delivery
 */
export async function enqueueDelivery(
  deps: DeliveryDeps,
  input: { endpointId: string; deliverySk: string; trigger: AttemptTrigger },
): Promise<Delivery> {
  const now = deps.now().toISOString();
  let updated: Record<string, unknown> | undefined;
  try {
    ({ Attributes: updated } = await deps.db.send(
      new UpdateCommand({
        TableName: deps.tableName,
        Key: { pk: keys.webhookEndpointPartition(input.endpointId), sk: input.deliverySk },
        UpdateExpression: 'SET #status = :pending, roundStart = attempts, nextAttemptAt = :now, updatedAt = :now',
        ConditionExpression: 'attribute_exists(pk) AND entityType = :delivery',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':pending': 'pending', ':now': now, ':delivery': 'WebhookDelivery' },
        ReturnValues: 'ALL_NEW',
      }),
    ));
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) throw new NotFoundError('delivery', input.deliverySk);
    throw error;
  }
  const delivery = deliveryFromItem(updated!);
  await sendDeliveryMessage(deps, { endpointId: input.endpointId, deliverySk: input.deliverySk, trigger: input.trigger, attempts: delivery.attempts });
  return delivery;
}
