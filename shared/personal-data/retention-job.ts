import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import type { TableDeps } from '../db/deps.js';
import { ACTIVITY_SHARDS, activityPartition, INDEXES, keys } from '../db/keys.js';
import { queryAll } from '../db/query.js';
import { bookDay } from '../orders/books.js';
import { itemAt } from './collect.js';
import { OrdersInFlightError, requestErasure, ShopperActiveError } from './erasure.js';
import { inactivityCutoffDay, isInactivePast, retentionCutoff, retentionFor, shortestInactivity } from './retention.js';

/**
 * The daily retention run. Accounts nobody used for their jurisdiction's `inactiveAccounts` period are erased: found
 * through the sparse activity index (gsi2, `keys.shopperActivity`: one range query per shard, never a scan), each
 * erasure requested as the system would a shopper's own (`requestErasure`, audited with the reason), so the erasure
 * worker does the rest and keeps the financial records; an account with an order in flight is skipped until a later
 * run. A shopper's jurisdiction is their preferred store's, else the platform default (`DEFAULT_RETENTION`).
 *
 * Financial records past their jurisdiction's period are deleted. For each store, the orders
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

/** Who asks for the erasure of an inactive account: the erasure record and its audit entry name the job. */
export const RETENTION_REQUESTER = 'system:retention';

/** What a run did about inactive accounts. */
export interface InactiveAccountsSummary {
  /** The day before which an account's last use made it a candidate (the shortest period of any jurisdiction). */
  before: string;
  /** Accounts whose entry in the activity index is before that day. */
  candidates: number;
  /** Erasures this run requested. */
  erasuresRequested: number;
  /** Accounts whose erasure was already requested (by their holder, staff, or an earlier run not yet finished). */
  alreadyRequested: number;
  /** Candidates kept: inside their own jurisdiction's longer period, or used again since the index was read. */
  kept: number;
  /** Accounts inactive past their period but with an order in flight or a basket held: a later run tries again. */
  skipped: { shopperId: string; orderIds: readonly string[]; heldCartIds: readonly string[] }[];
}

/** What a run deleted, and the erasures it requested. */
export interface RetentionSummary {
  /** The days whose records were looked at, per store. */
  windows: { storeId: string; jurisdiction: string; from: string; to: string }[];
  ordersDeleted: number;
  itemsDeleted: number;
  booksDeleted: number;
  inactiveAccounts: InactiveAccountsSummary;
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

type InactiveOutcome = 'requested' | 'already-requested' | 'kept' | OrdersInFlightError;

/**
 * Requests the erasure of one candidate when its profile, read strongly (the index is eventually consistent, and the
 * shopper may have come back since it was written), is still inactive past its jurisdiction's period.
 */
async function eraseIfInactive(shopperId: string, now: Date, jurisdictions: ReadonlyMap<string, string>, deps: TableDeps): Promise<InactiveOutcome> {
  const profile = await itemAt(keys.shopperProfile(shopperId), deps);
  if (!profile) return 'kept';
  if (profile.erasureRequestedAt !== undefined) return 'already-requested';
  // A profile that never recorded a visit (made before activity was) counts as last used the day it was made.
  const lastActive = typeof profile.lastActiveAt === 'string' ? profile.lastActiveAt : typeof profile.createdAt === 'string' ? profile.createdAt.slice(0, 10) : undefined;
  const jurisdiction = typeof profile.preferredStoreId === 'string' ? (jurisdictions.get(profile.preferredStoreId) ?? '') : '';
  const period = retentionFor(jurisdiction).inactiveAccounts;
  if (lastActive === undefined || !isInactivePast(lastActive, period, now)) return 'kept';
  try {
    const reason = `Account unused since ${lastActive}, past the ${period.days} days of ${jurisdiction || 'the default'} rules. ${period.basis}`;
    const before = inactivityCutoffDay(period, now);
    const { accepted } = await requestErasure(shopperId, { actor: RETENTION_REQUESTER, reason }, deps, { onlyIfInactiveBefore: before });
    return accepted ? 'requested' : 'already-requested';
  } catch (error) {
    if (error instanceof OrdersInFlightError) return error;
    if (error instanceof ShopperActiveError) return 'kept';
    throw error;
  }
}

/** Requests the erasure of every account inactive past its jurisdiction's period (see the module comment). */
async function eraseInactiveAccounts(now: Date, jurisdictions: ReadonlyMap<string, string>, deps: TableDeps): Promise<InactiveAccountsSummary> {
  const before = inactivityCutoffDay(shortestInactivity(), now);
  const summary: InactiveAccountsSummary = { before, candidates: 0, erasuresRequested: 0, alreadyRequested: 0, kept: 0, skipped: [] };
  for (let shard = 0; shard < ACTIVITY_SHARDS; shard += 1) {
    const entries = await queryAll(deps, {
      TableName: deps.tableName,
      IndexName: INDEXES.gsi2.name,
      // Sort keys are `<day>#<shopperId>`: every one of a day before `before` sorts below the bare day.
      KeyConditionExpression: 'gsi2pk = :pk AND gsi2sk < :before',
      ExpressionAttributeValues: { ':pk': activityPartition(shard), ':before': before },
      ProjectionExpression: 'shopperId',
    });
    for (const entry of entries) {
      summary.candidates += 1;
      const outcome = await eraseIfInactive(String(entry.shopperId), now, jurisdictions, deps);
      if (outcome === 'requested') summary.erasuresRequested += 1;
      else if (outcome === 'already-requested') summary.alreadyRequested += 1;
      else if (outcome === 'kept') summary.kept += 1;
      else summary.skipped.push({ shopperId: String(entry.shopperId), orderIds: outcome.extensions?.orderIds as string[], heldCartIds: outcome.extensions?.heldCartIds as string[] });
    }
  }
  return summary;
}

const remove = (item: { pk?: unknown; sk?: unknown }, deps: TableDeps) => deps.db.send(new DeleteCommand({ TableName: deps.tableName, Key: { pk: item.pk, sk: item.sk } }));

/**
 * Applies the retention periods as of `now` (see the module comment).
 * @returns what was deleted and which erasures were requested; a second run at the same `now` deletes nothing and
 *   requests no erasure again (it finds them already requested, or done)
 */
export async function applyRetention(now: Date, deps: TableDeps): Promise<RetentionSummary> {
  const stores = await storeJurisdictions(deps);
  const inactiveAccounts = await eraseInactiveAccounts(now, new Map(stores.map((s) => [s.storeId, s.jurisdiction])), deps);
  const summary: RetentionSummary = { windows: [], ordersDeleted: 0, itemsDeleted: 0, booksDeleted: 0, inactiveAccounts };
  for (const { storeId, jurisdiction } of stores) {
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
