import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { z } from 'zod';
import type { orderCompletedV1 } from '../../events/orders/order-completed.v1.js';
import { keys, TTL_ATTRIBUTE, type Key } from '../db/keys.js';
import { TransactionCancelled, transactWrite, type TransactItem } from '../db/transact.js';

/**
 * Purchase history, from completed orders: per product, how many orders included it
 * (`PRODUCT#<id>` / `SALES`), and per pair of products, how many orders included both
 * (`COPURCHASE#<a>` / `WITH#<b>`, written both ways so that either side is one query).
 *
 * It belongs to search, whose consumer `search-record-order-history` writes it and whose index
 * ranks by product sales (`build.ts`); recommendations, built on search, reads the co-purchases.
 * Kept here rather than in `shared/recommendations`, so that search never imports recommendations.
 */

/** Only the first products of a large order count towards pairs: 30 products make 870 pair updates. */
export const MAX_PRODUCTS_PER_ORDER = 30;

/** The consumer name its processed-event markers are kept under: named when this lived in recommendations, and stored. */
const ORDER_HISTORY_CONSUMER = 'recommendations-order-history';

const SCHEMA_VERSION = 1;
/** DynamoDB's limit on the items of one transaction, one of which is the chunk's processed marker. */
const MAX_TRANSACTION_ITEMS = 100;
/** Markers outlive SQS's longest retention (14 days) twice over: no redelivery can find one gone. */
const MARKER_RETENTION_SECONDS = 28 * 24 * 60 * 60;

export interface OrderHistoryDeps {
  db: DynamoDBDocumentClient;
  tableName: string;
  now: () => Date;
}

export interface ProductSales {
  productId: string;
  /** Completed orders that included the product. */
  orders: number;
}

export interface CoPurchase {
  productId: string;
  otherProductId: string;
  /** Completed orders that included both. */
  orders: number;
}

/** Reads a co-purchase item back. */
export function coPurchaseFromItem(item: Record<string, unknown>): CoPurchase {
  return { productId: String(item.productId), otherProductId: String(item.otherProductId), orders: Number(item.orders) };
}

/** Reads a product sales item back. */
export function salesFromItem(item: Record<string, unknown>): ProductSales {
  return { productId: String(item.productId), orders: Number(item.orders) };
}

function increment(tableName: string, key: Key, entityType: string, fields: Record<string, string>): TransactItem {
  const names: Record<string, string> = { '#type': 'entityType', '#version': 'schemaVersion', '#orders': 'orders' };
  const values: Record<string, unknown> = { ':type': entityType, ':version': SCHEMA_VERSION, ':one': 1 };
  const sets = ['#type = :type', '#version = :version'];
  for (const [name, value] of Object.entries(fields)) {
    names[`#${name}`] = name;
    values[`:${name}`] = value;
    sets.push(`#${name} = :${name}`);
  }
  return {
    Update: {
      TableName: tableName,
      Key: key,
      UpdateExpression: `SET ${sets.join(', ')} ADD #orders :one`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
  };
}

/** The counter updates one order makes, in a fixed order (so that a redelivery chunks them the same way). */
function orderUpdates(tableName: string, order: Pick<z.infer<typeof orderCompletedV1.schema>, 'lines'>): TransactItem[] {
  const products = [...new Set(order.lines.map((l) => l.productId))].slice(0, MAX_PRODUCTS_PER_ORDER);
  const sales = products.map((productId) => increment(tableName, keys.productSales(productId), 'ProductSales', { productId }));
  const pairs = products.flatMap((productId) =>
    products
      .filter((other) => other !== productId)
      .map((otherProductId) => increment(tableName, keys.coPurchase(productId, otherProductId), 'CoPurchase', { productId, otherProductId })),
  );
  return [...sales, ...pairs];
}

/**
 * Counts a completed order into the purchase history, exactly once per event. The updates go in
 * transactions of up to 99, each with a marker for (event, chunk) that must not exist yet: a
 * redelivered event finds the markers of the chunks that committed and redoes only the others.
 * @returns how many chunks this call applied and how many an earlier delivery already had
 */
export async function recordCompletedOrder(
  eventId: string,
  order: Pick<z.infer<typeof orderCompletedV1.schema>, 'lines'>,
  deps: OrderHistoryDeps,
): Promise<{ applied: number; alreadyApplied: number }> {
  const updates = orderUpdates(deps.tableName, order);
  const perChunk = MAX_TRANSACTION_ITEMS - 1;
  const expiresAt = Math.floor(deps.now().getTime() / 1000) + MARKER_RETENTION_SECONDS;
  let applied = 0;
  let alreadyApplied = 0;
  for (let chunk = 0; chunk * perChunk < updates.length; chunk++) {
    const marker: TransactItem = {
      Put: {
        TableName: deps.tableName,
        Item: { ...keys.processedEvent(ORDER_HISTORY_CONSUMER, `${eventId}#${chunk}`), entityType: 'ProcessedEvent', schemaVersion: SCHEMA_VERSION, [TTL_ATTRIBUTE]: expiresAt },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
    try {
      await transactWrite(deps, [marker, ...updates.slice(chunk * perChunk, (chunk + 1) * perChunk)]);
      applied++;
    } catch (error) {
      if (!(error instanceof TransactionCancelled && error.failedConditions().includes(0))) throw error;
      alreadyApplied++;
    }
  }
  return { applied, alreadyApplied };
}
