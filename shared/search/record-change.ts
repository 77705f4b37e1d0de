import { z } from 'zod';
import { categoryCreatedV1 } from '../../events/catalog/category-created.v1.js';
import { productCreatedV1 } from '../../events/catalog/product-created.v1.js';
import { productPriceChangedV1 } from '../../events/catalog/product-price-changed.v1.js';
import { productUpdatedV1 } from '../../events/catalog/product-updated.v1.js';
import { stockAdjustedV1 } from '../../events/inventory/stock-adjusted.v1.js';
import { stockReleasedV1 } from '../../events/inventory/stock-released.v1.js';
import { stockReservedV1 } from '../../events/inventory/stock-reserved.v1.js';
import { catalogDeps } from '../catalog/deps.js';
import { getCategoryChain, getProductRecord } from '../catalog/repository.js';
import { PoisonMessageError } from '../events/consumer.js';
import { inventoryDeps } from '../inventory/deps.js';
import { readStockAt } from '../inventory/stock-repository.js';
import { appendChanges, type FeedDeps, type SearchChange } from './change-feed.js';
import { toSearchDocument } from './document.js';

/**
 * Turns catalog and inventory events into change-feed records. Each event only says what to look
 * at again: the record holds what the table says now (read strongly consistent), never the event's
 * own figures, so a late or repeated event records the current state, which the index's version
 * checks then order. Recording the same state twice is harmless, so no deduplication is needed.
 */

/** An EventBridge delivery, before its data is checked against its own contract. */
export const DeliveredEvent = z.object({
  source: z.string(),
  'detail-type': z.string(),
  detail: z.object({ id: z.string(), version: z.number(), data: z.unknown() }),
});
export type DeliveredEvent = z.infer<typeof DeliveredEvent>;

type Target = { kind: 'product'; productId: string } | { kind: 'stock'; storeId: string; skus: string[] } | { kind: 'category'; change: SearchChange };

const key = (contract: { source: string; detailType: string; version: number }) => `${contract.source} ${contract.detailType} v${contract.version}`;

/** What to read again for each event the search feed follows. */
const TARGETS: Record<string, (data: unknown) => Target> = {
  [key(productCreatedV1)]: (data) => ({ kind: 'product', productId: productCreatedV1.schema.parse(data).productId }),
  [key(productUpdatedV1)]: (data) => ({ kind: 'product', productId: productUpdatedV1.schema.parse(data).productId }),
  [key(productPriceChangedV1)]: (data) => ({ kind: 'product', productId: productPriceChangedV1.schema.parse(data).productId }),
  [key(categoryCreatedV1)]: (data) => {
    const { categoryId, name, parentId } = categoryCreatedV1.schema.parse(data);
    return { kind: 'category', change: { kind: 'category', category: { id: categoryId, name, parentId } } };
  },
  [key(stockAdjustedV1)]: (data) => {
    const { storeId, sku } = stockAdjustedV1.schema.parse(data);
    return { kind: 'stock', storeId, skus: [sku] };
  },
  [key(stockReservedV1)]: (data) => {
    const { storeId, lines } = stockReservedV1.schema.parse(data);
    return { kind: 'stock', storeId, skus: lines.map((l) => l.sku) };
  },
  [key(stockReleasedV1)]: (data) => {
    const { storeId, lines } = stockReleasedV1.schema.parse(data);
    return { kind: 'stock', storeId, skus: lines.map((l) => l.sku) };
  },
};

/** The events the search feed follows: what the wiring's rules must route to its queue, and nothing else. */
export const FOLLOWED_EVENTS = [productCreatedV1, productUpdatedV1, productPriceChangedV1, categoryCreatedV1, stockAdjustedV1, stockReservedV1, stockReleasedV1].map(
  ({ source, detailType }) => ({ source, detailType }),
);

async function productChange(productId: string, deps: FeedDeps): Promise<SearchChange[]> {
  const catalog = catalogDeps({ db: deps.db, tableName: deps.tableName });
  const product = await getProductRecord(catalog, productId);
  if (!product) return [];
  if (product.status === 'archived') return [{ kind: 'product-removed', productId, version: product.version }];
  const chain = await getCategoryChain(catalog, product.categoryId);
  if (!chain) throw new Error(`product ${productId} is in category ${product.categoryId}, which does not exist`);
  return [{ kind: 'product', document: toSearchDocument(product, chain) }];
}

async function stockChanges(storeId: string, skus: readonly string[], deps: FeedDeps): Promise<SearchChange[]> {
  const stock = await readStockAt(storeId, skus, inventoryDeps({ db: deps.db, tableName: deps.tableName }));
  // A SKU never stocked at the store has no item: nothing available, and any real level (version 1 and up) wins over it.
  return [...new Set(skus)].map((sku) => ({ kind: 'stock', sku, storeId, available: stock.get(sku)?.available ?? 0, version: stock.get(sku)?.version ?? 0 }));
}

/**
 * Records, in the search change feed, the current state of whatever one event touched.
 * @returns the changes recorded
 * @throws PoisonMessageError for an event the feed does not follow (a rule that should not route it here)
 */
export async function recordSearchChanges(event: DeliveredEvent, deps: FeedDeps): Promise<SearchChange[]> {
  const name = key({ source: event.source, detailType: event['detail-type'], version: event.detail.version });
  const targetOf = TARGETS[name];
  if (!targetOf) throw new PoisonMessageError(`the search feed does not follow ${name} events`);
  const target = targetOf(event.detail.data);
  const changes =
    target.kind === 'product' ? await productChange(target.productId, deps) : target.kind === 'stock' ? await stockChanges(target.storeId, target.skus, deps) : [target.change];
  await appendChanges(deps, changes);
  return changes;
}
