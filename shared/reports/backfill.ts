import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { TableDeps } from '../db/deps.js';
import { keys, PREFIXES } from '../db/keys.js';
import { queryAll } from '../db/query.js';
import { NotFoundError } from '../errors.js';
import type { RefundFigures } from './contribution.js';
import { recordRefund, recordSale } from './running-totals.js';

/**
 * Builds the report totals for sales and refunds made before the totals existed, from the day's books (O10): every
 * sale and refund of each UTC day from `from` to `to`, through the same contribution and dedupe as the consumer
 * (`recordSale`, `recordRefund`), so a rerun, an overlap with the consumer, or a day backfilled twice counts nothing
 * twice. A sale whose order is gone (its retention period passed) cannot be split by rate and is skipped, and counted.
 */

/** What a backfill did: records read, counted now, counted before, and skipped for want of their order. */
export interface BackfillOutcome {
  days: number;
  read: number;
  counted: number;
  alreadyCounted: number;
  orderGone: number;
}

/** A refund as its record (O7) has it: version 2 records carry the credit note's lines; version 1 has one amount and no tax. */
async function refundFigures(deps: TableDeps, book: Record<string, unknown>): Promise<RefundFigures & { orderId: string; refundRef: string }> {
  const orderId = String(book.orderId);
  const refundRef = String(book.refundRef);
  const { Item } = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: keys.orderRefund(orderId, refundRef) }));
  const amount = Number(book.amount);
  const tax = Number(book.tax ?? 0);
  const lines = Array.isArray(Item?.lines) ? (Item.lines as RefundFigures['lines']) : [{ sku: 'REFUND', amount, tax }];
  return { orderId, refundRef, amount, tax, lines, at: String(book.at) };
}

/**
 * Backfills the UTC days `from` to `to` (inclusive, `yyyy-mm-dd`), one day's books partition at a time.
 * @param onDay sees each day's outcome as it finishes, for a script's progress
 */
export async function backfillReportTotals(deps: TableDeps, from: string, to: string, onDay?: (day: string, outcome: BackfillOutcome) => void): Promise<BackfillOutcome> {
  const total: BackfillOutcome = { days: 0, read: 0, counted: 0, alreadyCounted: 0, orderGone: 0 };
  for (let at = Date.parse(`${from}T00:00:00Z`); at <= Date.parse(`${to}T00:00:00Z`); at += 86_400_000) {
    const day = new Date(at).toISOString().slice(0, 10);
    const outcome: BackfillOutcome = { days: 1, read: 0, counted: 0, alreadyCounted: 0, orderGone: 0 };
    const books = await queryAll(deps, { TableName: deps.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': keys.financialRecord(day, 'SALE', '').pk } });
    for (const book of books) {
      outcome.read += 1;
      try {
        const sk = String(book.sk);
        const counted = sk.startsWith(PREFIXES.financialRecord.sale)
          ? await recordSale({ orderId: String(book.orderId), completedAt: String(book.at) }, deps)
          : await recordRefund(await refundFigures(deps, book), deps);
        if (counted) outcome.counted += 1;
        else outcome.alreadyCounted += 1;
      } catch (error) {
        if (!(error instanceof NotFoundError)) throw error;
        outcome.orderGone += 1;
      }
    }
    onDay?.(day, outcome);
    for (const field of ['days', 'read', 'counted', 'alreadyCounted', 'orderGone'] as const) total[field] += outcome[field];
  }
  return total;
}
