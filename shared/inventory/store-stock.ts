import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { listAudit } from '../audit/queries.js';
import { ActorKind } from '../audit/audit-entry.js';
import { actsAtStore } from '../auth/principal.js';
import { productFromItem } from '../catalog/repository.js';
import { Sku } from '../catalog/model.js';
import { batchGet } from '../db/batch.js';
import { INDEXES, keys } from '../db/keys.js';
import { NotFoundError, ValidationError } from '../errors.js';
import { getStore } from '../stores/repository.js';
import { StoreId } from '../stores/model.js';
import { stockUnit, type StockUnit } from './bundles.js';
import { inventoryDeps, type InventoryDeps } from './deps.js';
import { stockFromItem } from './stock-repository.js';

/**
 * What the console's Stock page reads: one store's stock lines, a page at a time from the store's stock index (gsi1
 * `STORE_STOCK#<store>`, by SKU; never a scan), and one SKU's adjustments at a store from the audit trail (the
 * entity partition `AUDIT#stock#<store>/<sku>`, newest first). Staff bound to stores read only theirs: another
 * store is a 404, exactly like a store that does not exist.
 */

const MAX_CURSOR_LENGTH = 1024;
const CURSOR_TEXT = /^[A-Za-z0-9_-]+$/;

/** `GET /stores/{id}/stock` query. */
export const ListStoreStockQuery = z.strictObject({
  skuPrefix: z
    .string()
    .regex(/^[A-Z0-9][A-Z0-9_-]{0,63}$/, 'must be the start of a SKU: A–Z, 0–9, - and _, starting with a letter or digit')
    .optional()
    .describe('Only SKUs starting with this (case-sensitive, as SKUs are upper case).'),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().min(1).max(MAX_CURSOR_LENGTH).regex(CURSOR_TEXT, 'is not a cursor this listing handed out').optional(),
});
export type ListStoreStockQuery = z.output<typeof ListStoreStockQuery>;

/** One SKU's stock at the store, as the Stock page shows it. */
export const StoreStockLine = z.strictObject({
  sku: Sku,
  name: z.string().nullable().describe('The product and variant name; null when no product claims the SKU any more.'),
  stockUnit: z.enum(['item', 'pack', 'g', 'ml']).nullable().describe('What the quantities count; null with the name.'),
  available: z.number().int().nonnegative().describe('On the shelf and free to promise.'),
  reserved: z.number().int().nonnegative().describe('Held for carts and orders not yet picked.'),
  committed: z.number().int().nonnegative().describe('Picked, waiting to leave the store.'),
  onHand: z.number().int().nonnegative().describe('In the store: available + reserved + committed.'),
  leadTimeDays: z.number().int().nonnegative(),
  version: z.number().int().positive(),
  updatedAt: z.iso.datetime(),
});
export type StoreStockLine = z.infer<typeof StoreStockLine>;

/** A page of a store's stock, by SKU. */
export const StoreStockPage = z.strictObject({
  storeId: StoreId,
  items: z.array(StoreStockLine),
  nextCursor: z.string().nullable().describe('Pass back as `cursor`, with the same `skuPrefix`, for the next page; null on the last one.'),
});
export type StoreStockPage = z.infer<typeof StoreStockPage>;

/** `GET /inventory/{sku}/adjustments` query. */
export const ListAdjustmentsQuery = z.strictObject({
  store: StoreId,
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().min(1).max(2048).optional(),
});
export type ListAdjustmentsQuery = z.output<typeof ListAdjustmentsQuery>;

const Counts = z.strictObject({ available: z.number().int(), reserved: z.number().int(), committed: z.number().int() });

/** One change of a SKU's stock at a store, as its audit entry recorded it. */
export const StockAdjustmentEntry = z.strictObject({
  id: z.string(),
  action: z.string().describe('`adjust` (a staff adjustment, a stock take, goods returned to the shelf) or `write-off` (returned goods not put back).'),
  delta: z.number().int().describe('The change to `available`; 0 for a write-off, which leaves the stock as it was.'),
  writtenOff: z.number().int().optional().describe('For a write-off: how much was written off.'),
  reason: z.string().nullable(),
  note: z.string().optional(),
  actor: z.string(),
  actorKind: ActorKind,
  at: z.string(),
  before: Counts.nullable().describe('The counts before; null for the adjustment that created the stock item.'),
  after: Counts.nullable(),
  correlationId: z.string().optional(),
});
export type StockAdjustmentEntry = z.infer<typeof StockAdjustmentEntry>;

export const StockAdjustmentPage = z.strictObject({
  sku: Sku,
  storeId: StoreId,
  items: z.array(StockAdjustmentEntry),
  nextCursor: z.string().nullable().describe('Pass back as `cursor`, with the same `store`, for the next page; null on the last one.'),
});
export type StockAdjustmentPage = z.infer<typeof StockAdjustmentPage>;

/**
 * The store, when the reader may see it.
 * @throws NotFoundError (404) for a store that does not exist or that store-bound staff do not work at, alike
 */
async function readableStore(storeId: string, reader: { readonly stores: readonly string[] }, deps: InventoryDeps): Promise<void> {
  if (!actsAtStore(reader, storeId) || !(await getStore(storeId, deps))) throw new NotFoundError('Store', storeId);
}

const badCursor = () => new ValidationError([{ field: 'query.cursor', message: 'is not a cursor this listing handed out for this store and skuPrefix' }], 'The cursor is not valid.');

/** The index key a page stopped at, carried as base64url JSON. */
const StockCursor = z.strictObject({ pk: z.string(), sk: z.string(), gsi1pk: z.string(), gsi1sk: z.string() });

/**
 * A cursor read back and checked against the request: it must be a stock item's key in this store's partition, and
 * within the prefix, so a cursor cannot point the query at another store.
 */
function decodeStockCursor(cursor: string, storeId: string, skuPrefix: string): Record<string, string> {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badCursor();
  }
  const parsed = StockCursor.safeParse(raw);
  if (!parsed.success) throw badCursor();
  const key = parsed.data;
  const expected = { ...keys.stock(key.gsi1sk, storeId), ...keys.stockByStore(storeId, key.gsi1sk) };
  if (key.pk !== expected.pk || key.sk !== expected.sk || key.gsi1pk !== expected.gsi1pk || !key.gsi1sk.startsWith(skuPrefix)) throw badCursor();
  return key;
}

/** Product and variant names and stock units of SKUs: their SKU claims, then the products (two batch reads). */
async function namesOf(skus: readonly string[], deps: InventoryDeps): Promise<Map<string, { name: string; stockUnit: StockUnit }>> {
  const claims = await batchGet(deps, skus.map((sku) => keys.sku(sku)));
  const products = (await batchGet(deps, [...new Set(claims.map((c) => String(c.productId)))].map((id) => keys.product(id)))).map(productFromItem);
  const found = new Map<string, { name: string; stockUnit: StockUnit }>();
  for (const product of products) {
    for (const variant of product.variants) {
      if (skus.includes(variant.sku)) found.set(variant.sku, { name: `${product.name}, ${variant.name}`, stockUnit: stockUnit(variant.soldBy) });
    }
  }
  return found;
}

/**
 * A page of one store's stock lines by SKU, optionally only SKUs starting with a prefix: one Query of the store's
 * stock index and two batch reads for the names, whatever the store holds.
 * @throws NotFoundError (404) for an unknown store or one the reader does not work at
 * @throws ValidationError (400) for a cursor that is not this listing's
 */
export async function listStoreStock(
  storeId: string,
  query: ListStoreStockQuery,
  reader: { readonly stores: readonly string[] },
  deps: InventoryDeps = inventoryDeps(),
): Promise<StoreStockPage> {
  const prefix = query.skuPrefix ?? '';
  const start = query.cursor === undefined ? undefined : decodeStockCursor(query.cursor, storeId, prefix);
  await readableStore(storeId, reader, deps);
  const index = INDEXES.gsi1;
  const page = await deps.db.send(
    new QueryCommand({
      TableName: deps.tableName,
      IndexName: index.name,
      KeyConditionExpression: prefix ? '#pk = :pk AND begins_with(#sk, :prefix)' : '#pk = :pk',
      ExpressionAttributeNames: prefix ? { '#pk': index.partition, '#sk': index.sort } : { '#pk': index.partition },
      ExpressionAttributeValues: { ':pk': keys.stockByStore(storeId, '').gsi1pk, ...(prefix ? { ':prefix': prefix } : {}) },
      Limit: query.limit,
      ...(start ? { ExclusiveStartKey: start } : {}),
    }),
  );
  const stock = (page.Items ?? []).map(stockFromItem);
  const names = stock.length > 0 ? await namesOf(stock.map((s) => s.sku), deps) : new Map<string, { name: string; stockUnit: StockUnit }>();
  const next = page.LastEvaluatedKey ? Buffer.from(JSON.stringify(page.LastEvaluatedKey), 'utf8').toString('base64url') : null;
  return {
    storeId,
    items: stock.map((s) => ({
      sku: s.sku,
      name: names.get(s.sku)?.name ?? null,
      stockUnit: names.get(s.sku)?.stockUnit ?? null,
      available: s.available,
      reserved: s.reserved,
      committed: s.committed,
      onHand: s.available + s.reserved + s.committed,
      leadTimeDays: s.leadTimeDays,
      version: s.version,
      updatedAt: s.updatedAt,
    })),
    nextCursor: next,
  };
}

const countsOf = (value: Record<string, unknown>): z.infer<typeof Counts> | null => {
  const parsed = Counts.safeParse({ available: value.available, reserved: value.reserved, committed: value.committed });
  return parsed.success ? parsed.data : null;
};

/**
 * A page of one SKU's stock changes at a store, newest first, from the audit trail's entry partition of that stock
 * item (the adjustment's reason, delta and note are in its `after`).
 * @throws NotFoundError (404) for an unknown store or one the reader does not work at
 * @throws ValidationError (400) for a cursor that is not this listing's
 */
export async function listStockAdjustments(
  sku: string,
  query: ListAdjustmentsQuery,
  reader: { readonly stores: readonly string[] },
  deps: InventoryDeps = inventoryDeps(),
): Promise<StockAdjustmentPage> {
  await readableStore(query.store, reader, deps);
  const page = await listAudit({ entity: 'stock', entityId: `${query.store}/${sku}`, limit: query.limit, ...(query.cursor ? { cursor: query.cursor } : {}) }, deps);
  return {
    sku,
    storeId: query.store,
    items: page.items.map((entry): StockAdjustmentEntry => {
      const after = entry.after;
      const writtenOff = typeof after.writtenOff === 'number' ? after.writtenOff : undefined;
      return {
        id: entry.id,
        action: entry.action,
        delta: typeof after.delta === 'number' ? after.delta : 0,
        ...(writtenOff === undefined ? {} : { writtenOff }),
        reason: typeof after.reason === 'string' ? after.reason : null,
        ...(typeof after.note === 'string' ? { note: after.note } : {}),
        actor: entry.actor,
        actorKind: entry.actorKind,
        at: entry.at,
        before: countsOf(entry.before),
        after: countsOf(after),
        ...(entry.correlationId ? { correlationId: entry.correlationId } : {}),
      };
    }),
    nextCursor: page.nextCursor,
  };
}
