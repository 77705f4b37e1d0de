import { TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SQSBatchResponse } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { orderCompletedV1 } from '../../../events/orders/order-completed.v1.js';
import { handler as recommendationsHandler } from '../../../functions/search/get-recommendations.js';
import { handler as orderHistoryHandler } from '../../../functions/search/record-order-history.js';
import { dynamo } from '../../../shared/db/client.js';
import { keys } from '../../../shared/db/keys.js';
import { MAX_PRODUCTS_PER_ORDER, recordCompletedOrder } from '../../../shared/search/order-history.js';
import { RecommendationsQuery, recommendProducts } from '../../../shared/recommendations/recommendations.js';
import { buildFromTable } from '../../../shared/search/build.js';
import { apiEvent, lambdaContext } from '../../support/lambda.js';
import { itemAt } from '../catalog/fixtures.js';
import { categories, delivered, openStore, product, sqsRecord, stock, testSearchDeps, uniqueSlug } from './fixtures.js';

type OrderLine = { sku: string; productId: string; quantity: number; total: number };

function order(productIds: readonly string[]) {
  const lines: OrderLine[] = productIds.map((productId, i) => ({ sku: `SKU-${i}`, productId, quantity: 1, total: 100 }));
  return {
    orderId: uniqueSlug('order'),
    shopperId: 'shopper-1',
    storeId: 'store-1',
    currency: 'GBP',
    lines,
    total: 100 * lines.length,
    tax: 0,
    completedAt: new Date().toISOString(),
  };
}

const ordersOf = async (productId: string) => Number((await itemAt(keys.productSales(productId)))?.orders ?? 0);
const together = async (a: string, b: string) => Number((await itemAt(keys.coPurchase(a, b)))?.orders ?? 0);
/** Product ids are only counted, never looked up, so any distinct strings will do for the history alone. */
const fakeIds = (n: number) => Array.from({ length: n }, (_, i) => uniqueSlug(`p${i}`));

describe('purchase history from completed orders', () => {
  it('counts an order once per event, however often it is delivered', async () => {
    const [a, b, c] = fakeIds(3) as [string, string, string];
    const eventId = uniqueSlug('event');
    const deps = testSearchDeps();
    expect(await recordCompletedOrder(eventId, order([a, b, c, a]), deps)).toEqual({ applied: 1, alreadyApplied: 0 });
    expect(await recordCompletedOrder(eventId, order([a, b, c, a]), deps)).toEqual({ applied: 0, alreadyApplied: 1 });
    expect([await ordersOf(a), await ordersOf(b), await ordersOf(c)]).toEqual([1, 1, 1]);
    expect([await together(a, b), await together(b, a), await together(a, c), await together(c, b)]).toEqual([1, 1, 1, 1]);
    expect(await together(a, a)).toBe(0);

    await recordCompletedOrder(uniqueSlug('event'), order([a, b]), deps);
    expect([await ordersOf(a), await together(a, b), await together(a, c)]).toEqual([2, 2, 1]);
  });

  it('redoes only the chunks a failed delivery did not commit', async () => {
    const products = fakeIds(12);
    const eventId = uniqueSlug('event');
    let transactions = 0;
    const failing = Object.create(dynamo) as DynamoDBDocumentClient;
    failing.send = (async (command: unknown) => {
      if (command instanceof TransactWriteCommand && ++transactions === 2) throw new Error('the network went away');
      return dynamo.send(command as never);
    }) as DynamoDBDocumentClient['send'];

    // 12 products make 12 sales and 132 pair updates: two transactions, the second of which fails.
    await expect(recordCompletedOrder(eventId, order(products), testSearchDeps({ db: failing }))).rejects.toThrow(/network/);
    expect(await recordCompletedOrder(eventId, order(products), testSearchDeps())).toEqual({ applied: 1, alreadyApplied: 1 });
    expect(await Promise.all(products.map(ordersOf))).toEqual(products.map(() => 1));
    expect(await together(products[11]!, products[10]!)).toBe(1);
  });

  it(`pairs only the first ${MAX_PRODUCTS_PER_ORDER} products of a large order`, async () => {
    const products = fakeIds(MAX_PRODUCTS_PER_ORDER + 2);
    await recordCompletedOrder(uniqueSlug('event'), order(products), testSearchDeps());
    expect(await together(products[0]!, products[MAX_PRODUCTS_PER_ORDER - 1]!)).toBe(1);
    expect(await together(products[0]!, products[MAX_PRODUCTS_PER_ORDER]!)).toBe(0);
  });

  it('is what the order.completed consumer does, a duplicate in the same batch included', async () => {
    const [a, b] = fakeIds(2) as [string, string];
    const event = delivered(orderCompletedV1, order([a, b]));
    const result = (await orderHistoryHandler({ Records: [sqsRecord(event), sqsRecord(event)] }, lambdaContext('search-record-order-history'))) as SQSBatchResponse;
    expect(result.batchItemFailures).toEqual([]);
    expect([await ordersOf(a), await together(a, b)]).toEqual([1, 1]);
  });
});

describe('recommendations', () => {
  /**
   * A category of seven products around `anchor`: two bought with it often enough, one only once,
   * one age-restricted, one out of stock, and two best sellers that were never bought with it.
   */
  async function shop() {
    const { root, child } = await categories();
    const storeId = await openStore();
    const make = (name: string, extra = {}) => product(child, name, extra);
    const anchor = await make('Anchor');
    const [often, twice, once, wine, gone, bestseller, runnerUp] = [
      await make('Often'),
      await make('Twice'),
      await make('Once'),
      await make('Wine', { taxCategory: 'alcohol', ageRestricted: true }),
      await make('Gone'),
      await make('Bestseller'),
      await make('Runner-up'),
    ];
    const outOfCategory = await product(root, 'Elsewhere');
    for (const p of [anchor, often, twice, once, wine, bestseller, runnerUp, outOfCategory]) await stock(p.variants[0]!.sku, storeId, 10);
    await stock(gone.variants[0]!.sku, storeId, 0);
    const history: string[][] = [
      ...Array.from({ length: 3 }, () => [anchor.id, often.id, wine.id, gone.id]),
      [anchor.id, twice.id],
      [anchor.id, twice.id, outOfCategory.id],
      [anchor.id, outOfCategory.id],
      [anchor.id, once.id],
      ...Array.from({ length: 5 }, () => [bestseller.id]),
      ...Array.from({ length: 4 }, () => [runnerUp.id]),
    ];
    for (const ids of history) await recordCompletedOrder(uniqueSlug('event'), order(ids), testSearchDeps());
    const built = await buildFromTable(testSearchDeps());
    const index = { current: async () => built };
    return { storeId, anchor, often, twice, once, wine, gone, bestseller, runnerUp, outOfCategory, index };
  }

  const names = (r: { items: { name: string; reason: string }[] }) => r.items.map((i) => `${i.name}: ${i.reason}`);

  it('puts what is bought together first, then the category’s best sellers, and never the restricted, the unavailable or the product itself', async () => {
    const s = await shop();
    const deps = { ...testSearchDeps(), index: s.index };
    const result = await recommendProducts(s.anchor.id, RecommendationsQuery.parse({ store: s.storeId, limit: '5' }), { ageVerified: false }, deps);
    expect(names(result)).toEqual([
      'Often: bought-together',
      'Twice: bought-together',
      'Elsewhere: bought-together',
      'Bestseller: popular-in-category',
      'Runner-up: popular-in-category',
    ]);
    expect(result.items.every((i) => i.inStock === true)).toBe(true);

    const verified = await recommendProducts(s.anchor.id, RecommendationsQuery.parse({ store: s.storeId, limit: '3' }), { ageVerified: true }, deps);
    expect(names(verified)).toEqual(['Often: bought-together', 'Wine: bought-together', 'Twice: bought-together']);
  });

  it('widens to the parent category when the product’s own has too few, and leaves out what no store has', async () => {
    const s = await shop();
    const deps = { ...testSearchDeps(), index: s.index };
    const result = await recommendProducts(s.bestseller.id, RecommendationsQuery.parse({ limit: '20' }), { ageVerified: false }, deps);
    const listed = result.items.map((i) => i.name);
    expect(listed.slice(0, 2)).toEqual(['Anchor', 'Runner-up']);
    expect(listed).toContain('Elsewhere');
    expect(listed).not.toContain('Gone');
    expect(listed).not.toContain('Wine');
    expect(listed).not.toContain('Bestseller');
    expect(result.items.every((i) => i.reason === 'popular-in-category' && i.inStock === undefined)).toBe(true);
  });

  it('answers 404 for an unknown product and 400 for a bad limit or store, over the handler', async () => {
    const unknown = await recommendationsHandler(
      apiEvent({ method: 'GET', resource: '/products/{id}/recommendations', pathParameters: { id: '01ARZ3NDEKTSV4RRFFQ69G5FAV' } }),
      lambdaContext('search-get-recommendations'),
    );
    expect(unknown.statusCode).toBe(404);
    const bad = await recommendationsHandler(
      apiEvent({ method: 'GET', resource: '/products/{id}/recommendations', pathParameters: { id: '01ARZ3NDEKTSV4RRFFQ69G5FAV' }, query: { limit: '50', store: 'Not A Store' } }),
      lambdaContext('search-get-recommendations'),
    );
    expect(bad.statusCode).toBe(400);
    expect(JSON.parse(bad.body).errors.map((e: { field: string }) => e.field).sort()).toEqual(['query.limit', 'query.store']);
  });
});
