import { GetCommand, PutCommand, UpdateCommand, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
import { tableDeps, type TableDeps } from '../db/deps.js';
import { INDEXES, keys } from '../db/keys.js';
import { TransactionCancelled, transactWrite } from '../db/transact.js';
import { ConflictError, NotFoundError } from '../errors.js';
import type { BillingClient } from './client.js';
import { queryAll } from '../db/query.js';

/**
 * Delivery-pass plans, as data: the billing system knows each by its id and charges its price; SmartShelf only needs
 * to know which plans exist and that an active one waives delivery fees at cart pricing.
 */
export const DELIVERY_PASS_PLANS = {
  'delivery-pass-monthly': { name: 'Delivery pass, monthly', interval: 'month', price: { amount: 799, currency: 'GBP' } },
  'delivery-pass-annual': { name: 'Delivery pass, annual', interval: 'year', price: { amount: 7900, currency: 'GBP' } },
} as const;
export type DeliveryPassPlan = keyof typeof DELIVERY_PASS_PLANS;

const PLAN_IDS = Object.keys(DELIVERY_PASS_PLANS) as [DeliveryPassPlan, ...DeliveryPassPlan[]];

/**
 * How far along a subscription is. `pending` is ours (stored, not yet created in billing); billing's statuses follow.
 * A status only moves to a higher rank, or within a rank (active ↔ past_due) to a newer billing event, so repeated
 * and reordered webhooks cannot take it back; cancelled is final.
 */
export const SUBSCRIPTION_STATUS_RANK = { pending: 0, incomplete: 1, active: 2, past_due: 2, cancelled: 3 } as const;
export type SubscriptionStatus = keyof typeof SUBSCRIPTION_STATUS_RANK;

/** A status a subscription has, or is about to have, and when billing said so (ISO; absent for `pending`). */
export interface SubscriptionState {
  status: SubscriptionStatus;
  statusEventAt?: string | undefined;
}

/**
 * Whether a subscription in `current` may move to `next`: the rule `subscriptionStatusCondition` enforces in the table.
 */
export function subscriptionMayMove(current: SubscriptionState, next: Required<SubscriptionState>): boolean {
  const from = SUBSCRIPTION_STATUS_RANK[current.status];
  const to = SUBSCRIPTION_STATUS_RANK[next.status];
  if (to !== from) return to > from;
  return current.statusEventAt === undefined || current.statusEventAt < next.statusEventAt;
}

/**
 * The condition and values of an Update that moves a subscription's status as `subscriptionMayMove` allows,
 * for an item that must exist. Uses `#rank`, `#status`, `:rank`, `:status`, `:at`.
 */
export function subscriptionStatusUpdate(next: Required<SubscriptionState>): {
  set: string;
  condition: string;
  names: Record<string, string>;
  values: Record<string, unknown>;
} {
  return {
    set: '#status = :status, #rank = :rank, statusEventAt = :at',
    condition: 'attribute_exists(pk) AND (#rank < :rank OR (#rank = :rank AND (attribute_not_exists(statusEventAt) OR statusEventAt < :at)))',
    names: { '#status': 'status', '#rank': 'rank' },
    values: { ':status': next.status, ':rank': SUBSCRIPTION_STATUS_RANK[next.status], ':at': next.statusEventAt },
  };
}

/** `POST /subscriptions`. */
export const SubscribeRequest = z.strictObject({ plan: z.enum(PLAN_IDS) });
export type SubscribeRequest = z.infer<typeof SubscribeRequest>;

export const SubscriptionIdParams = z.strictObject({ id: z.string().min(1).max(64) });

/** A subscription as `POST /subscriptions` and `GET /subscriptions/{id}` show it (the OpenAPI document's `Subscription`). */
export const SubscriptionView = z.strictObject({
  id: z.string(),
  shopperId: z.string(),
  plan: z.enum(PLAN_IDS),
  status: z.enum(['pending', 'incomplete', 'active', 'past_due', 'cancelled']),
  statusEventAt: z.iso.datetime().optional(),
  billingCustomerId: z.string().optional(),
  billingSubscriptionId: z.string().optional(),
  cancelRequestedAt: z.iso.datetime().optional(),
  cancelAtPeriodEnd: z.boolean().optional(),
  currentPeriodEnd: z.iso.datetime().optional(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});

/** A delivery-pass subscription as stored (`keys.subscription`) and as the API shows it. */
export interface Subscription {
  id: string;
  shopperId: string;
  plan: DeliveryPassPlan;
  status: SubscriptionStatus;
  /** When billing's event (or answer) set `status`; absent while `pending`. */
  statusEventAt?: string;
  billingCustomerId?: string;
  billingSubscriptionId?: string;
  /** When the shopper cancelled; set once, so a repeated cancel changes nothing. */
  cancelRequestedAt?: string;
  /** Set with `cancelRequestedAt`: true when the pass runs to the end of its paid period, false when it ended at once. */
  cancelAtPeriodEnd?: boolean;
  /** The end of the period paid for, as billing answered the cancellation. */
  currentPeriodEnd?: string;
  createdAt: string;
  updatedAt: string;
}

/** What the subscription use-cases need: the table, and a way to hand a message to the `billing-sync` queue. */
export interface SubscriptionDeps extends TableDeps {
  sendToSync: (message: { kind: 'subscription'; subscriptionId: string }) => Promise<void>;
}

/** Who subscribes or reads: the principal's subject. */
export interface SubscriptionActor {
  subject: string;
}

/** Statuses in which a shopper already has a pass (or one on its way), so a second one is refused. */
const HOLDING: readonly SubscriptionStatus[] = ['pending', 'incomplete', 'active', 'past_due'];

function fromItem(item: Record<string, unknown>): Subscription {
  const s = item as unknown as Subscription;
  return {
    id: s.id,
    shopperId: s.shopperId,
    plan: s.plan,
    status: s.status,
    ...(s.statusEventAt ? { statusEventAt: s.statusEventAt } : {}),
    ...(s.billingCustomerId ? { billingCustomerId: s.billingCustomerId } : {}),
    ...(s.billingSubscriptionId ? { billingSubscriptionId: s.billingSubscriptionId } : {}),
    ...(s.cancelRequestedAt ? { cancelRequestedAt: s.cancelRequestedAt, cancelAtPeriodEnd: s.cancelAtPeriodEnd === true } : {}),
    ...(s.currentPeriodEnd ? { currentPeriodEnd: s.currentPeriodEnd } : {}),
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
  };
}

/** A subscription by id, as stored. */
export async function getSubscription(subscriptionId: string, deps: TableDeps = tableDeps()): Promise<Subscription | undefined> {
  const { Item } = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: keys.subscription(subscriptionId), ConsistentRead: true }));
  return Item ? fromItem(Item) : undefined;
}

/** Every subscription of one shopper, oldest first (one gsi1 query). */
export async function subscriptionsOf(shopperId: string, deps: TableDeps = tableDeps()): Promise<Subscription[]> {
  const { gsi1pk } = keys.subscriptionsByShopper(shopperId, '', '');
  const items = await queryAll(deps, {
    TableName: deps.tableName,
    IndexName: INDEXES.gsi1.name,
    KeyConditionExpression: '#pk = :pk',
    ExpressionAttributeNames: { '#pk': INDEXES.gsi1.partition },
    ExpressionAttributeValues: { ':pk': gsi1pk },
  });
  return items.map(fromItem);
}

/**
 * Whether a pass waives delivery fees at `now`: it is `active`, and, when cancelled at period end, that period has not
 * ended (billing's `cancelled` webhook ends it too; this does not wait for a late one). A `past_due` pass does not
 * waive: the fee comes back until billing collects.
 */
export function passWaivesDeliveryFee(subscription: Subscription, now: Date): boolean {
  if (subscription.status !== 'active') return false;
  const ended = subscription.cancelAtPeriodEnd === true && subscription.currentPeriodEnd !== undefined && Date.parse(subscription.currentPeriodEnd) <= now.getTime();
  return !ended;
}

/** Whether the shopper holds a delivery pass that waives delivery fees now, so cart pricing waives them. */
export async function hasActiveDeliveryPass(shopperId: string, deps: TableDeps = tableDeps()): Promise<boolean> {
  const now = deps.now();
  return (await subscriptionsOf(shopperId, deps)).some((s) => passWaivesDeliveryFee(s, now));
}

/**
 * What cancelling a subscription does: nothing when it has ended or was cancelled already (so cancelling twice
 * answers the same state); end it at once while it is still only ours (`pending`, not yet created in billing), since
 * nothing was paid; otherwise let it run to the end of the period paid for.
 */
export function cancellationOf(subscription: Subscription): 'already' | 'now' | 'at-period-end' {
  if (subscription.status === 'cancelled' || subscription.cancelRequestedAt !== undefined) return 'already';
  if (subscription.status === 'pending' && subscription.billingSubscriptionId === undefined) return 'now';
  return 'at-period-end';
}

/** The shopper already has a pass, or one being set up. */
export class SubscriptionExistsError extends ConflictError {
  override readonly name = 'SubscriptionExistsError';
  constructor(existing: Subscription) {
    super('subscription-exists', `You already have a delivery pass (${existing.id}, ${existing.status}).`, { extensions: { subscriptionId: existing.id } });
  }
}

/**
 * A shopper subscribes to a delivery-pass plan: the subscription is stored `pending` and a `subscription` message
 * goes to `billing-sync`, whose worker creates the billing customer and subscription (`syncSubscription`).
 * Repeating it for a subscription still `pending` on the same plan sends the message again and returns it, so a
 * request whose message was lost is healed by being retried.
 * @throws SubscriptionExistsError (409) when the shopper already has a pass, or one pending on another plan
 */
export async function createSubscription(request: SubscribeRequest, actor: SubscriptionActor, deps: SubscriptionDeps): Promise<Subscription> {
  const existing = (await subscriptionsOf(actor.subject, deps)).find((s) => HOLDING.includes(s.status));
  if (existing) {
    if (existing.status !== 'pending' || existing.plan !== request.plan) throw new SubscriptionExistsError(existing);
    await deps.sendToSync({ kind: 'subscription', subscriptionId: existing.id });
    return existing;
  }
  const now = deps.now().toISOString();
  const subscription: Subscription = { id: deps.newId(), shopperId: actor.subject, plan: request.plan, status: 'pending', createdAt: now, updatedAt: now };
  await deps.db.send(
    new PutCommand({
      TableName: deps.tableName,
      Item: {
        ...keys.subscription(subscription.id),
        ...keys.subscriptionsByShopper(subscription.shopperId, now, subscription.id),
        entityType: 'Subscription',
        schemaVersion: 1,
        ...subscription,
        rank: SUBSCRIPTION_STATUS_RANK.pending,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  );
  await deps.sendToSync({ kind: 'subscription', subscriptionId: subscription.id });
  return subscription;
}

/**
 * One subscription for its owner.
 * @throws NotFoundError (404) when it does not exist or is another shopper's
 */
export async function getSubscriptionFor(subscriptionId: string, actor: SubscriptionActor, deps: TableDeps = tableDeps()): Promise<Subscription> {
  const subscription = await getSubscription(subscriptionId, deps);
  if (!subscription || subscription.shopperId !== actor.subject) throw new NotFoundError('subscription', subscriptionId);
  return subscription;
}

/**
 * `POST /subscriptions/{id}/cancel`: the caller cancels their delivery pass. A pending one ends at once; one in the
 * billing system is marked `cancelAtPeriodEnd` and a `subscription` message goes to `billing-sync`, whose worker tells
 * billing (`syncSubscription`); it keeps waiving delivery fees until billing ends it at the period's end. Each write
 * is conditioned on the state it moves from, so racing cancels, and a cancel racing the worker that creates the
 * subscription in billing, settle on one state. Cancelling again answers the same state (and sends the message again,
 * healing a lost one, while billing has not ended it).
 * @throws NotFoundError (404) when it does not exist or is another shopper's
 */
export async function cancelSubscription(subscriptionId: string, actor: SubscriptionActor, deps: SubscriptionDeps, attempt = 1): Promise<Subscription> {
  const current = await getSubscriptionFor(subscriptionId, actor, deps);
  const how = cancellationOf(current);
  if (how === 'already') {
    if (current.status !== 'cancelled' && current.billingSubscriptionId) await deps.sendToSync({ kind: 'subscription', subscriptionId });
    return current;
  }
  const now = deps.now().toISOString();
  const update: Omit<UpdateCommandInput, 'TableName' | 'Key'> =
    how === 'now'
      ? {
          UpdateExpression: 'SET #status = :cancelled, #rank = :rank, statusEventAt = :now, cancelRequestedAt = :now, cancelAtPeriodEnd = :false, updatedAt = :now',
          ConditionExpression: '#status = :pending AND attribute_not_exists(billingSubscriptionId) AND attribute_not_exists(cancelRequestedAt)',
          ExpressionAttributeNames: { '#status': 'status', '#rank': 'rank' },
          ExpressionAttributeValues: { ':cancelled': 'cancelled', ':rank': SUBSCRIPTION_STATUS_RANK.cancelled, ':now': now, ':false': false, ':pending': 'pending' },
        }
      : {
          UpdateExpression: 'SET cancelRequestedAt = :now, cancelAtPeriodEnd = :true, updatedAt = :now',
          // Billing's ids may not be stored yet (a webhook can make it active first): the worker that stores them cancels it then.
          ConditionExpression: 'attribute_exists(pk) AND #rank < :final AND attribute_not_exists(cancelRequestedAt)',
          ExpressionAttributeNames: { '#rank': 'rank' },
          ExpressionAttributeValues: { ':now': now, ':true': true, ':final': SUBSCRIPTION_STATUS_RANK.cancelled },
        };
  try {
    await deps.db.send(new UpdateCommand({ TableName: deps.tableName, Key: keys.subscription(subscriptionId), ...update }));
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException) || attempt >= 3) throw error;
    // It moved meanwhile (another cancel, the worker storing billing's ids, a webhook): decide again from what it is now.
    return cancelSubscription(subscriptionId, actor, deps, attempt + 1);
  }
  if (how === 'at-period-end') await deps.sendToSync({ kind: 'subscription', subscriptionId });
  return getSubscriptionFor(subscriptionId, actor, deps);
}

/** What `syncSubscription` needs: the table and the billing calls it makes. */
export interface SyncSubscriptionDeps extends TableDeps {
  billing: Pick<BillingClient, 'createCustomer' | 'createSubscription' | 'cancelSubscription'>;
}

/**
 * The shopper's billing customer id: the stored one, or one created now under `customer:<shopperId>` and stored both
 * ways in one transaction (a concurrent creator's identical answer is kept).
 */
async function billingCustomerOf(shopperId: string, deps: SyncSubscriptionDeps): Promise<string> {
  const stored = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: keys.billingCustomer(shopperId), ConsistentRead: true }));
  if (stored.Item) return stored.Item.billingCustomerId as string;
  const { billingCustomerId } = await deps.billing.createCustomer({ customerReference: shopperId }, `customer:${shopperId}`);
  const at = deps.now().toISOString();
  try {
    await transactWrite(deps, [
      {
        Put: {
          TableName: deps.tableName,
          Item: { ...keys.billingCustomer(shopperId), entityType: 'BillingCustomer', schemaVersion: 1, shopperId, billingCustomerId, createdAt: at },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      {
        Put: {
          TableName: deps.tableName,
          Item: { ...keys.shopperByBillingCustomer(billingCustomerId), entityType: 'BillingCustomerRef', schemaVersion: 1, shopperId, billingCustomerId, createdAt: at },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    ]);
  } catch (error) {
    // The same idempotency key gives the same customer, so whoever stored it first stored this one.
    if (!(error instanceof TransactionCancelled) || error.failedConditions().length === 0) throw error;
  }
  return billingCustomerId;
}

export type SyncOutcome = 'created' | 'already-synced' | 'cancel-synced' | 'cancelled-before-sync';

/**
 * Tells billing the shopper cancelled (`subscription-cancel:<id>`, so a repeat replays billing's first answer): at
 * period end, or at once for a pass cancelled while still pending whose creation in billing raced the cancel. Keeps the
 * period's end billing answers, and the status when billing ended it at once.
 */
async function cancelInBilling(subscription: Subscription, billingSubscriptionId: string, deps: SyncSubscriptionDeps): Promise<void> {
  const answer = await deps.billing.cancelSubscription(
    billingSubscriptionId,
    { atPeriodEnd: subscription.cancelAtPeriodEnd === true },
    `subscription-cancel:${subscription.id}`,
  );
  if (answer.currentPeriodEnd) {
    await deps.db.send(
      new UpdateCommand({
        TableName: deps.tableName,
        Key: keys.subscription(subscription.id),
        UpdateExpression: 'SET currentPeriodEnd = :end, updatedAt = :now',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':end': new Date(answer.currentPeriodEnd).toISOString(), ':now': deps.now().toISOString() },
      }),
    );
  }
  if (answer.status === 'cancelled') await moveSubscriptionStatus(subscription.id, { status: 'cancelled', statusEventAt: deps.now().toISOString() }, deps);
}

/**
 * Creates a pending subscription in the billing system (`billing-sync` worker, message kind `subscription`): the
 * shopper's billing customer first (`customer:<shopperId>`), then the subscription (`subscription:<id>`, our id as its
 * reference); their ids are stored on the subscription with the `subscriptionByBilling` mapping in one transaction,
 * and its status moves to billing's answer unless a webhook already set one (any webhook is newer than the answer). Idempotent: a repeat after a
 * lost acknowledgement gets the same ids from billing, and a synced subscription calls nothing.
 * @throws NotFoundError when the subscription does not exist (the message fails and is retried, then parked)
 */
export async function syncSubscription(subscriptionId: string, deps: SyncSubscriptionDeps): Promise<SyncOutcome> {
  const subscription = await getSubscription(subscriptionId, deps);
  if (!subscription) throw new NotFoundError('subscription', subscriptionId);
  if (subscription.billingSubscriptionId) {
    if (subscription.cancelRequestedAt === undefined || subscription.status === 'cancelled') return 'already-synced';
    await cancelInBilling(subscription, subscription.billingSubscriptionId, deps);
    return 'cancel-synced';
  }
  // Cancelled by the shopper while still ours: nothing to create in billing. (A webhook's `cancelled` means billing has it.)
  if (subscription.status === 'cancelled' && subscription.cancelRequestedAt !== undefined) return 'cancelled-before-sync';

  const billingCustomerId = await billingCustomerOf(subscription.shopperId, deps);
  const created = await deps.billing.createSubscription(
    { billingCustomerId, plan: subscription.plan, subscriptionReference: subscription.id },
    `subscription:${subscription.id}`,
  );
  const at = deps.now().toISOString();
  try {
    await transactWrite(deps, [
      {
        Update: {
          TableName: deps.tableName,
          Key: keys.subscription(subscription.id),
          UpdateExpression: 'SET billingCustomerId = :customer, billingSubscriptionId = :billing, updatedAt = :now',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(billingSubscriptionId)',
          ExpressionAttributeValues: { ':customer': billingCustomerId, ':billing': created.billingSubscriptionId, ':now': at },
        },
      },
      {
        Put: {
          TableName: deps.tableName,
          Item: {
            ...keys.subscriptionByBilling(created.billingSubscriptionId),
            entityType: 'SubscriptionRef',
            schemaVersion: 1,
            subscriptionId: subscription.id,
            billingSubscriptionId: created.billingSubscriptionId,
          },
        },
      },
    ]);
  } catch (error) {
    // A concurrent delivery of the same message stored the same ids first.
    if (!(error instanceof TransactionCancelled) || !error.failedConditions().includes(0)) throw error;
  }
  // Dated as of our own creation, before any billing event: billing's webhooks always outrank this answer.
  await moveSubscriptionStatus(subscription.id, { status: created.status, statusEventAt: subscription.createdAt }, deps);
  // The shopper may have cancelled while billing was creating it: billing must end what it just made.
  const latest = await getSubscription(subscription.id, deps);
  if (latest?.cancelRequestedAt !== undefined) await cancelInBilling(latest, created.billingSubscriptionId, deps);
  return 'created';
}

/**
 * Moves a subscription's status if `subscriptionMayMove` allows it.
 * @returns whether it moved
 */
export async function moveSubscriptionStatus(subscriptionId: string, next: Required<SubscriptionState>, deps: TableDeps): Promise<boolean> {
  const update = subscriptionStatusUpdate(next);
  try {
    await deps.db.send(
      new UpdateCommand({
        TableName: deps.tableName,
        Key: keys.subscription(subscriptionId),
        UpdateExpression: `SET ${update.set}, updatedAt = :now`,
        ConditionExpression: update.condition,
        ExpressionAttributeNames: update.names,
        ExpressionAttributeValues: { ...update.values, ':now': deps.now().toISOString() },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}
