import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SQSBatchResponse } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { categoryCreatedV1 } from '../../../events/catalog/category-created.v1.js';
import { productCreatedV1 } from '../../../events/catalog/product-created.v1.js';
import { productUpdatedV1 } from '../../../events/catalog/product-updated.v1.js';
import { stockAdjustedV1 } from '../../../events/inventory/stock-adjusted.v1.js';
import { stockReservedV1 } from '../../../events/inventory/stock-reserved.v1.js';
import { handler as recordHandler } from '../../../functions/search/record-search-change.js';
import { handler as snapshotHandler } from '../../../functions/search/write-index-snapshot.js';
import { updateProduct } from '../../../shared/catalog/products.js';
import { dynamo } from '../../../shared/db/client.js';
import { keys } from '../../../shared/db/keys.js';
import { LiveIndex } from '../../../shared/search/live-index.js';
import { recordSearchChanges } from '../../../shared/search/record-change.js';
import { SearchQuery } from '../../../shared/search/requests.js';
import { searchProducts } from '../../../shared/search/search-products.js';
import { encodeSnapshot, readSnapshot, refreshSnapshot, writeSnapshot } from '../../../shared/search/snapshot.js';
import { SearchIndex } from '../../../shared/search/index.js';
import { lambdaContext } from '../../support/lambda.js';
import { catalogWrites, categories, delivered, product, openStore, sqsRecord, staff, stock, testSearchDeps, uniqueSlug } from './fixtures.js';

/** A live index that reads the feed on every request, as a warm function does every few seconds. */
const warmIndex = () => new LiveIndex(testSearchDeps(), 0);

const search = (index: LiveIndex, query: Record<string, string>) => searchProducts(SearchQuery.parse(query), { index });
const namesFound = async (index: LiveIndex, query: Record<string, string>) => (await search(index, query)).items.map((i) => i.name);

/** A word no other test's products contain, so that a text search finds only this test's products. */
const word = () => uniqueSlug('zq').replace(/-/g, '');

const created = (p: { id: string; name: string; categoryId: string; categoryPath: string; variants: { sku: string }[] }) =>
  delivered(productCreatedV1, {
    productId: p.id,
    name: p.name,
    categoryId: p.categoryId,
    categoryPath: p.categoryPath,
    skus: p.variants.map((v) => v.sku),
    status: 'active',
    version: 1,
    actor: 'test',
  });

/**
 * A client that answers only reads of the change feed and of the promotions (for the on-offer
 * facet): an index that works with it did not read the catalog.
 */
function feedOnly(): DynamoDBDocumentClient {
  const db = Object.create(dynamo) as DynamoDBDocumentClient;
  const allowed = [keys.searchChange('', '').gsi1pk, keys.promotionListing('', '').gsi1pk];
  db.send = (async (command: unknown) => {
    if (command instanceof QueryCommand && allowed.includes(command.input.ExpressionAttributeValues?.[':pk'] as string)) return dynamo.send(command);
    throw new Error('only the change feed and the promotions may be read');
  }) as DynamoDBDocumentClient['send'];
  return db;
}

describe('the search change feed', () => {
  it('records what the table holds for a product, and a warm index picks it up on its next read', async () => {
    const { child } = await categories();
    const index = warmIndex();
    await index.current();
    const w = word();
    const p = await product(child, `Tinned ${w} peaches`, { brand: 'Orchard', tags: ['vegan'] });
    expect(await namesFound(index, { q: w })).toEqual([]);

    const [change] = await recordSearchChanges(created(p), testSearchDeps());
    expect(change).toMatchObject({ kind: 'product', document: { productId: p.id, version: 1, brand: 'Orchard', diet: ['vegan'] } });
    const page = await search(index, { q: `${w} peach`, category: child });
    expect(page.items).toEqual([expect.objectContaining({ id: p.id, name: `Tinned ${w} peaches`, brand: 'Orchard', categoryId: child, diet: ['vegan'] })]);
    expect(page.facets.brand).toEqual([{ value: 'Orchard', count: 1 }]);
  });

  it('takes an archived product out of search', async () => {
    const { child } = await categories();
    const w = word();
    const p = await product(child, `${w} sardines`);
    const index = warmIndex();
    await recordSearchChanges(created(p), testSearchDeps());
    expect(await namesFound(index, { q: w })).toEqual([`${w} sardines`]);

    await updateProduct(p.id, { version: 1, status: 'archived' }, staff, catalogWrites());
    const [change] = await recordSearchChanges(
      delivered(productUpdatedV1, { productId: p.id, version: 2, changedFields: ['status'], addedSkus: [], removedSkus: [], status: 'archived', actor: 'test' }),
      testSearchDeps(),
    );
    expect(change).toEqual({ kind: 'product-removed', productId: p.id, version: 2 });
    expect(await namesFound(index, { q: w })).toEqual([]);
  });

  it('records stock as the table holds it, whatever level the event carries', async () => {
    const { child } = await categories();
    const storeId = await openStore();
    const w = word();
    const [a, b] = [await product(child, `${w} oat milk`), await product(child, `${w} soy milk`)];
    const [skuA, skuB] = [a.variants[0]!.sku, b.variants[0]!.sku];
    await stock(skuA, storeId, 0, 1);
    await stock(skuB, storeId, 0, 1);
    const index = warmIndex();
    await recordSearchChanges(created(a), testSearchDeps());
    await recordSearchChanges(created(b), testSearchDeps());
    expect(await namesFound(index, { q: w, store: storeId, inStock: 'true' })).toEqual([]);

    await stock(skuA, storeId, 7, 2);
    const level = { sku: skuA, storeId, available: 0, reserved: 0, committed: 0, version: 2 };
    const changes = await recordSearchChanges(
      delivered(stockAdjustedV1, { adjustmentId: 'adj-1', sku: skuA, storeId, delta: 7, reason: 'delivery', actor: 'test', level }),
      testSearchDeps(),
    );
    expect(changes).toEqual([{ kind: 'stock', sku: skuA, storeId, available: 7, version: 2 }]);
    expect(await namesFound(index, { q: w, store: storeId, inStock: 'true' })).toEqual([`${w} oat milk`]);

    // A reservation names several SKUs: each is read again.
    await stock(skuB, storeId, 3, 2);
    const reserved = await recordSearchChanges(
      delivered(stockReservedV1, {
        reservationId: 'r-1',
        storeId,
        ownerRef: 'cart-1',
        lines: [{ sku: skuA, quantity: 1 }, { sku: skuB, quantity: 1 }],
        holdUntil: new Date().toISOString(),
      }),
      testSearchDeps(),
    );
    expect(reserved.map((c) => c.kind === 'stock' && c.available)).toEqual([7, 3]);
    const page = await search(index, { q: w, store: storeId, sort: 'price-asc' });
    expect(page.items.map((i) => i.inStock)).toEqual([true, true]);
    expect(page.facets.inStock).toEqual([
      { value: true, count: 2 },
      { value: false, count: 0 },
    ]);
  });

  it('knows a new category before any product is in it', async () => {
    const { root } = await categories();
    const index = warmIndex();
    await index.current();
    const categoryId = '01ARZ3NDEKTSV4RRFFQ69G5FAV';
    await expect(search(index, { category: categoryId })).rejects.toThrow(/No category has the id/);
    await recordSearchChanges(delivered(categoryCreatedV1, { categoryId, slug: 'new', name: 'New', parentId: root, path: 'x/new', actor: 'test' }), testSearchDeps());
    expect((await search(index, { category: categoryId })).total).toBe(0);
  });

  it('writes a snapshot to S3 that a cold start loads, then applies the changes recorded since', async () => {
    const { child } = await categories();
    const storeId = await openStore();
    const w = word();
    const p = await product(child, `${w} crumpets`);
    await stock(p.variants[0]!.sku, storeId, 12, 1);

    const report = await refreshSnapshot(testSearchDeps());
    expect(report.products).toBeGreaterThan(0);
    const snapshot = await readSnapshot(testSearchDeps());
    const fromSnapshot = snapshot!.index.query({ q: w, store: storeId, sort: 'relevance', offset: 0, limit: 10 });
    expect(fromSnapshot.hits.map((h) => [h.summary.name, h.inStock])).toEqual([[`${w} crumpets`, true]]);

    await updateProduct(p.id, { version: 1, name: `${w} pikelets` }, staff, catalogWrites());
    await recordSearchChanges(
      delivered(productUpdatedV1, { productId: p.id, version: 2, changedFields: ['name'], addedSkus: [], removedSkus: [], status: 'active', actor: 'test' }),
      testSearchDeps(),
    );
    // The snapshot, the feed and the promotions are all it reads: the new name can only come from the feed.
    const cold = new LiveIndex(testSearchDeps({ db: feedOnly() }));
    expect(await namesFound(cold, { q: w })).toEqual([`${w} pikelets`]);
  });

  it('builds from the table when the snapshot is older than the feed reaches back', async () => {
    const { child } = await categories();
    const w = word();
    await product(child, `${w} bannock`);
    const dayAndAMinuteAgo = new Date(Date.now() - (24 * 60 + 1) * 60_000);
    await writeSnapshot(testSearchDeps(), await encodeSnapshot(new SearchIndex(), dayAndAMinuteAgo.toISOString(), dayAndAMinuteAgo));
    expect(await namesFound(new LiveIndex(testSearchDeps()), { q: w })).toEqual([`${w} bannock`]);
    await refreshSnapshot(testSearchDeps());
  });

  it('is what the scheduled snapshot function writes, with the configured table and bucket', async () => {
    const { child } = await categories();
    const w = word();
    await product(child, `${w} oatcakes`);
    const before = new Date().toISOString();
    await snapshotHandler(undefined, lambdaContext('search-write-index-snapshot'));
    const snapshot = (await readSnapshot(testSearchDeps()))!;
    expect(snapshot.watermark >= before).toBe(true);
    expect(snapshot.index.query({ q: w, sort: 'relevance', offset: 0, limit: 10 }).total).toBe(1);
  });

  it('fails only the records it cannot use, so they alone are retried and end in the DLQ', async () => {
    const { child } = await categories();
    const p = await product(child, `${word()} scones`);
    const good = sqsRecord(created(p));
    const unfollowed = sqsRecord({ ...created(p), 'detail-type': 'product.image-uploaded' });
    const malformed = sqsRecord(delivered(productCreatedV1, { productId: p.id } as never));
    const result = (await recordHandler({ Records: [good, unfollowed, malformed] }, lambdaContext('search-record-search-change'))) as SQSBatchResponse;
    expect(result.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual([unfollowed.messageId, malformed.messageId].sort());
  });
});
