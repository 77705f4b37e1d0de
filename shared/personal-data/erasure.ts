import type { S3Client } from '@aws-sdk/client-s3';
import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { customerErasedV1 } from '../../events/personal-data/customer-erased.v1.js';
import { erasureRequestedV1 } from '../../events/personal-data/erasure-requested.v1.js';
import { erasureFlagItem } from '../accounts/erased.js';
import type { TableDeps } from '../db/deps.js';
import { keys } from '../db/keys.js';
import { queryAll } from '../db/query.js';
import { TransactionCancelled, transactWrite, type TransactItem } from '../db/transact.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { outboxEvent } from '../events/outbox.js';
import { bookDay } from '../orders/books.js';
import type { Order } from '../orders/model.js';
import { orderFromItem, orderItem } from '../orders/repository.js';
import { OrderReturn } from '../orders/returns.js';
import { deleteObject } from '../storage/s3.js';
import { SUBSCRIPTION_STATUS_RANK, getSubscription, subscriptionsOf, type Subscription } from '../billing/subscriptions.js';
import { anonymiseOrder, anonymiseReturn, isOrderInFlight } from './anonymise.js';
import { accountItems, cartItemsOf, itemAt, loyaltyItemsOf, orderItemsOf, returnItemsOf, subscriptionItemsOf } from './collect.js';
import { privacyAuditItem, type Requester } from './exports.js';

/**
 * Erasing a shopper ("right to erasure", UK GDPR / GDPR Art. 17). `requestErasure` accepts it (202) once no order of
 * theirs is in flight; the `personal-data-erasures` worker then runs `runErasure`, a sequence of steps each safe to
 * repeat, so a redelivered message (or a crash half-way) finishes the job and a finished one changes nothing:
 *
 * 1. the outside world first, while the ids it needs are still stored: the delivery passes ended at once in billing
 *    (and marked cancelled here), the billing customer anonymised, the methods saved on the payment provider's customer
 *    detached and then that customer deleted, the sign-in identity deleted;
 * 2. orders kept for the books, anonymised (`anonymiseOrder`) and moved off the shopper's order list to a pseudonym,
 *    with their returns, their lines in the day's books and the subscriptions;
 * 3. what is only the shopper's deleted: carts, the loyalty partition and its card number, the billing customer mapping,
 *    and last the account partition (profile, addresses, lists, exports and their files);
 * 4. the erasure marked done with `customer.erased` in one transaction.
 *
 * A queue and a worker rather than a state machine: the steps run in one order, each idempotent on its own, with no
 * compensation to make, so SQS's redelivery (and its DLQ) is all the orchestration it needs.
 */

export const ERASURE_SCHEMA_VERSION = 1;

export const ErasureStatus = z.enum(['requested', 'erased']);
export type ErasureStatus = z.infer<typeof ErasureStatus>;

export const ErasureRecord = z.strictObject({
  id: z.string().min(1),
  shopperId: z.string().min(1),
  status: ErasureStatus,
  /** What the kept orders name instead of the shopper: `erased-<id>`, fixed when the erasure is accepted. */
  pseudonym: z.string().min(1),
  requestedBy: z.string().min(1),
  requestedAt: z.iso.datetime(),
  erasedAt: z.iso.datetime().optional(),
  ordersKept: z.number().int().nonnegative().optional(),
});
export type ErasureRecord = z.infer<typeof ErasureRecord>;

/** What `DELETE /me` and `GET /me/erasure` answer: ids and dates only. */
export const ErasureView = ErasureRecord.omit({ shopperId: true, requestedBy: true });
export type ErasureView = z.infer<typeof ErasureView>;

/** The systems outside our table that hold something of the shopper; each call is safe to repeat. */
export interface ErasurePorts {
  /** Ends a delivery pass in the billing system at once, not at its period's end: the account is going away. */
  cancelDeliveryPass(billingSubscriptionId: string, idempotencyKey: string): Promise<void>;
  /** Anonymises the billing system's customer (name, email, address), keeping its invoices and credit notes. */
  eraseBillingCustomer(billingCustomerId: string, idempotencyKey: string): Promise<void>;
  /** Detaches every payment method saved on the shopper's customer at the payment provider (it reads the profile). */
  detachPaymentMethods(shopperId: string): Promise<void>;
  /** Deletes the shopper's customer at the payment provider; one already deleted counts as deleted. */
  deletePaymentCustomer(customerId: string, idempotencyKey: string): Promise<void>;
  /** Deletes the shopper's sign-in identity (the Cognito user on AWS; nothing to delete locally); one already gone counts. */
  deleteIdentity(shopperId: string): Promise<void>;
}

export interface ErasureDeps extends TableDeps {
  ports: ErasurePorts;
  s3: S3Client;
  bucket: string;
}

/** Orders (or a basket hold) still moving: erasing now would take the address a van is on its way to. */
export class OrdersInFlightError extends ConflictError {
  override readonly name: string = 'OrdersInFlightError';
  constructor(orderIds: readonly string[], heldCartIds: readonly string[]) {
    const what = [
      orderIds.length > 0 ? `order${orderIds.length > 1 ? 's' : ''} ${orderIds.join(', ')} not yet delivered, collected or cancelled` : '',
      heldCartIds.length > 0 ? `a basket hold on cart ${heldCartIds.join(', ')}` : '',
    ].filter(Boolean);
    super('orders-in-flight', `The account cannot be erased while it has ${what.join(' and ')}; try again once they are settled.`, {
      extensions: { orderIds, heldCartIds },
    });
  }
}

/** The pseudonym of an erasure: not derived from the shopper's id, so it cannot be linked back without the record. */
export const pseudonymOf = (erasureId: string) => `erased-${erasureId}`;

function recordFromItem(item: Record<string, unknown>): ErasureRecord {
  const { pk: _pk, sk: _sk, entityType: _type, schemaVersion: _version, ...rest } = item;
  return ErasureRecord.parse(rest);
}

/** The shopper's erasure, if one was ever accepted. */
export async function getErasure(shopperId: string, deps: TableDeps): Promise<ErasureRecord | undefined> {
  const item = await itemAt(keys.personalDataErasure(shopperId), deps);
  return item ? recordFromItem(item) : undefined;
}

/** The erasure as its requester sees it. */
export function erasureView(record: ErasureRecord): ErasureView {
  const { shopperId: _shopper, requestedBy: _by, ...view } = record;
  return view;
}

/**
 * The erasure's progress.
 * @throws NotFoundError (404) when none was asked for
 */
export async function requireErasure(shopperId: string, deps: TableDeps): Promise<ErasureView> {
  const record = await getErasure(shopperId, deps);
  if (!record) throw new NotFoundError('Erasure', 'me');
  return erasureView(record);
}

/** What the shopper still has moving: orders in flight and held carts. */
async function inFlight(shopperId: string, deps: TableDeps): Promise<{ orderIds: string[]; heldCartIds: string[] }> {
  const [orders, carts] = await Promise.all([orderItemsOf(shopperId, deps), cartItemsOf(shopperId, deps)]);
  return {
    orderIds: orders.map(orderFromItem).filter(isOrderInFlight).map((o) => o.id),
    heldCartIds: carts.filter((c) => c.status === 'held').map((c) => String(c.id)),
  };
}

/** Retention asked to erase an account its shopper used again after the job read it: it is kept. */
export class ShopperActiveError extends Error {
  override readonly name: string = 'ShopperActiveError';
}

/** Where the profile's erasure flag stands in the request's transaction. */
const FLAG_ITEM = 2;

/**
 * Accepts an erasure: the record and `personal-data.erasure-requested` in one transaction (with, for staff, the audit
 * entry). Asking again returns the same erasure and changes nothing.
 * @param options.onlyIfInactiveBefore for retention: accepted only while the profile was last used before this day
 * @throws OrdersInFlightError (409) while an order is in flight or a basket is held
 * @throws ShopperActiveError when `onlyIfInactiveBefore` no longer holds
 */
export async function requestErasure(
  shopperId: string,
  who: Requester,
  deps: TableDeps,
  options: { onlyIfInactiveBefore?: string } = {},
): Promise<{ erasure: ErasureView; accepted: boolean }> {
  const existing = await getErasure(shopperId, deps);
  if (existing) return { erasure: erasureView(existing), accepted: false };
  const moving = await inFlight(shopperId, deps);
  if (moving.orderIds.length > 0 || moving.heldCartIds.length > 0) throw new OrdersInFlightError(moving.orderIds, moving.heldCartIds);
  const now = deps.now();
  const at = now.toISOString();
  const id = deps.newId();
  const record: ErasureRecord = { id, shopperId, status: 'requested', pseudonym: pseudonymOf(id), requestedBy: who.actor, requestedAt: at };
  const items: TransactItem[] = [
    {
      Put: {
        TableName: deps.tableName,
        Item: { ...keys.personalDataErasure(shopperId), entityType: 'PersonalDataErasure', schemaVersion: ERASURE_SCHEMA_VERSION, ...record },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    outboxEvent(deps.tableName, erasureRequestedV1, { erasureId: id, shopperId, requestedAt: at }, { id: `personal-data-erasure-${id}`, now, correlationId: who.correlationId }).item,
    // The profile says so at once, so the account's own reads refuse from now on (shared/accounts/erased.ts).
    erasureFlagItem(deps.tableName, shopperId, at, options.onlyIfInactiveBefore),
  ];
  if (who.reason !== undefined) items.push(privacyAuditItem(deps.tableName, shopperId, 'erase-personal-data', who, at, { erasureId: id }));
  try {
    await transactWrite(deps, items);
  } catch (error) {
    // Two requests at once: the other one's erasure is the erasure.
    if (error instanceof TransactionCancelled && error.failedConditions().includes(0)) {
      const winner = await getErasure(shopperId, deps);
      if (winner) return { erasure: erasureView(winner), accepted: false };
    }
    if (error instanceof TransactionCancelled && error.failedConditions().includes(FLAG_ITEM)) throw new ShopperActiveError();
    throw error;
  }
  return { erasure: erasureView(record), accepted: true };
}

/**
 * Whether a conditional write happened. A condition failure means another run (or writer) got there first: the step
 * is done, so it is `false`, not an error.
 */
async function written(write: Promise<unknown>): Promise<boolean> {
  try {
    await write;
    return true;
  } catch (error) {
    if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
    throw error;
  }
}

/**
 * Ends one of the shopper's delivery passes at once. One still only ours (`pending`, no billing id) is cancelled here,
 * conditioned on billing's id still being absent: should the billing-sync worker be creating it in billing meanwhile,
 * it finds the cancel (not at period end) once it stores the id and ends it there (`syncSubscription`); should it have
 * stored the id first, the pass is ended in billing like any other. Billing is told under a key of the erasure, so a
 * rerun replays its answer, and the pass is then marked cancelled under `#rank < cancelled`: a webhook, an earlier
 * run or the worker that got there first wins, and nothing moves it back.
 */
async function endDeliveryPass(pass: Subscription, erasureId: string, deps: ErasureDeps): Promise<void> {
  if (pass.status === 'cancelled') return;
  const now = deps.now().toISOString();
  const cancelled = {
    UpdateExpression:
      'SET #status = :cancelled, #rank = :final, statusEventAt = :now, cancelRequestedAt = if_not_exists(cancelRequestedAt, :now), cancelAtPeriodEnd = :false, updatedAt = :now',
    ExpressionAttributeNames: { '#status': 'status', '#rank': 'rank' },
    ExpressionAttributeValues: { ':cancelled': 'cancelled', ':final': SUBSCRIPTION_STATUS_RANK.cancelled, ':now': now, ':false': false },
  };
  let billingId = pass.billingSubscriptionId;
  if (billingId === undefined) {
    const endedHere = await written(
      deps.db.send(
        new UpdateCommand({
          TableName: deps.tableName,
          Key: keys.subscription(pass.id),
          ...cancelled,
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(billingSubscriptionId) AND #rank < :final',
        }),
      ),
    );
    if (endedHere) return;
    const latest = await getSubscription(pass.id, deps);
    if (latest === undefined || latest.status === 'cancelled' || latest.billingSubscriptionId === undefined) return;
    billingId = latest.billingSubscriptionId;
  }
  await deps.ports.cancelDeliveryPass(billingId, `erase-subscription:${erasureId}:${pass.id}`);
  await written(
    deps.db.send(
      new UpdateCommand({ TableName: deps.tableName, Key: keys.subscription(pass.id), ...cancelled, ConditionExpression: 'attribute_exists(pk) AND #rank < :final' }),
    ),
  );
}

const deleteItem = (key: { pk: unknown; sk: unknown }, deps: TableDeps) =>
  deps.db.send(new DeleteCommand({ TableName: deps.tableName, Key: { pk: key.pk, sk: key.sk } }));

/** The days whose books hold a line of this order: the day it completed and the day of each refund. */
function bookDaysOf(order: Order): string[] {
  const days = order.statusHistory.filter((c) => ['completed', 'partially-refunded', 'refunded'].includes(c.to)).map((c) => bookDay(c.at));
  return [...new Set(days)];
}

/** One order, its returns and its lines in the books, moved to the pseudonym; each write conditional on still naming the shopper. */
async function keepOrderAnonymised(order: Order, shopperId: string, pseudonym: string, deps: TableDeps): Promise<void> {
  for (const day of bookDaysOf(order)) {
    const lines = await queryAll(deps, {
      TableName: deps.tableName,
      KeyConditionExpression: 'pk = :pk',
      FilterExpression: 'orderId = :order',
      ExpressionAttributeValues: { ':pk': keys.financialRecord(day, 'SALE', '').pk, ':order': order.id },
    });
    for (const line of lines) {
      await written(
        deps.db.send(
          new UpdateCommand({
            TableName: deps.tableName,
            Key: { pk: line.pk, sk: line.sk },
            UpdateExpression: 'SET shopperId = :pseudonym',
            ConditionExpression: 'shopperId = :shopper',
            ExpressionAttributeValues: { ':pseudonym': pseudonym, ':shopper': shopperId },
          }),
        ),
      );
    }
  }
  for (const item of await returnItemsOf(order.id, deps)) {
    const { pk, sk, entityType, schemaVersion, ...rest } = item;
    const ret = OrderReturn.parse(rest);
    if (ret.shopperId !== shopperId) continue;
    await written(
      deps.db.send(
        new PutCommand({
          TableName: deps.tableName,
          Item: { pk, sk, entityType, schemaVersion, ...anonymiseReturn(ret, shopperId, pseudonym) },
          ConditionExpression: 'version = :version AND shopperId = :shopper',
          ExpressionAttributeValues: { ':version': ret.version, ':shopper': shopperId },
        }),
      ),
    );
  }
  // Last: once the order leaves the shopper's list, a rerun no longer finds it (its returns and books are done by then).
  await written(
    deps.db.send(
      new PutCommand({
        TableName: deps.tableName,
        Item: orderItem(anonymiseOrder(order, pseudonym)),
        ConditionExpression: 'version = :version AND shopperId = :shopper',
        ExpressionAttributeValues: { ':version': order.version, ':shopper': shopperId },
      }),
    ),
  );
}

/** What one run of the erasure worker did. */
export type ErasureOutcome = 'erased' | 'already-erased' | 'not-requested';

/**
 * Runs an accepted erasure to the end (see the module comment for the steps). Safe to run again at any point.
 * @throws OrdersInFlightError when an order went into flight after the erasure was accepted: the message is retried
 *   (and lands in the DLQ for a person if it stays so)
 */
export async function runErasure(shopperId: string, deps: ErasureDeps): Promise<ErasureOutcome> {
  const record = await getErasure(shopperId, deps);
  if (!record) return 'not-requested';
  if (record.status === 'erased') return 'already-erased';
  const { pseudonym } = record;

  // 1. The outside world, while the ids it needs are still stored (the passes before they move to the pseudonym).
  for (const pass of await subscriptionsOf(shopperId, deps)) await endDeliveryPass(pass, record.id, deps);
  const billingCustomer = await itemAt(keys.billingCustomer(shopperId), deps);
  if (typeof billingCustomer?.billingCustomerId === 'string') {
    await deps.ports.eraseBillingCustomer(billingCustomer.billingCustomerId, `erase-customer:${record.id}`);
  }
  await deps.ports.detachPaymentMethods(shopperId);
  const paymentCustomerId = (await itemAt(keys.shopperProfile(shopperId), deps))?.paymentCustomerId;
  if (typeof paymentCustomerId === 'string') await deps.ports.deletePaymentCustomer(paymentCustomerId, `erase-payment-customer:${record.id}`);
  await deps.ports.deleteIdentity(shopperId);

  // 2. Financial records kept, anonymised.
  const orders = (await orderItemsOf(shopperId, deps)).map(orderFromItem);
  const moving = orders.filter(isOrderInFlight).map((o) => o.id);
  if (moving.length > 0) throw new OrdersInFlightError(moving, []);
  for (const order of orders) await keepOrderAnonymised(order, shopperId, pseudonym, deps);
  for (const sub of await subscriptionItemsOf(shopperId, deps)) {
    const { gsi1pk: _pk, gsi1sk: _sk, ...rest } = sub;
    await written(
      deps.db.send(
        new PutCommand({
          TableName: deps.tableName,
          Item: { ...rest, shopperId: pseudonym, ...keys.subscriptionsByShopper(pseudonym, String(sub.createdAt), String(sub.id)) },
          ConditionExpression: 'shopperId = :shopper',
          ExpressionAttributeValues: { ':shopper': shopperId },
        }),
      ),
    );
  }

  // 3. What is only the shopper's, deleted.
  for (const cart of await cartItemsOf(shopperId, deps)) await deleteItem(cart as { pk: unknown; sk: unknown }, deps);
  for (const item of await loyaltyItemsOf(shopperId, deps)) {
    if (typeof item.loyaltyId === 'string') await deleteItem(keys.loyaltyId(item.loyaltyId), deps);
    await deleteItem(item as { pk: unknown; sk: unknown }, deps);
  }
  if (typeof billingCustomer?.billingCustomerId === 'string') await deleteItem(keys.shopperByBillingCustomer(billingCustomer.billingCustomerId), deps);
  await deleteItem(keys.billingCustomer(shopperId), deps);
  for (const item of await accountItems(shopperId, deps)) {
    if (typeof item.objectKey === 'string') await deleteObject(deps.s3, deps.bucket, item.objectKey);
    await deleteItem(item as { pk: unknown; sk: unknown }, deps);
  }

  // 4. Done, announced once. Counted under the pseudonym, so a run finishing another's half-done work counts them all.
  const ordersKept = (await orderItemsOf(pseudonym, deps)).length;
  const now = deps.now();
  const erasedAt = now.toISOString();
  try {
    await transactWrite(deps, [
      {
        Update: {
          TableName: deps.tableName,
          Key: keys.personalDataErasure(shopperId),
          UpdateExpression: 'SET #status = :erased, erasedAt = :at, ordersKept = :kept',
          ConditionExpression: '#status = :requested',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':erased': 'erased', ':requested': 'requested', ':at': erasedAt, ':kept': ordersKept },
        },
      },
      outboxEvent(deps.tableName, customerErasedV1, { shopperId, erasureId: record.id, pseudonym, ordersKept, erasedAt }, { id: `customer-erased-${shopperId}`, now }).item,
    ]);
  } catch (error) {
    if (error instanceof TransactionCancelled && error.failedConditions().length > 0) return 'already-erased';
    throw error;
  }
  return 'erased';
}
