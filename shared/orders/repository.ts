import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { orderCompletedV1 } from '../../events/orders/order-completed.v1.js';
import { orderStatusChangedV1 } from '../../events/orders/order-status-changed.v1.js';
import type { AuditedBy } from '../audit/audit-entry.js';
import { decodeCursor, encodeCursor } from '../catalog/cursor.js';
import type { TableDeps } from '../db/deps.js';
import { INDEXES, keys } from '../db/keys.js';
import { type TransactItem, TransactionCancelled, transactWrite } from '../db/transact.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { outboxEvent } from '../events/outbox.js';
import { Order, type OrderLine, type OrderStatus } from './model.js';
import { type OrderEvent, transition } from './status.js';

/**
 * The order's item in the single table: one document per order, replaced whole by every status change under
 * `version = :read AND status = :from`, with the change's outbox event in the same transaction. Listed per shopper
 * in gsi1 and per store, UTC day and status in gsi2; a POS reference is claimed by its own item.
 */

/** 2 since migration 0003: the substitution preference `any` became `best-match`. */
export const ORDER_SCHEMA_VERSION = 2;

/** The table item of an order. */
export function orderItem(order: Order): Record<string, unknown> {
  return {
    ...keys.order(order.id),
    ...keys.ordersByShopper(order.shopperId, order.createdAt, order.id),
    ...keys.ordersByStoreDay(order.storeId, order.createdAt, order.status, order.id),
    entityType: 'Order',
    schemaVersion: ORDER_SCHEMA_VERSION,
    ...order,
  };
}

/** Reads an order item back, parsed with the model's schema so that a drifted item fails loudly. */
export function orderFromItem(item: Record<string, unknown>): Order {
  const { pk: _pk, sk: _sk, gsi1pk: _g1pk, gsi1sk: _g1sk, gsi2pk: _g2pk, gsi2sk: _g2sk, entityType: _type, schemaVersion: _version, ...rest } = item;
  return Order.parse(rest);
}

/** Who changes an order (and of which kind, for the audit), and the request's correlation id for the events it causes. */
export type OrderActor = AuditedBy;

/** An order with this id exists already (a retried checkout that lost its idempotency record). */
export class OrderExistsError extends ConflictError {
  override readonly name: string = 'OrderExistsError';
  constructor(orderId: string) {
    super('order-exists', `Order ${orderId} already exists.`, { extensions: { orderId } });
  }
}

/** The store already has an order under this POS reference. */
export class PosReferenceTakenError extends ConflictError {
  override readonly name: string = 'PosReferenceTakenError';
  constructor(storeId: string, posReference: string) {
    super('pos-reference-taken', `Store ${storeId} already has an order with POS reference ${posReference}.`, { extensions: { storeId, posReference } });
  }
}

/**
 * The order changed since it was read; the caller decides anew on `current` (the order as the failed condition found
 * it, when the write asked for it) or reads it again.
 */
export class OrderChangedError extends ConflictError {
  override readonly name: string = 'OrderChangedError';
  /** The order as it is now, when the failed write returned it; never enumerable, so no log or answer carries it. */
  declare readonly current: Order | undefined;
  constructor(orderId: string, version: number, status: OrderStatus, current?: Order) {
    super('order-changed', `Order ${orderId} changed after it was read at version ${version} (${status}); read it again.`, {
      extensions: { orderId, version, status },
    });
    // The order holds personal data (the delivery address): it must not ride along when the error is logged.
    Object.defineProperty(this, 'current', { value: current, enumerable: false });
  }
}

/**
 * Stores a new order; its POS reference, when it has one, is claimed in the same transaction, so one sale can
 * never become two orders. `extraItems` (the cart's move to checked-out, the checkout's event) commit with it or not at all.
 * @throws TransactionCancelled when one of `extraItems` failed its condition
 * @throws OrderExistsError (409) when the id is taken
 * @throws PosReferenceTakenError (409) when the store already has an order with that POS reference
 */
export async function putNewOrder(deps: TableDeps, order: Order, extraItems: readonly TransactItem[] = []): Promise<void> {
  const items: TransactItem[] = [{ Put: { TableName: deps.tableName, Item: orderItem(order), ConditionExpression: 'attribute_not_exists(pk)' } }];
  if (order.posReference !== undefined) {
    items.push({
      Put: {
        TableName: deps.tableName,
        Item: { ...keys.posReference(order.storeId, order.posReference), entityType: 'PosReferenceClaim', schemaVersion: 1, orderId: order.id },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    });
  }
  try {
    await transactWrite(deps, [...items, ...extraItems]);
  } catch (error) {
    if (!(error instanceof TransactionCancelled)) throw error;
    const failed = error.failedConditions();
    if (failed.includes(0)) throw new OrderExistsError(order.id);
    if (failed.includes(1) && order.posReference !== undefined) throw new PosReferenceTakenError(order.storeId, order.posReference);
    throw error;
  }
}

/** One order, read consistently because every change compares its version; `undefined` when there is none. */
export async function getOrderRecord(deps: TableDeps, orderId: string): Promise<Order | undefined> {
  const { Item } = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: keys.order(orderId), ConsistentRead: true }));
  return Item ? orderFromItem(Item) : undefined;
}

/**
 * One order.
 * @throws NotFoundError (404) when there is none
 */
export async function requireOrder(deps: TableDeps, orderId: string): Promise<Order> {
  const order = await getOrderRecord(deps, orderId);
  if (!order) throw new NotFoundError('Order', orderId);
  return order;
}

/** A line as `order.completed` reports it: what was handed over, and what was paid for it; nothing when nothing was. */
function completedLines(line: OrderLine): { sku: string; productId: string; quantity: number; total: number }[] {
  const quantity = line.picked === undefined ? line.quantity : line.picked.quantity;
  if (quantity === undefined) return [];
  const amount = 'grams' in quantity ? quantity.grams : 'millilitres' in quantity ? quantity.millilitres : quantity.count;
  const substitute = line.picked?.substitute;
  return [{ sku: substitute?.sku ?? line.sku, productId: substitute?.productId ?? line.productId, quantity: amount, total: line.picked?.total ?? line.total }];
}

/** The outbox items of a status change: always `order.status-changed`, and `order.completed` when it completes the order. */
function changeEvents(deps: TableDeps, next: Order, who: OrderActor): TransactItem[] {
  const change = next.statusHistory.at(-1)!;
  const meta = { correlationId: who.correlationId, now: deps.now() };
  const items = [
    outboxEvent(
      deps.tableName,
      orderStatusChangedV1,
      {
        orderId: next.id,
        shopperId: next.shopperId,
        storeId: next.storeId,
        channel: next.channel,
        from: change.from,
        to: change.to,
        event: change.event,
        version: next.version,
        actor: change.actor,
        ...(change.reason === undefined ? {} : { reason: change.reason }),
        payment: { authorized: next.payment.authorized, captured: next.payment.captured, refunded: next.payment.refunded },
        currency: next.totals.currency,
        at: change.at,
      },
      { ...meta, id: `order-${next.id}-v${next.version}` },
    ).item,
  ];
  if (next.status === 'completed') {
    const tax = next.lines.reduce((sum, line) => sum + (line.picked?.tax ?? line.tax.amount), 0);
    items.push(
      outboxEvent(
        deps.tableName,
        orderCompletedV1,
        {
          orderId: next.id,
          shopperId: next.shopperId,
          storeId: next.storeId,
          currency: next.totals.currency,
          lines: next.lines.flatMap(completedLines),
          total: next.payment.captured,
          tax,
          completedAt: change.at,
        },
        { ...meta, id: `order-completed-${next.id}` },
      ).item,
    );
  }
  return items;
}

/**
 * Applies one state machine event (or several in a row) to the order as it was read, and writes the result, its history
 * entries and their events in one transaction under `version = :read AND status = :from`: of two changes computed from
 * the same version, exactly one commits. Nothing is written when the transition is refused. `extraItems` (a stock move, a
 * task token, a cart change) commit with it or not at all; the order is always the transaction's first item. Items that
 * describe the order as changed (an event) are given as a function of it.
 * @returns the order after the change
 * @throws InvalidTransitionError, CaptureExceedsAuthorizationError, RefundExceedsCaptureError (409) from `transition`
 * @throws OrderChangedError (409) when the order is no longer at the version and status it was read at
 */
export async function updateOrderStatus(
  deps: TableDeps,
  read: Order,
  event: OrderEvent | readonly OrderEvent[],
  who: OrderActor,
  extraItems: readonly TransactItem[] | ((next: Order) => readonly TransactItem[]) = [],
): Promise<Order> {
  const { next, items } = orderChange(deps, read, event, who);
  try {
    await transactWrite(deps, [...items, ...(typeof extraItems === 'function' ? extraItems(next) : extraItems)]);
  } catch (error) {
    if (error instanceof TransactionCancelled && error.failedConditions().includes(0)) throw orderChangedFrom(read, error.oldItem(0));
    throw error;
  }
  return next;
}

/**
 * The error of a write whose condition on the order (`read`'s version and status) failed, carrying the order as the
 * condition found it when the write returned it (`ALL_OLD`), so that the caller can decide anew without reading it. An
 * item that does not parse is left out: the caller reads the order again, and the read reports it.
 */
function orderChangedFrom(read: Order, oldItem: Record<string, unknown> | undefined): OrderChangedError {
  let current: Order | undefined;
  try {
    current = oldItem === undefined ? undefined : orderFromItem(oldItem);
  } catch {
    current = undefined;
  }
  return new OrderChangedError(read.id, read.version, read.status, current);
}

/**
 * The items that store a new order already moved by its first event (an online order is born `reserved`, in the same
 * transaction as its stock): the order's Put on condition its id is free, then the event's outbox items.
 * @throws InvalidTransitionError from `transition`
 */
export function newOrderChange(deps: TableDeps, created: Order, event: OrderEvent, who: OrderActor): { next: Order; items: TransactItem[] } {
  const { next, items } = orderChange(deps, created, event, who);
  const [, ...events] = items;
  return { next, items: [{ Put: { TableName: deps.tableName, Item: orderItem(next), ConditionExpression: 'attribute_not_exists(pk)' } }, ...events] };
}

/**
 * The transaction items of one state machine event (the order's conditional replacement first, then its events), for a
 * caller that must commit them with items of its own that fail in their own way (a stock reservation).
 * @throws InvalidTransitionError, CaptureExceedsAuthorizationError, RefundExceedsCaptureError (409) from `transition`
 */
export function orderChange(deps: TableDeps, read: Order, event: OrderEvent | readonly OrderEvent[], who: OrderActor): { next: Order; items: TransactItem[] } {
  // Several events in a row (authorized, then confirmed) are one write of the last order and every change's events.
  const events: readonly OrderEvent[] = Array.isArray(event) ? event : [event as OrderEvent];
  let next = read;
  const eventItems: TransactItem[] = [];
  for (const each of events) {
    next = transition(next, each, deps.now(), who.actor);
    eventItems.push(...changeEvents(deps, next, who));
  }
  const put: TransactItem = {
    Put: {
      TableName: deps.tableName,
      Item: orderItem(next),
      ConditionExpression: '#version = :version AND #status = :status',
      ExpressionAttributeNames: { '#version': 'version', '#status': 'status' },
      ExpressionAttributeValues: { ':version': read.version, ':status': read.status },
      // A failed condition answers with the order as it is now: the writer decides anew without another read.
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    },
  };
  return { next, items: [put, ...eventItems] };
}

/** A page of orders and the cursor of the next one, if any. */
export interface OrderPage {
  orders: Order[];
  nextCursor?: string;
}

/** The key a shopper-listing cursor holds: of this shopper's partition only, so a cursor minted for another is a 400. */
const shopperListingKey = (gsi1pk: string) =>
  z.strictObject({ pk: z.string().startsWith('ORDER#'), sk: z.literal('ORDER'), gsi1pk: z.literal(gsi1pk), gsi1sk: z.string().min(1) });

/** The key a store-listing cursor holds: of this store and day only. */
const storeListingKey = (gsi2pk: string) =>
  z.strictObject({ pk: z.string().startsWith('ORDER#'), sk: z.literal('ORDER'), gsi2pk: z.literal(gsi2pk), gsi2sk: z.string().min(1) });

export interface PageRequest {
  limit: number;
  cursor?: string;
}

/** One page of an index partition, newest (highest sort key) first, optionally under a sort key prefix. */
async function queryPage(
  deps: TableDeps,
  index: (typeof INDEXES)[keyof typeof INDEXES],
  partition: string,
  sortPrefix: string | undefined,
  page: PageRequest,
  cursorShape: z.ZodType<Record<string, unknown>>,
): Promise<OrderPage> {
  const result = await deps.db.send(
    new QueryCommand({
      TableName: deps.tableName,
      IndexName: index.name,
      KeyConditionExpression: sortPrefix === undefined ? '#pk = :pk' : '#pk = :pk AND begins_with(#sk, :prefix)',
      ExpressionAttributeNames: { '#pk': index.partition, ...(sortPrefix === undefined ? {} : { '#sk': index.sort }) },
      ExpressionAttributeValues: { ':pk': partition, ...(sortPrefix === undefined ? {} : { ':prefix': sortPrefix }) },
      ScanIndexForward: false,
      Limit: page.limit,
      ExclusiveStartKey: page.cursor === undefined ? undefined : decodeCursor(page.cursor, cursorShape),
    }),
  );
  return { orders: (result.Items ?? []).map(orderFromItem), ...(result.LastEvaluatedKey ? { nextCursor: encodeCursor(result.LastEvaluatedKey) } : {}) };
}

/**
 * A shopper's orders, newest first, a page at a time.
 * @throws ValidationError (400) for a cursor not minted by this listing for this shopper
 */
export function listOrdersByShopper(deps: TableDeps, shopperId: string, page: PageRequest): Promise<OrderPage> {
  const { gsi1pk } = keys.ordersByShopper(shopperId, '', '');
  return queryPage(deps, INDEXES.gsi1, gsi1pk, undefined, page, shopperListingKey(gsi1pk));
}

/**
 * A store's orders created on one UTC day, newest first, optionally of one status (then one `begins_with`); without a
 * status they come grouped by status (descending), newest first within each.
 * @param day `yyyy-mm-dd`
 * @throws ValidationError (400) for a cursor not minted by this listing for this store and day
 */
export function listOrdersByStoreDay(deps: TableDeps, filter: { storeId: string; day: string; status?: OrderStatus }, page: PageRequest): Promise<OrderPage> {
  const { gsi2pk } = keys.ordersByStoreDay(filter.storeId, filter.day, '', '');
  return queryPage(deps, INDEXES.gsi2, gsi2pk, filter.status === undefined ? undefined : `${filter.status}#`, page, storeListingKey(gsi2pk));
}
