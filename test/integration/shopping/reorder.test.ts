import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { ulid } from 'ulid';
import { describe, expect, it } from 'vitest';
import { handler as reorderHandler } from '../../../functions/shopping/reorder-into-cart.js';
import type { Principal } from '../../../shared/auth/principal.js';
import { addCartLine, createCart } from '../../../shared/carts/carts.js';
import { cartEventId } from '../../../shared/carts/change.js';
import { getCartRecord } from '../../../shared/carts/repository.js';
import { dynamo } from '../../../shared/db/client.js';
import { keys } from '../../../shared/db/keys.js';
import type { Order, OrderLine } from '../../../shared/orders/model.js';
import { putNewOrder } from '../../../shared/orders/repository.js';
import { reorderIntoCart } from '../../../shared/shopping/reorder.js';
import { apiEvent, lambdaContext } from '../../support/lambda.js';
import { anOrder } from '../../unit/orders/fixtures.js';
import { appError, aWorld, itemAt, shopper, testDeps, type World } from '../carts/fixtures.js';

/**
 * `POST /carts/{id}/reorder` against DynamoDB Local: a past order's lines into a cart in one change, each line that
 * cannot be bought now skipped with its reason, once per Idempotency-Key, and nothing of another shopper's reached.
 */

type Handler = (event: APIGatewayProxyEvent, context: ReturnType<typeof lambdaContext>) => Promise<{ statusCode: number; body: string }>;

const principalOf = (subject: string): Principal => ({ subject, kind: 'user', roles: ['shopper'], scopes: ['cart:write', 'orders:read', 'account:read', 'account:write'], stores: [] });

const productIdOf = async (sku: string) => (await itemAt(keys.sku(sku)))?.productId as string;

/** An order line for a SKU of the world, as checkout would have frozen it. */
async function line(sku: string, quantity: OrderLine['quantity'], extra: Partial<OrderLine> = {}): Promise<OrderLine> {
  const soldBy = 'millilitres' in quantity ? 'volume' : 'grams' in quantity ? 'weight' : 'each';
  return {
    lineId: ulid(),
    sku,
    productId: (await productIdOf(sku)) ?? ulid(),
    name: `Name of ${sku}`,
    soldBy,
    quantity,
    unitPrice: 100,
    subtotal: 100,
    discounts: [],
    loyaltyRedemption: 0,
    tax: { rateBasisPoints: 0, amount: 0 },
    total: 100,
    substitution: 'none',
    ...extra,
  };
}

async function anOrderOf(shopperId: string, world: World, lines: OrderLine[], overrides: Partial<Order> = {}): Promise<Order> {
  const order = anOrder({ id: ulid(), shopperId, storeId: world.store.id, lines, status: 'completed', ...overrides });
  await putNewOrder(testDeps(), order);
  return order;
}

describe('reorder into a cart', () => {
  it('adds what can be bought as ordered, in one version with a cart.add per line, and skips the rest with reasons', async () => {
    const deps = testDeps();
    const world = await aWorld({ cheese: 100 });
    await dynamo.send(new DeleteCommand({ TableName: deps.tableName, Key: keys.stock(world.skus.oil, world.store.id) }));
    const who = shopper();
    const milk = await line(world.skus.milk, { count: 2 });
    const bananas = await line(world.skus.bananas, { count: 3, grams: 360 }, { soldBy: 'weight', substitution: 'specific', substituteSku: world.skus.cheese });
    const cheese = await line(world.skus.cheese, { grams: 500 });
    const oil = await line(world.skus.oil, { millilitres: 500 });
    const archived = await line(world.skus.archived, { count: 1 });
    const gone = await line('GONE-SKU', { count: 1 }, { productId: milk.productId });
    const milkByWeight = await line(world.skus.milk, { grams: 500 }, { soldBy: 'weight' });
    const order = await anOrderOf(who.subject, world, [milk, bananas, cheese, oil, archived, gone, milkByWeight]);
    const cart = await createCart({ storeId: world.store.id }, who, deps);
    await addCartLine(cart.id, { sku: world.skus.milk, quantity: { count: 1 }, substitution: 'none' }, who, deps);

    const result = await reorderIntoCart(cart.id, order.id, who, deps);

    expect(result.version).toBe(3);
    expect(result.lines.map((l) => [l.sku, l.quantity, l.substitution, l.substituteSku])).toEqual([
      [world.skus.milk, { count: 3 }, 'none', undefined],
      [world.skus.bananas, { count: 3, grams: 360 }, 'specific', world.skus.cheese],
    ]);
    expect(result.skipped).toEqual([
      { orderLineId: cheese.lineId, sku: world.skus.cheese, name: cheese.name, reason: 'out-of-stock' },
      { orderLineId: oil.lineId, sku: world.skus.oil, name: oil.name, reason: 'not-stocked-here' },
      { orderLineId: archived.lineId, sku: world.skus.archived, name: archived.name, reason: 'product-archived' },
      { orderLineId: gone.lineId, sku: 'GONE-SKU', name: gone.name, reason: 'variant-gone' },
      { orderLineId: milkByWeight.lineId, sku: world.skus.milk, name: milkByWeight.name, reason: 'sold-differently' },
    ]);
    const { skipped: _skipped, ...stored } = result;
    expect(await getCartRecord(deps, cart.id)).toEqual(stored);
    const events = await Promise.all([cartEventId(result), `${cartEventId(result)}-2`, `${cartEventId(result)}-3`].map((id) => itemAt(keys.outboxEvent(id))));
    expect(events.map((e) => e && (JSON.parse(e.detail as string) as { data: { line: { sku: string }; merged: boolean } }).data)).toEqual([
      expect.objectContaining({ line: expect.objectContaining({ sku: world.skus.milk }), merged: true, added: { count: 2 } }),
      expect.objectContaining({ line: expect.objectContaining({ sku: world.skus.bananas }), merged: false }),
      undefined,
    ]);
  });

  it('drops a chosen substitute that can no longer stand in, and skips a line the cart has no room for (over-limit)', async () => {
    const deps = testDeps();
    const world = await aWorld({ milk: 500 });
    const who = shopper();
    const milk = await line(world.skus.milk, { count: 2 });
    const cheese = await line(world.skus.cheese, { grams: 300 }, { substitution: 'specific', substituteSku: world.skus.archived });
    const order = await anOrderOf(who.subject, world, [milk, cheese]);
    const cart = await createCart({ storeId: world.store.id }, who, deps);
    await addCartLine(cart.id, { sku: world.skus.milk, quantity: { count: 98 }, substitution: 'none' }, who, deps);
    const result = await reorderIntoCart(cart.id, order.id, who, deps);
    expect(result.lines.map((l) => [l.sku, l.quantity, l.substitution])).toEqual([
      [world.skus.milk, { count: 98 }, 'none'],
      [world.skus.cheese, { grams: 300 }, 'none'],
    ]);
    expect(result.skipped).toEqual([{ orderLineId: milk.lineId, sku: world.skus.milk, name: milk.name, reason: 'over-limit' }]);
  });

  it('lands together with adds racing it on the same cart, its lines in one version', async () => {
    const deps = testDeps();
    const world = await aWorld({ milk: 500 });
    const who = shopper();
    const order = await anOrderOf(who.subject, world, [await line(world.skus.milk, { count: 2 }), await line(world.skus.oil, { millilitres: 500 }, { soldBy: 'volume' })]);
    const cart = await createCart({ storeId: world.store.id }, who, deps);
    await Promise.all([
      reorderIntoCart(cart.id, order.id, who, deps),
      ...Array.from({ length: 4 }, () => addCartLine(cart.id, { sku: world.skus.milk, quantity: { count: 1 }, substitution: 'none' }, who, deps)),
    ]);
    const stored = await getCartRecord(deps, cart.id);
    expect(stored?.version).toBe(6);
    expect(stored?.lines.map((l) => [l.sku, l.quantity])).toEqual(expect.arrayContaining([[world.skus.milk, { count: 6 }], [world.skus.oil, { millilitres: 500 }]]));
    expect(stored?.lines).toHaveLength(2);
  });

  it('writes nothing when every line is skipped', async () => {
    const deps = testDeps();
    const world = await aWorld();
    const who = shopper();
    const order = await anOrderOf(who.subject, world, [await line(world.skus.archived, { count: 1 })]);
    const cart = await createCart({ storeId: world.store.id }, who, deps);
    const result = await reorderIntoCart(cart.id, order.id, who, deps);
    expect(result).toMatchObject({ version: 1, lines: [], skipped: [{ reason: 'product-archived' }] });
  });

  it('answers another shopper’s order, or cart, 404 as a missing one, changing nothing', async () => {
    const deps = testDeps();
    const world = await aWorld();
    const owner = shopper();
    const stranger = shopper();
    const order = await anOrderOf(owner.subject, world, [await line(world.skus.milk, { count: 1 })]);
    const theirs = await createCart({ storeId: world.store.id }, stranger, deps);
    const mine = await createCart({ storeId: world.store.id }, owner, deps);
    expect(await appError(reorderIntoCart(theirs.id, order.id, stranger, deps))).toMatchObject({ kind: 'not-found', message: `Order ${order.id} does not exist.` });
    expect(await appError(reorderIntoCart(theirs.id, ulid(), stranger, deps))).toMatchObject({ kind: 'not-found' });
    expect(await appError(reorderIntoCart(theirs.id, order.id, owner, deps))).toMatchObject({ kind: 'not-found', message: `Cart ${theirs.id} does not exist.` });
    expect((await getCartRecord(deps, theirs.id))?.lines).toEqual([]);
    expect((await getCartRecord(deps, mine.id))?.lines).toEqual([]);
  });

  it('through the handler: a repeat with the same Idempotency-Key adds the lines once; bad input is a 400 naming the field', async () => {
    // The handler runs on the real clock, so the cart is read back on it too (its idle expiry moves with each change).
    const deps = testDeps({ now: () => new Date() });
    const world = await aWorld();
    const who = shopper();
    const order = await anOrderOf(who.subject, world, [await line(world.skus.milk, { count: 2 }), await line(world.skus.archived, { count: 1 })]);
    const cart = await createCart({ storeId: world.store.id }, who, deps);
    const send = async (body: unknown, key?: string) => {
      const headers: Record<string, string> = { 'Content-Type': 'application/json', ...(key ? { 'Idempotency-Key': key } : {}) };
      const event = apiEvent({ method: 'POST', resource: '/carts/{id}/reorder', pathParameters: { id: cart.id }, body: JSON.stringify(body), headers, principal: principalOf(who.subject) });
      const response = await (reorderHandler as unknown as Handler)(event, lambdaContext());
      return { status: response.statusCode, body: JSON.parse(response.body) as Record<string, unknown> };
    };
    const key = `reorder-${cart.id}`;
    const first = await send({ orderId: order.id }, key);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ version: 2, lines: [{ sku: world.skus.milk, quantity: { count: 2 } }], skipped: [{ reason: 'product-archived' }] });
    const again = await send({ orderId: order.id }, key);
    expect(again).toEqual(first);
    expect((await getCartRecord(deps, cart.id))?.lines.map((l) => l.quantity)).toEqual([{ count: 2 }]);
    const bad = await send({ orderId: '' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([expect.objectContaining({ field: 'body.orderId' })]);
    const extra = await send({ orderId: order.id, lines: [] });
    expect(extra.status).toBe(400);
    expect((await getCartRecord(deps, cart.id))?.version).toBe(2);
  });
});
