import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { EventContract } from '../../events/contract.js';
import { orderCompletedV1 } from '../../events/orders/order-completed.v1.js';
import { orderRefundedV1 } from '../../events/orders/order-refunded.v1.js';
import type { TableDeps } from '../db/deps.js';
import { keys } from '../db/keys.js';
import { TransactionCancelled, transactWrite } from '../db/transact.js';
import { requireOrder } from '../orders/repository.js';
import { requireStore } from '../stores/repository.js';
import { refundContribution, saleContribution, type Contribution, type Counters, type RefundFigures } from './contribution.js';

/**
 * The running totals behind the sales, refunds and tax reports: one item per store and local day
 * (`REPORT#<storeId>` / `DAY#<yyyy-mm-dd>`) whose counters are added to as orders complete and refunds are recorded.
 * Each sale and refund is counted once by a marker named after the sale or refund itself (`REPORT_APPLIED#SALE#<orderId>`,
 * `REPORT_APPLIED#REFUND#<orderId>#<refundRef>`), put in the same transaction as the `ADD`: a redelivered event, the
 * same event emitted twice, or the backfill of a sale an event already counted all cancel on it and change nothing.
 */

export const REPORT_DAY_SCHEMA_VERSION = 1;

/** The attributes of a day item that are not counters. */
const DAY_FIELDS = new Set(['pk', 'sk', 'entityType', 'schemaVersion', 'storeId', 'day', 'currency', 'updatedAt']);

/** A store's day item has counters in another currency than the one being added: a store changed currency mid-day. */
export class ReportCurrencyMismatchError extends Error {
  override readonly name = 'ReportCurrencyMismatchError';
}

/**
 * Adds a contribution to its store's day, once per `ref`.
 * @returns whether it was added (false: `ref` was counted before, nothing changed)
 * @throws ReportCurrencyMismatchError when the day already counts another currency
 */
export async function applyContribution(deps: TableDeps, ref: string, contribution: Contribution): Promise<boolean> {
  const names: Record<string, string> = { '#currency': 'currency' };
  const values: Record<string, unknown> = {
    ':currency': contribution.currency,
    ':entityType': 'ReportDay',
    ':schemaVersion': REPORT_DAY_SCHEMA_VERSION,
    ':storeId': contribution.storeId,
    ':day': contribution.day,
    ':now': deps.now().toISOString(),
  };
  const adds = Object.entries(contribution.counters).map(([name, amount], i) => {
    names[`#c${i}`] = name;
    values[`:c${i}`] = amount;
    return `#c${i} :c${i}`;
  });
  const set = 'SET #currency = if_not_exists(#currency, :currency), entityType = :entityType, schemaVersion = :schemaVersion, storeId = :storeId, #day = :day, updatedAt = :now';
  names['#day'] = 'day';
  try {
    await transactWrite(deps, [
      {
        Put: {
          TableName: deps.tableName,
          Item: { ...keys.reportApplied(ref), entityType: 'ReportApplied', schemaVersion: 1, storeId: contribution.storeId, day: contribution.day, at: deps.now().toISOString() },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      {
        Update: {
          TableName: deps.tableName,
          Key: keys.reportDay(contribution.storeId, contribution.day),
          UpdateExpression: adds.length > 0 ? `${set} ADD ${adds.join(', ')}` : set,
          ConditionExpression: 'attribute_not_exists(#currency) OR #currency = :currency',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        },
      },
    ]);
    return true;
  } catch (error) {
    if (!(error instanceof TransactionCancelled)) throw error;
    if (error.codes[0] === 'ConditionalCheckFailed') return false;
    if (error.codes[1] === 'ConditionalCheckFailed') {
      throw new ReportCurrencyMismatchError(`store ${contribution.storeId} already counts ${contribution.day} in another currency than ${contribution.currency}`, { cause: error });
    }
    throw error;
  }
}


/**
 * Counts a completed order's sale in its store's day, once. The order is read back for what the event does not carry
 * (discounts, fees, each line's tax rate); its lines and totals are frozen once it completed, so a later read gives
 * the same figures.
 * @returns whether it was counted now (false: it was counted before)
 */
export async function recordSale(sale: { orderId: string; completedAt: string }, deps: TableDeps): Promise<boolean> {
  const order = await requireOrder(deps, sale.orderId);
  const store = await requireStore(order.storeId, deps);
  return applyContribution(deps, keys.reportSaleRef(order.id), saleContribution(order, sale.completedAt, store));
}

/**
 * Counts a refund in its store's day (the day it was made, which may be another than its sale's), once.
 * @returns whether it was counted now (false: it was counted before)
 */
export async function recordRefund(refund: RefundFigures & { orderId: string; refundRef: string }, deps: TableDeps): Promise<boolean> {
  const order = await requireOrder(deps, refund.orderId);
  const store = await requireStore(order.storeId, deps);
  return applyContribution(deps, keys.reportRefundRef(order.id, refund.refundRef), refundContribution(order, refund, store));
}

/** One stored day: its date, currency and counters. */
export interface StoredDay {
  day: string;
  currency: string;
  counters: Counters;
}

/** A day item back as a {@link StoredDay}: every attribute that is not a key or a field is a counter. */
export function storedDayOf(item: Record<string, unknown>): StoredDay {
  const counters: Counters = {};
  for (const [name, value] of Object.entries(item)) if (!DAY_FIELDS.has(name) && typeof value === 'number') counters[name] = value;
  return { day: String(item.day), currency: String(item.currency), counters };
}

/**
 * A store's stored days from `from` to `to` (inclusive, local `yyyy-mm-dd`), in order: one Query over the day range,
 * so a year reads at most 366 items (a day item is a few hundred bytes, far from a page's 1 MB; further pages are
 * followed all the same). `onPage` sees each page's item count, for tests that bound the reads.
 */
export async function readDays(deps: TableDeps, storeId: string, from: string, to: string, onPage?: (count: number) => void): Promise<StoredDay[]> {
  const days: StoredDay[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await deps.db.send(
      new QueryCommand({
        TableName: deps.tableName,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':pk': keys.reportDay(storeId, from).pk, ':from': keys.reportDay(storeId, from).sk, ':to': keys.reportDay(storeId, to).sk },
        ExclusiveStartKey: start,
      }),
    );
    onPage?.(page.Items?.length ?? 0);
    days.push(...(page.Items ?? []).map(storedDayOf));
    start = page.LastEvaluatedKey;
  } while (start);
  return days;
}

/** An event as EventBridge delivers it to a queue, checked against its contract. */
function delivered<S extends z.ZodType>(contract: EventContract<S>) {
  return z.object({
    'detail-type': z.literal(contract.detailType),
    source: z.literal(contract.source),
    detail: z.object({ id: z.string(), version: z.literal(contract.version), data: contract.schema }),
  });
}

/**
 * What the report totals' queue carries: `order.completed` and `order.refunded`. One queue for both, since each is one
 * small transaction and every queue costs the redrive function's stack parameters (infra: FunctionsOps).
 */
export const TotalsMessage = z.union([delivered(orderCompletedV1), delivered(orderRefundedV1)]);
export type TotalsMessage = z.infer<typeof TotalsMessage>;

/**
 * Counts the sale or refund a delivered event announces, once however often it arrives.
 * @returns what it was about and whether it was counted now (false: counted before)
 */
export async function recordDelivered(message: TotalsMessage, deps: TableDeps): Promise<{ kind: 'sale' | 'refund'; orderId: string; eventId: string; counted: boolean }> {
  const { id: eventId } = message.detail;
  if (message['detail-type'] === orderCompletedV1.detailType) {
    const sale = message.detail.data as z.infer<typeof orderCompletedV1.schema>;
    return { kind: 'sale', orderId: sale.orderId, eventId, counted: await recordSale(sale, deps) };
  }
  const refund = message.detail.data as z.infer<typeof orderRefundedV1.schema>;
  return { kind: 'refund', orderId: refund.orderId, eventId, counted: await recordRefund(refund, deps) };
}
