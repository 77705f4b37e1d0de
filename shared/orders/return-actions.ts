import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { productFromItem } from '../catalog/repository.js';
import { batchGet } from '../db/batch.js';
import { keys, PREFIXES } from '../db/keys.js';
import { queryAll } from '../db/query.js';
import { backoff, TransactionCancelled, transactWrite, type TransactItem } from '../db/transact.js';
import { AppError, ConflictError, NotFoundError, ValidationError, type FieldError } from '../errors.js';
import { requireOrderFor, type OrderAccess } from './access.js';
import { orderDeps, type OrderDeps } from './deps.js';
import type { Order } from './model.js';
import { makeRefund } from './refunds.js';
import { requireOrder, type OrderActor } from './repository.js';
import { RETURN_POLICY, type ReturnedGoods, type ReturnPolicy } from './return-policy.js';
import { returnStockItems } from './return-stock.js';
import {
  OrderNotReturnableError,
  OrderReturn,
  planReturn,
  refundLinesOf,
  returnIdOf,
  returnRefundRef,
  type InspectReturnRequest,
  type ReturnLine,
  type ReturnOutcome,
  type ReturnRefund,
  type ReturnRequest,
  type ReturnStatus,
} from './returns.js';
import { PERISHABLE_ZONES } from './shipments.js';
import { RefundExceedsCaptureError } from './status.js';

/**
 * A shopper's return, from the request to the refund: `requestReturn` (the shopper, or staff at the desk for them),
 * `receiveReturn` and `inspectReturn` (staff of the order's store). Each change of a return replaces its item under its
 * version; a refund is made by `makeRefund` with the return's move in the same transaction, so a return is refunded once
 * however its requests are retried or raced. docs/fulfillment.md ("Returns") tells the lifecycle.
 */

export const RETURN_SCHEMA_VERSION = 1;

/** What the returns need: the order's dependencies (the table, the payment gateway) and the policy. */
export interface ReturnDeps extends OrderDeps {
  policy: ReturnPolicy;
}

/** The production dependencies, with any of them replaced. */
export function returnDeps(overrides: Partial<ReturnDeps> = {}): ReturnDeps {
  return { ...orderDeps(overrides), policy: overrides.policy ?? RETURN_POLICY };
}

/** Order statuses whose goods can be returned: paid and completed, and not refunded in full. */
const RETURNABLE_ORDER_STATUSES: readonly Order['status'][] = ['completed', 'partially-refunded'];

/** Attempts at a change while others keep changing what it reads (another return of the same lines, the stock). */
const MAX_ATTEMPTS = 5;

/** Others kept changing what a return reads for longer than the retries waited; nothing was written, try again. */
export class ReturnBusyError extends ConflictError {
  override readonly name = 'ReturnBusyError';
  constructor(orderId: string) {
    super('return-busy', `Order ${orderId}'s returns or stock kept changing while this one was written; nothing was written, please retry.`, { extensions: { orderId } });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The table

function returnItem(ret: OrderReturn): Record<string, unknown> {
  return { ...keys.orderReturn(ret.orderId, ret.id), entityType: 'OrderReturn', schemaVersion: RETURN_SCHEMA_VERSION, ...ret };
}

function returnFromItem(item: Record<string, unknown>): OrderReturn {
  const { pk: _pk, sk: _sk, entityType: _type, schemaVersion: _version, ...rest } = item;
  return OrderReturn.parse(rest);
}

/** One return of an order, read consistently; `undefined` when there is none. */
export async function getReturn(deps: OrderDeps, orderId: string, returnId: string): Promise<OrderReturn | undefined> {
  const { Item } = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: keys.orderReturn(orderId, returnId), ConsistentRead: true }));
  return Item ? returnFromItem(Item) : undefined;
}

async function requireReturn(deps: OrderDeps, orderId: string, returnId: string): Promise<OrderReturn> {
  const found = await getReturn(deps, orderId, returnId);
  if (!found) throw new NotFoundError('Return', returnId);
  return found;
}

/** A changed return, written under the version it was read at (or as new). */
function putReturn(deps: OrderDeps, next: OrderReturn, read?: OrderReturn): TransactItem {
  return {
    Put: {
      TableName: deps.tableName,
      Item: returnItem(next),
      ...(read === undefined
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : { ConditionExpression: '#version = :version', ExpressionAttributeNames: { '#version': 'version' }, ExpressionAttributeValues: { ':version': read.version } }),
    },
  };
}

/** The return moved on: its status, a history entry, its version. Pure. */
function moved(ret: OrderReturn, to: ReturnStatus, at: string, actor: string, patch: Partial<Pick<OrderReturn, 'lines' | 'refunds'>> = {}, note?: string): OrderReturn {
  return {
    ...ret,
    ...patch,
    status: to,
    history: [...ret.history, { from: ret.status, to, at, actor, ...(note === undefined ? {} : { note }) }],
    version: ret.version + 1,
    updatedAt: at,
  };
}

const countName = (lineId: string) => `q_${lineId}`;

/** How much of each line the order's returns have asked for so far. */
async function returnedSoFar(deps: OrderDeps, orderId: string): Promise<Map<string, number>> {
  const { Item } = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: keys.orderReturned(orderId), ConsistentRead: true }));
  const counts = new Map<string, number>();
  for (const [name, value] of Object.entries(Item ?? {})) if (name.startsWith('q_') && typeof value === 'number') counts.set(name.slice(2), value);
  return counts;
}

/**
 * The counts of the lines a new return asks for, each moved from exactly what was read: of two returns planned from the
 * same counts, one commits and the other reads again, so a line's refunds are always shares of what was left.
 */
function countsUpdate(deps: OrderDeps, orderId: string, lines: readonly ReturnLine[], before: ReadonlyMap<string, number>): TransactItem {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = { ':type': 'ReturnedQuantities' };
  const sets = ['entityType = :type'];
  const conditions: string[] = [];
  lines.forEach((line, i) => {
    const was = before.get(line.lineId) ?? 0;
    names[`#q${i}`] = countName(line.lineId);
    values[`:after${i}`] = was + line.quantity;
    sets.push(`#q${i} = :after${i}`);
    if (was === 0) {
      values[':zero'] = 0;
      conditions.push(`(attribute_not_exists(#q${i}) OR #q${i} = :zero)`);
    }
    else {
      values[`:before${i}`] = was;
      conditions.push(`#q${i} = :before${i}`);
    }
  });
  return {
    Update: {
      TableName: deps.tableName,
      Key: keys.orderReturned(orderId),
      UpdateExpression: `SET ${sets.join(', ')}`,
      ConditionExpression: conditions.join(' AND '),
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
  };
}

/** The facts the policy reads of the products handed over (the substitutes' own), from the catalog as it is now. */
async function productFacts(deps: OrderDeps, order: Order, request: ReturnRequest): Promise<Map<string, ReturnedGoods>> {
  const asked = new Set(request.lines.map((line) => line.lineId));
  const ids = [...new Set(order.lines.filter((line) => asked.has(line.lineId)).map((line) => line.picked?.substitute?.productId ?? line.productId))];
  const products = (await batchGet(deps, ids.map((id) => keys.product(id)))).map(productFromItem);
  return new Map(products.map((product) => [product.id, { categoryPath: product.categoryPath, taxCategory: product.taxCategory }]));
}

// ---------------------------------------------------------------------------------------------------------------
// Refunds

/** The refund of one stage, with the return's move in its transaction; a stage that refunds nothing only moves the return. */
async function refundStage(order: Order, ret: OrderReturn, stage: ReturnRefund['stage'], to: ReturnStatus, who: OrderActor, deps: OrderDeps): Promise<OrderReturn> {
  const lines = ret.lines.filter((line) => line.handling === (stage === 'on-request' ? 'refund-only' : 'send-back'));
  const amount = lines.reduce((sum, line) => sum + line.amount, 0);
  if (amount === 0) {
    const next = moved(ret, to, deps.now().toISOString(), who.actor);
    await transactWrite(deps, [putReturn(deps, next, ret)]);
    return next;
  }
  const refundRef = returnRefundRef(ret.id, stage);
  const reasons = [...new Set(lines.map((line) => line.reason))].join(', ');
  await makeRefund(order, { refundRef, amount, reason: `Return ${ret.id}: ${reasons}`, lines: refundLinesOf(lines), returnId: ret.id }, who, deps, (next, refund) => [
    putReturn(deps, moved(ret, to, next.updatedAt, who.actor, { refunds: [...ret.refunds, { refundRef, stage, amount, tax: refund.tax, at: next.updatedAt }] }), ret),
  ]);
  return requireReturn(deps, ret.orderId, ret.id);
}

// ---------------------------------------------------------------------------------------------------------------
// Use-cases

/**
 * `POST /orders/{id}/returns`: the shopper (or staff at the desk for them) asks to return lines of a completed order
 * they received, within the policy. The return is named by the order, the caller and the `Idempotency-Key`
 * (`returnIdOf`), so asking again finds it, and finishes it when its fresh food was not refunded yet. It is stored with
 * the counts of the lines it asks for in one transaction (each count moved from what was read, so two returns of the
 * same line never both take the same goods); then its fresh food (`refund-only` lines) is refunded at once, and it waits
 * for what is sent back, or is refunded in full when nothing is.
 *
 * @throws NotFoundError (404) for an unknown order, another shopper's, or for staff another store's
 * @throws OrderNotReturnableError (409) unless the order is `completed` or `partially-refunded`
 * @throws ValidationError (400) or ReturnNotAllowedError (422 `return-not-allowed`) from `planReturn`
 * @throws RefundExceedsCaptureError (409) when the return would refund more than is left of the capture
 * @throws ConflictError (409 `refund-refused`) when the payment provider refuses the refund
 */
export async function requestReturn(
  orderId: string,
  request: ReturnRequest,
  idempotencyKey: string,
  who: OrderActor & { access: OrderAccess },
  deps: ReturnDeps = returnDeps(),
): Promise<{ ret: OrderReturn; created: boolean }> {
  const returnId = returnIdOf(orderId, who.actor, idempotencyKey);
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
    const order = await requireOrderFor(deps, orderId, who.access);
    // The counts before the return: had this same request been made in between, the return is found below, never
    // planned against counts that already hold it.
    const returned = await returnedSoFar(deps, orderId);
    const existing = await getReturn(deps, orderId, returnId);
    if (existing) return { ret: existing.status === 'requested' ? await refundStage(order, existing, 'on-request', afterRequest(existing), who, deps) : existing, created: false };
    if (!RETURNABLE_ORDER_STATUSES.includes(order.status)) throw new OrderNotReturnableError(orderId, order.status);
    const goods = await productFacts(deps, order, request);
    const now = deps.now();
    const plan = planReturn(order, request, { goods, returned, policy: deps.policy, now });
    const refundable = order.payment.captured - order.payment.refunded;
    if (plan.amount > refundable) throw new RefundExceedsCaptureError(orderId, plan.amount, refundable);
    const at = now.toISOString();
    const status: ReturnStatus = plan.lines.some((line) => line.handling === 'refund-only') ? 'requested' : 'awaiting-goods';
    const created: OrderReturn = {
      id: returnId,
      orderId,
      storeId: order.storeId,
      shopperId: order.shopperId,
      status,
      ...(request.method === undefined ? {} : { method: request.method }),
      lines: plan.lines,
      amount: plan.amount,
      tax: plan.tax,
      refunds: [],
      history: [{ to: status, at, actor: who.actor }],
      version: 1,
      createdAt: at,
      updatedAt: at,
    };
    try {
      await transactWrite(deps, [putReturn(deps, created), countsUpdate(deps, orderId, plan.lines, returned)]);
    } catch (error) {
      // The same request made it first (the loop finds it), or another return of these lines did (the loop plans again).
      if (!(error instanceof TransactionCancelled)) throw error;
      await backoff(attempt);
      continue;
    }
    return { ret: status === 'requested' ? await refundStage(order, created, 'on-request', afterRequest(created), who, deps) : created, created: true };
  }
  throw new ReturnBusyError(orderId);
}

/** Where a return goes once its fresh food is refunded: to wait for what is sent back, or refunded when nothing is. */
function afterRequest(ret: OrderReturn): ReturnStatus {
  return ret.lines.some((line) => line.handling === 'send-back') ? 'awaiting-goods' : 'refunded';
}

/**
 * `POST /orders/{id}/returns/{returnId}/receive`: staff of the order's store have the goods sent back. Receiving a
 * return already received (or further on) answers it as it is.
 * @throws NotFoundError (404) for an unknown order or return, or another store's
 * @throws ConflictError (409 `return-has-no-goods`) for a return of fresh food only, which is never sent back;
 *   (409 `return-not-awaiting-goods`) while its fresh food's refund is not made yet
 */
export async function receiveReturn(
  orderId: string,
  returnId: string,
  note: string | undefined,
  who: OrderActor & { access: OrderAccess },
  deps: ReturnDeps = returnDeps(),
): Promise<OrderReturn> {
  await requireOrderFor(deps, orderId, who.access);
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
    const ret = await requireReturn(deps, orderId, returnId);
    if (!ret.lines.some((line) => line.handling === 'send-back')) {
      throw new ConflictError('return-has-no-goods', `Return ${returnId} is of fresh food only, which is refunded without being sent back: there is nothing to receive.`, {
        extensions: { orderId, returnId },
      });
    }
    if (ret.status !== 'awaiting-goods') {
      if (ret.status === 'requested') {
        throw new ConflictError('return-not-awaiting-goods', `Return ${returnId} is still being requested: its refund of fresh food is not made yet.`, {
          extensions: { orderId, returnId, status: ret.status },
        });
      }
      return ret;
    }
    const next = moved(ret, 'received', deps.now().toISOString(), who.actor, {}, note);
    try {
      await transactWrite(deps, [putReturn(deps, next, ret)]);
      return next;
    } catch (error) {
      // Someone else received it first: the loop reads it again and answers it.
      if (!(error instanceof TransactionCancelled)) throw error;
    }
  }
  throw new ReturnBusyError(orderId);
}

/** The request's outcome for each line, checked against the return: every line sent back once, restocked only when it can be sold again. */
function outcomesOf(ret: OrderReturn, request: InspectReturnRequest): Map<string, ReturnOutcome> {
  const lines = new Map(ret.lines.map((line) => [line.lineId, line]));
  const errors: FieldError[] = [];
  const perishable: FieldError[] = [];
  const outcomes = new Map<string, ReturnOutcome>();
  request.lines.forEach((asked, i) => {
    const at = `body.lines.${i}`;
    const line = lines.get(asked.lineId);
    if (line === undefined) return errors.push({ field: `${at}.lineId`, message: `line ${asked.lineId} is not in return ${ret.id}` });
    if (line.handling !== 'send-back') return errors.push({ field: `${at}.lineId`, message: `line ${asked.lineId} was refunded without being sent back: there is nothing to inspect` });
    if (outcomes.has(asked.lineId)) return errors.push({ field: `${at}.lineId`, message: `line ${asked.lineId} is inspected twice` });
    const { lineId: _line, ...outcome } = asked;
    outcomes.set(asked.lineId, outcome);
    if (outcome.disposition === 'restock' && line.zone !== undefined && PERISHABLE_ZONES.includes(line.zone)) {
      perishable.push({ field: `${at}.disposition`, message: `line ${asked.lineId} travelled ${line.zone}: it cannot be sold again, write it off` });
    }
  });
  const missing = ret.lines.filter((line) => line.handling === 'send-back' && !outcomes.has(line.lineId));
  if (missing.length > 0) errors.push({ field: 'body.lines', message: `every line sent back must be inspected once; missing ${missing.map((line) => line.lineId).join(', ')}` });
  if (errors.length > 0) throw new ValidationError(errors, `The inspection does not fit return ${ret.id}.`);
  if (perishable.length > 0) {
    throw new AppError('unprocessable', 'perishable-not-restockable', 'Goods that travelled chilled or frozen cannot be sold again: write them off.', { fields: perishable });
  }
  return outcomes;
}

const sameOutcomes = (ret: OrderReturn, outcomes: ReadonlyMap<string, ReturnOutcome>) =>
  ret.lines.every((line) => line.handling !== 'send-back' || JSON.stringify(line.outcome) === JSON.stringify(outcomes.get(line.lineId)));

/**
 * `POST /orders/{id}/returns/{returnId}/inspect`: staff of the order's store say for every line sent back whether it goes
 * back on sale (`restock`) or is written off with a reason. The return moves to `inspected` with the stock (each SKU
 * restocked under the version read, its audit entry and `inventory.adjusted`; each write-off its audit entry) in one
 * transaction, then the lines sent back are refunded with the return's move to `refunded` (see `makeRefund`). Asking
 * again with the same outcomes finishes what is left and answers the return; other outcomes once inspected are a 409.
 *
 * @throws NotFoundError (404) for an unknown order or return, or another store's
 * @throws ValidationError (400) naming each line not in the return, not sent back, inspected twice, or missing
 * @throws AppError (422 `perishable-not-restockable`) for restocking goods that travelled chilled or frozen
 * @throws ConflictError (409 `return-not-received`) before the goods are received; (409 `return-inspected`) for
 *   other outcomes than those already recorded
 * @throws ConflictError (409 `refund-refused`) when the payment provider refuses the refund
 */
export async function inspectReturn(
  orderId: string,
  returnId: string,
  request: InspectReturnRequest,
  who: OrderActor & { access: OrderAccess },
  deps: ReturnDeps = returnDeps(),
): Promise<OrderReturn> {
  await requireOrderFor(deps, orderId, who.access);
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
    const ret = await requireReturn(deps, orderId, returnId);
    const outcomes = outcomesOf(ret, request);
    if (ret.status === 'requested' || ret.status === 'awaiting-goods') {
      throw new ConflictError('return-not-received', `Return ${returnId} is ${ret.status}: its goods must be received before they are inspected.`, {
        extensions: { orderId, returnId, status: ret.status },
      });
    }
    if (ret.status !== 'received') {
      if (!sameOutcomes(ret, outcomes)) {
        throw new ConflictError('return-inspected', `Return ${returnId} was inspected already, with other outcomes.`, { extensions: { orderId, returnId, status: ret.status } });
      }
      return ret.status === 'inspected' ? refundStage(await requireOrder(deps, orderId), ret, 'on-inspection', 'refunded', who, deps) : ret;
    }
    const inspected = moved(ret, 'inspected', deps.now().toISOString(), who.actor, {
      lines: ret.lines.map((line) => {
        const outcome = outcomes.get(line.lineId);
        return outcome === undefined ? line : { ...line, outcome };
      }),
    });
    try {
      await transactWrite(deps, [putReturn(deps, inspected, ret), ...(await returnStockItems(deps, inspected, who))]);
    } catch (error) {
      // Another inspection of the return, or a change of the stock read: the loop reads both again.
      if (!(error instanceof TransactionCancelled)) throw error;
      await backoff(attempt);
      continue;
    }
    return refundStage(await requireOrder(deps, orderId), inspected, 'on-inspection', 'refunded', who, deps);
  }
  throw new ReturnBusyError(orderId);
}

/**
 * An order's returns, oldest first, for `GET /orders/{id}/returns`.
 * @throws NotFoundError (404) for an order the caller does not reach
 */
export async function listReturns(orderId: string, access: OrderAccess, deps: OrderDeps = orderDeps()): Promise<OrderReturn[]> {
  await requireOrderFor(deps, orderId, access);
  const items = await queryAll(deps, {
    TableName: deps.tableName,
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':pk': keys.order(orderId).pk, ':prefix': PREFIXES.orderReturn },
    ConsistentRead: true,
  });
  return items.map(returnFromItem).sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
}

/**
 * One return of an order, for `GET /orders/{id}/returns/{returnId}`.
 * @throws NotFoundError (404) for an order the caller does not reach, or a return it does not have
 */
export async function readReturn(orderId: string, returnId: string, access: OrderAccess, deps: OrderDeps = orderDeps()): Promise<OrderReturn> {
  await requireOrderFor(deps, orderId, access);
  return requireReturn(deps, orderId, returnId);
}
