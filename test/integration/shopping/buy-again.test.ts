import { ulid } from 'ulid';
import { describe, expect, it } from 'vitest';
import { handler as buyAgainHandler } from '../../../functions/shopping/get-buy-again.js';
import type { Principal } from '../../../shared/auth/principal.js';
import { keys } from '../../../shared/db/keys.js';
import type { Order, OrderLine } from '../../../shared/orders/model.js';
import { putNewOrder } from '../../../shared/orders/repository.js';
import { buyAgain } from '../../../shared/shopping/buy-again.js';
import { apiEvent, lambdaContext } from '../../support/lambda.js';
import { anOrder } from '../../unit/orders/fixtures.js';
import { aWorld, itemAt, shopper, testDeps, type World } from '../carts/fixtures.js';

/** "Buy it again" against DynamoDB Local: the shopper's own received orders, ranked, only what is still sold, at today's price. */

async function line(sku: string, quantity: OrderLine['quantity'], extra: Partial<OrderLine> = {}): Promise<OrderLine> {
  return {
    lineId: ulid(),
    sku,
    productId: (await itemAt(keys.sku(sku)))?.productId as string,
    name: sku,
    soldBy: 'each',
    quantity,
    unitPrice: 1,
    subtotal: 1,
    discounts: [],
    loyaltyRedemption: 0,
    tax: { rateBasisPoints: 0, amount: 0 },
    total: 1,
    substitution: 'none',
    ...extra,
  };
}

async function ordered(shopperId: string, world: World, createdAt: string, lines: OrderLine[], overrides: Partial<Order> = {}): Promise<void> {
  await putNewOrder(testDeps(), anOrder({ id: ulid(), shopperId, storeId: world.store.id, lines, status: 'completed', createdAt, updatedAt: createdAt, ...overrides }));
}

describe('buy it again', () => {
  it('ranks the SKUs of the shopper’s received orders by orders, then recency, leaving out what is no longer sold and others’ orders', async () => {
    const world = await aWorld();
    const { subject } = shopper();
    const milk = () => line(world.skus.milk, { count: 1 });
    const oil = () => line(world.skus.oil, { millilitres: 500 }, { soldBy: 'volume' });
    const bananas = () => line(world.skus.bananas, { grams: 500 }, { soldBy: 'weight' });
    await ordered(subject, world, '2030-01-01T10:00:00.000Z', [await milk(), await oil(), await line(world.skus.archived, { count: 1 })]);
    await ordered(subject, world, '2030-01-08T10:00:00.000Z', [await milk(), await milk(), await bananas(), await line(world.skus.archived, { count: 1 })]);
    await ordered(subject, world, '2030-01-15T10:00:00.000Z', [await milk(), await oil()], { status: 'partially-refunded' });
    // Not received: neither a failed order nor one still being picked counts.
    await ordered(subject, world, '2030-01-20T10:00:00.000Z', [await bananas(), await bananas()], { status: 'failed' });
    await ordered(subject, world, '2030-01-21T10:00:00.000Z', [await bananas()], { status: 'picking' });
    // Another shopper's orders never count.
    await ordered(shopper().subject, world, '2030-01-22T10:00:00.000Z', [await bananas()]);

    const result = await buyAgain(subject, { limit: 20 }, testDeps());

    expect(result.ordersConsidered).toBe(5);
    expect(result.items).toEqual([
      { sku: world.skus.milk, productId: expect.any(String), name: 'Milk', variantName: world.skus.milk, soldBy: 'each', timesBought: 3, lastBoughtAt: '2030-01-15T10:00:00.000Z', price: { amount: 125, currency: 'GBP' } },
      { sku: world.skus.oil, productId: expect.any(String), name: 'Olive oil refill', variantName: world.skus.oil, soldBy: 'volume', timesBought: 2, lastBoughtAt: '2030-01-15T10:00:00.000Z', price: { amount: 900, currency: 'GBP' } },
      { sku: world.skus.bananas, productId: expect.any(String), name: 'Bananas', variantName: world.skus.bananas, soldBy: 'weight', timesBought: 1, lastBoughtAt: '2030-01-08T10:00:00.000Z', price: { amount: 200, currency: 'GBP' } },
    ]);
    expect((await buyAgain(subject, { limit: 1 }, testDeps())).items.map((i) => i.sku)).toEqual([world.skus.milk]);
  });

  it('answers a shopper with no orders with nothing', async () => {
    expect(await buyAgain(shopper().subject, { limit: 20 }, testDeps())).toEqual({ items: [], ordersConsidered: 0 });
  });

  it('through the handler: 400 naming limit when it is out of range, 401 without credentials', async () => {
    const principal: Principal = { subject: shopper().subject, kind: 'user', roles: ['shopper'], scopes: ['cart:write', 'orders:read', 'account:read', 'account:write'], stores: [] };
    const call = async (query: Record<string, string>, who?: Principal) => {
      const response = await buyAgainHandler(apiEvent({ method: 'GET', resource: '/me/buy-again', query, ...(who ? { principal: who } : {}) }), lambdaContext());
      return { status: response.statusCode, body: JSON.parse(response.body) as { errors?: { field: string }[] } };
    };
    expect(await call({ limit: '5' }, principal)).toEqual({ status: 200, body: { items: [], ordersConsidered: 0 } });
    for (const limit of ['0', '51', 'many']) {
      const refused = await call({ limit }, principal);
      expect(refused.status).toBe(400);
      expect(refused.body.errors?.map((e) => e.field)).toEqual(['query.limit']);
    }
    expect((await call({})).status).toBe(401);
  });
});
