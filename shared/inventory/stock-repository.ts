import type { StockLevel } from '../../events/inventory/stock-level.js';
import { batchGet } from '../db/batch.js';
import { keys } from '../db/keys.js';
import { queryAll } from '../db/query.js';
import type { TransactItem } from '../db/transact.js';
import type { InventoryDeps } from './deps.js';
import { StockItem } from './model.js';

/**
 * Stock items in the single table: one per (SKU, store) under `STOCK#<sku>` (so every store's stock of a SKU is
 * one query) and in gsi1 under `STORE_STOCK#<store>` (a store's whole stock). Reservations and releases change
 * them with relative updates under conditions (`available >= :q`), never by reading and writing back.
 */

export const STOCK_SCHEMA_VERSION = 1;

/** Lead time of a stock item created by its first adjustment, until someone sets it. */
export const DEFAULT_LEAD_TIME_DAYS = 2;

export function stockItem(stock: StockItem): Record<string, unknown> {
  return {
    ...keys.stock(stock.sku, stock.storeId),
    ...keys.stockByStore(stock.storeId, stock.sku),
    entityType: 'Stock',
    schemaVersion: STOCK_SCHEMA_VERSION,
    ...stock,
  };
}

export function stockFromItem(item: Record<string, unknown>): StockItem {
  const { pk: _pk, sk: _sk, gsi1pk: _gsi1pk, gsi1sk: _gsi1sk, entityType: _type, schemaVersion: _version, ...rest } = item;
  return StockItem.parse(rest);
}

/** The level an event reports for a stock item. */
export function levelOf(stock: StockItem): StockLevel {
  return { sku: stock.sku, storeId: stock.storeId, available: stock.available, reserved: stock.reserved, committed: stock.committed, version: stock.version };
}

/** Stock of these SKUs at one store, read strongly consistent; SKUs never stocked there are absent. */
export async function readStockAt(storeId: string, skus: readonly string[], deps: InventoryDeps): Promise<Map<string, StockItem>> {
  const items = await batchGet(deps, [...new Set(skus)].map((sku) => keys.stock(sku, storeId)), { consistent: true });
  return new Map(items.map(stockFromItem).map((s) => [s.sku, s]));
}

/** Every store's stock of one SKU. */
export async function stockOfSku(sku: string, deps: InventoryDeps): Promise<StockItem[]> {
  const items = await queryAll(deps, { TableName: deps.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': keys.stock(sku, '').pk } });
  return items.map(stockFromItem);
}

/**
 * A relative change to one stock item, in a transaction: `available`, `reserved` and `committed` move by the
 * given amounts, the version goes up by one, and the condition guards what must hold before the change.
 */
export function stockChange(
  deps: InventoryDeps,
  target: { sku: string; storeId: string },
  change: { available?: number; reserved?: number; committed?: number },
  condition: { expression: string; values: Record<string, number> },
  now: Date,
): TransactItem {
  const moves = (['available', 'reserved', 'committed'] as const).filter((field) => (change[field] ?? 0) !== 0);
  const values: Record<string, unknown> = { ...condition.values, ':one': 1, ':now': now.toISOString() };
  for (const field of moves) values[`:d_${field}`] = change[field];
  return {
    Update: {
      TableName: deps.tableName,
      Key: keys.stock(target.sku, target.storeId),
      UpdateExpression: `SET ${[...moves.map((f) => `${f} = ${f} + :d_${f}`), 'version = version + :one', 'updatedAt = :now'].join(', ')}`,
      ConditionExpression: `attribute_exists(pk) AND (${condition.expression})`,
      ExpressionAttributeValues: values,
    },
  };
}
