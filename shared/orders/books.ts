import type { TransactItem } from '../db/transact.js';
import { keys } from '../db/keys.js';
import { capturedTax } from './charges.js';
import type { Order } from './model.js';

/**
 * The day's books: one record per sale (an order completed) and per refund, written in the very transaction that
 * changes the order, so the record exists exactly when the money moved. Billing sync invoices from events; the
 * nightly reconciliation compares the billing system's exports against these records, never against the events.
 */

export const BOOKS_SCHEMA_VERSION = 1;

/** `2026-11-26T10:00:00.000Z` → `2026-11-26`. */
export function bookDay(at: string): string {
  return at.slice(0, 10);
}

/**
 * A sale's record: what was captured, with its tax (the lines' as handed over and the fees', as the invoice has it), for
 * the day the order completed.
 */
export function saleRecordItem(tableName: string, order: Order, completedAt: string): TransactItem {
  const tax = capturedTax(order);
  return {
    Put: {
      TableName: tableName,
      Item: {
        ...keys.financialRecord(bookDay(completedAt), 'SALE', order.id),
        entityType: 'BooksSale',
        schemaVersion: BOOKS_SCHEMA_VERSION,
        orderId: order.id,
        shopperId: order.shopperId,
        storeId: order.storeId,
        channel: order.channel,
        ...(order.posReference === undefined ? {} : { posReference: order.posReference }),
        currency: order.totals.currency,
        total: order.payment.captured,
        tax,
        at: completedAt,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

/**
 * A refund's record, for the day it was made, with the tax in it (as its credit note has it); `refundRef` tells apart the
 * refunds of one order.
 */
export function refundRecordItem(tableName: string, order: Order, refund: { refundRef: string; amount: number; tax: number }, at: string): TransactItem {
  const { refundRef, amount, tax } = refund;
  return {
    Put: {
      TableName: tableName,
      Item: {
        ...keys.financialRecord(bookDay(at), 'REFUND', `${order.id}#${refundRef}`),
        entityType: 'BooksRefund',
        schemaVersion: BOOKS_SCHEMA_VERSION,
        orderId: order.id,
        refundRef,
        shopperId: order.shopperId,
        storeId: order.storeId,
        currency: order.totals.currency,
        amount,
        tax,
        at,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}
