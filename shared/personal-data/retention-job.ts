import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import type { TableDeps } from '../db/deps.js';
import { INDEXES, keys } from '../db/keys.js';
import { queryAll } from '../db/query.js';
import { bookDay } from '../orders/books.js';
import { retentionCutoff, retentionFor } from './retention.js';

/**
 * The daily retention run: financial records past their jurisdiction's period are deleted. For each store, the orders
 * created on the days that crossed the store's `financialRecords` period (found by store and day, gsi2) go with
 * everything kept beside them (refunds, returns, payments, the invoice and credit-note mappings), and so do the
 * store's lines in the day's books. It reads a window of `CATCH_UP_DAYS` days up to the cutoff, so a run missed for
 * less than that is made up by the next; what it already deleted is simply not found again, so a rerun changes nothing.
 *
 * What the job does not do, because something cheaper already does it: carts (DynamoDB's TTL, `CART_IDLE_DAYS`, which
 * the unit tests hold to the `abandonedCarts` period), exports (their record's TTL and the bucket's lifecycle rule on
 * `personal-data/`, both the `exports` period).
 */

/** Days before the cutoff that each run looks at again. */
export const CATCH_UP_DAYS = 7;

/** What a run deleted. */
export interface RetentionSummary {
  /** The days whose records were looked at, per store. */
  windows: { storeId: string; jurisdiction: string; from: string; to: string }[];
  ordersDeleted: number;
  itemsDeleted: number;
  booksDeleted: number;
}

/** Every store's id and jurisdiction, read without the rest of the store. */
async function storeJurisdictions(deps: TableDeps): Promise<{ storeId: string; jurisdiction: string }[]> {
  const items = await queryAll(deps, {
    TableName: deps.tableName,
    IndexName: INDEXES.gsi1.name,
    KeyConditionExpression: 'gsi1pk = :pk',
    ExpressionAttributeValues: { ':pk': keys.storeListing('').gsi1pk },
    ProjectionExpression: 'id, taxJurisdiction',
  });
  return items.map((s) => ({ storeId: String(s.id), jurisdiction: String(s.taxJurisdiction ?? '') }));
}

/** `to` (excluded) and the `CATCH_UP_DAYS` days before it. */
function daysBefore(to: string): string[] {
  const end = Date.parse(`${to}T00:00:00.000Z`);
  return Array.from({ length: CATCH_UP_DAYS }, (_, i) => bookDay(new Date(end - (CATCH_UP_DAYS - i) * 86_400_000).toISOString()));
}

const partition = (pk: string, deps: TableDeps) =>
  queryAll(deps, { TableName: deps.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk }, ConsistentRead: true });

/** An order and every item kept for it, as keys to delete. */
async function orderRecords(orderId: string, deps: TableDeps): Promise<{ pk?: unknown; sk?: unknown }[]> {
  const [own, invoice, credits, payments] = await Promise.all([
    partition(keys.order(orderId).pk, deps),
    partition(keys.invoiceByOrder(orderId).pk, deps),
    partition(keys.creditNoteByRefund(orderId, '').pk, deps),
    queryAll(deps, {
      TableName: deps.tableName,
      IndexName: INDEXES.gsi1.name,
      KeyConditionExpression: 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.paymentsByOrder(orderId, '').gsi1pk },
    }),
  ]);
  const refs = [
    ...invoice.filter((i) => typeof i.invoiceReference === 'string').map((i) => keys.orderByInvoice(String(i.invoiceReference))),
    ...credits.filter((c) => typeof c.creditNoteReference === 'string').map((c) => keys.refundByCreditNote(String(c.creditNoteReference))),
  ];
  // The order item itself last: while it is there, a run that stopped half-way finds it (and the rest) again.
  const order = own.filter((i) => i.sk === keys.order(orderId).sk);
  const rest = own.filter((i) => i.sk !== keys.order(orderId).sk);
  return [...rest, ...invoice, ...credits, ...payments, ...refs, ...order];
}

const remove = (item: { pk?: unknown; sk?: unknown }, deps: TableDeps) => deps.db.send(new DeleteCommand({ TableName: deps.tableName, Key: { pk: item.pk, sk: item.sk } }));

/**
 * Applies the retention periods as of `now` (see the module comment).
 * @returns what was deleted; a second run at the same `now` deletes nothing
 */
export async function applyRetention(now: Date, deps: TableDeps): Promise<RetentionSummary> {
  const summary: RetentionSummary = { windows: [], ordersDeleted: 0, itemsDeleted: 0, booksDeleted: 0 };
  for (const { storeId, jurisdiction } of await storeJurisdictions(deps)) {
    const cutoff = bookDay(retentionCutoff(retentionFor(jurisdiction).financialRecords, now).toISOString());
    const days = daysBefore(cutoff);
    summary.windows.push({ storeId, jurisdiction, from: days[0]!, to: days[days.length - 1]! });
    for (const day of days) {
      const orders = await queryAll(deps, {
        TableName: deps.tableName,
        IndexName: INDEXES.gsi2.name,
        KeyConditionExpression: 'gsi2pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.ordersByStoreDay(storeId, `${day}T00:00:00.000Z`, '', '').gsi2pk },
      });
      for (const order of orders) {
        for (const item of await orderRecords(String(order.id), deps)) {
          await remove(item, deps);
          summary.itemsDeleted += 1;
        }
        summary.ordersDeleted += 1;
      }
      const books = await queryAll(deps, {
        TableName: deps.tableName,
        KeyConditionExpression: 'pk = :pk',
        FilterExpression: 'storeId = :store',
        ExpressionAttributeValues: { ':pk': keys.financialRecord(day, 'SALE', '').pk, ':store': storeId },
      });
      for (const line of books) {
        await remove(line, deps);
        summary.booksDeleted += 1;
      }
    }
  }
  return summary;
}
