import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../db/keys.js';
import type { TransactItem } from '../db/transact.js';
import type { TableDeps } from '../db/deps.js';
import type { TokenDelivery } from './deps.js';

/**
 * Task tokens of the checkout saga's `.waitForTaskToken` states, kept in the table until someone settles them. Of all
 * the resumers racing (webhook deliveries, the task itself, a pick, a cancel) Step Functions accepts the first; the
 * others are told the token is stale and change nothing.
 *
 * The store lives with the orders, below checkout, because both sides use it: the saga's AwaitPick and
 * AwaitAuthentication keep their tokens here, the payment webhook settles the authentication wait, and the order's own
 * actions (`order-actions.ts`: a pick, a cancel) take or fail the wait through the `SagaWaits` port of `deps.ts`.
 */

/** What a saga waits on: 3-D Secure (by PaymentIntent), the pick, or the shopper's answers to proposed substitutes (by order). */
export type WaitKind = 'authentication' | 'pick' | 'substitutions';

export interface Wait {
  token: string;
  orderId: string;
}

/** Waits outlive their state's timeout only by this much: DynamoDB's TTL then removes the ones nobody settled. */
const WAIT_TTL_SECONDS = 15 * 24 * 60 * 60;

function waitRecord(deps: Pick<TableDeps, 'now'>, kind: WaitKind, ref: string, wait: Wait): Record<string, unknown> {
  return {
    ...keys.checkoutWait(kind, ref),
    entityType: 'CheckoutWait',
    schemaVersion: 1,
    kind,
    ...wait,
    createdAt: deps.now().toISOString(),
    expiresAt: Math.floor(deps.now().getTime() / 1000) + WAIT_TTL_SECONDS,
  };
}

/** The Put of a wait, for a transaction that also moves the order (into `picking`). */
export function waitItem(deps: Pick<TableDeps, 'now' | 'tableName'>, kind: WaitKind, ref: string, wait: Wait): TransactItem {
  return { Put: { TableName: deps.tableName, Item: waitRecord(deps, kind, ref, wait) } };
}

/** Keeps a token; a retried task replaces its own earlier one (Step Functions hands a retry a new token). */
export async function storeWait(deps: TableDeps, kind: WaitKind, ref: string, wait: Wait): Promise<void> {
  await deps.db.send(new PutCommand({ TableName: deps.tableName, Item: waitRecord(deps, kind, ref, wait) }));
}

/** The waiting token, if any. */
export async function readWait(deps: TableDeps, kind: WaitKind, ref: string): Promise<Wait | undefined> {
  const { Item } = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: keys.checkoutWait(kind, ref), ConsistentRead: true }));
  return Item ? { token: String(Item.token), orderId: String(Item.orderId) } : undefined;
}

/**
 * Sends the waiting token with `send`, then forgets it. It is forgotten only after Step Functions took it, so a
 * resumer that crashes in between is retried (its queue redelivers) rather than leaving the saga to time out; a
 * second send of the same token is answered as stale and does nothing.
 */
export async function settleWait(deps: TableDeps, kind: WaitKind, ref: string, send: (token: string) => Promise<TokenDelivery>): Promise<TokenDelivery | 'none'> {
  const wait = await readWait(deps, kind, ref);
  if (!wait) return 'none';
  const delivery = await send(wait.token);
  await deps.db.send(
    new DeleteCommand({
      TableName: deps.tableName,
      Key: keys.checkoutWait(kind, ref),
      ConditionExpression: '#token = :token',
      ExpressionAttributeNames: { '#token': 'token' },
      ExpressionAttributeValues: { ':token': wait.token },
    }),
  ).catch((error: unknown) => {
    // A retried task stored a newer token meanwhile: that one is still waited on, so it stays.
    if (!(error instanceof Error && error.name === 'ConditionalCheckFailedException')) throw error;
  });
  return delivery;
}
