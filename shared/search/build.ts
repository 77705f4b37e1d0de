import { batchGet } from '../db/batch.js';
import { INDEXES, keys } from '../db/keys.js';
import { catalogDeps } from '../catalog/deps.js';
import { productFromItem, queryAllCategories, type StoredCategory } from '../catalog/repository.js';
import { stockFromItem } from '../inventory/stock-repository.js';
import { listStores } from '../stores/repository.js';
import { queryAll } from '../db/query.js';
import type { SearchDeps } from './deps.js';
import { toSearchDocument } from './document.js';
import { SearchIndex } from './index.js';
import { currentOfferTargets } from './offers.js';
import { salesFromItem } from './order-history.js';

/**
 * Builds the search index from the table: every category, every product (archived ones are
 * remembered as removed, so that an older change cannot bring them back), every store's stock and
 * every product's sales, and what the promotions running now put on offer (read afresh, not from
 * the container's promotions cache). This is what the snapshot function runs, and what a search
 * function falls back on when there is no snapshot yet.
 */

const PRODUCTS = keys.productListing('', '').gsi1pk;

/** Every item of one gsi1 partition. */
function listing(deps: Pick<SearchDeps, 'db' | 'tableName'>, partition: string) {
  return queryAll(deps, {
    TableName: deps.tableName,
    IndexName: INDEXES.gsi1.name,
    KeyConditionExpression: '#pk = :pk',
    ExpressionAttributeNames: { '#pk': INDEXES.gsi1.partition },
    ExpressionAttributeValues: { ':pk': partition },
  });
}

/** The category chain of a category, root first, from the map of every category. */
function chainOf(categories: ReadonlyMap<string, StoredCategory>, id: string) {
  const stored = categories.get(id);
  if (!stored) throw new Error(`category ${id} is missing from the category listing`);
  return [...stored.ancestorIds.map((a) => categories.get(a)?.category), stored.category].filter((c) => c !== undefined);
}

export async function buildFromTable(deps: Pick<SearchDeps, 'db' | 'tableName' | 'now'>): Promise<SearchIndex> {
  const index = new SearchIndex();
  const categories = new Map((await queryAllCategories(catalogDeps({ db: deps.db, tableName: deps.tableName }))).map((c) => [c.category.id, c]));
  for (const { category } of categories.values()) index.addCategory(category);

  const live: string[] = [];
  for (const item of await listing(deps, PRODUCTS)) {
    const product = productFromItem(item);
    if (product.status === 'archived') {
      index.remove(product.id, product.version);
    } else {
      index.upsert(toSearchDocument(product, chainOf(categories, product.categoryId)));
      live.push(product.id);
    }
  }

  for (const store of await listStores(deps)) {
    for (const item of (await listing(deps, keys.stockByStore(store.id, '').gsi1pk)).map(stockFromItem)) {
      index.setStock(item.sku, item.storeId, item.available, item.version);
    }
  }

  for (const sales of (await batchGet(deps, live.map((id) => keys.productSales(id)))).map(salesFromItem)) {
    index.setPopularity(sales.productId, sales.orders);
  }
  index.setOffers(await currentOfferTargets(deps, 0));
  return index;
}
