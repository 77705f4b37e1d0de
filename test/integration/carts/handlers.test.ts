import type { APIGatewayProxyEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { handler as addLine } from '../../../functions/carts/add-cart-line.js';
import { handler as applyCoupon } from '../../../functions/carts/apply-coupon.js';
import { handler as chooseFulfillment } from '../../../functions/carts/choose-fulfillment.js';
import { handler as createCart } from '../../../functions/carts/create-cart.js';
import { handler as getCart } from '../../../functions/carts/get-cart.js';
import { handler as holdCart } from '../../../functions/carts/hold-cart.js';
import { handler as redeemLoyalty } from '../../../functions/carts/redeem-loyalty.js';
import { handler as releaseHold } from '../../../functions/carts/release-cart-hold.js';
import { handler as removeCoupon } from '../../../functions/carts/remove-coupon.js';
import { handler as removeLine } from '../../../functions/carts/remove-cart-line.js';
import { handler as updateLine } from '../../../functions/carts/update-cart-line.js';
import type { Principal } from '../../../shared/auth/principal.js';
import { cartDeps } from '../../../shared/carts/deps.js';
import { getCartRecord } from '../../../shared/carts/repository.js';
import { apiEvent, lambdaContext, type EventInput } from '../../support/lambda.js';
import { engines } from '../../support/engines.js';
import { aSlot, aWorld, address, type World } from './fixtures.js';

/**
 * The cart handlers behind the full HTTP stack against DynamoDB Local: the happy path of a whole
 * cart, then every endpoint meeting bad input, another shopper and missing credentials, each
 * answered with a problem and leaving the cart exactly as it was.
 */

type Handler = (event: APIGatewayProxyEvent, context: ReturnType<typeof lambdaContext>) => Promise<{ statusCode: number; headers?: Record<string, unknown>; body: string }>;

const principal = (subject: string, extra: Partial<Principal> = {}): Principal => ({ subject, kind: 'user', roles: ['shopper'], scopes: ['cart:write', 'orders:read'], stores: [], ...extra });

async function call(handler: unknown, input: Omit<EventInput, 'body'> & { body?: unknown }) {
  const body = input.body === undefined ? null : typeof input.body === 'string' ? input.body : JSON.stringify(input.body);
  const headers = { 'Content-Type': 'application/json', ...input.headers };
  const response = await (handler as Handler)(apiEvent({ ...input, headers, body }), lambdaContext());
  return { status: response.statusCode, headers: response.headers ?? {}, json: response.body ? JSON.parse(response.body) : undefined };
}

const fieldsOf = (problem: { errors?: { field: string }[] } | undefined) => (problem?.errors ?? []).map((e) => e.field).sort();
const deps = () => cartDeps({ tableName: engines().tableName });

/** A cart of `owner`'s with one line of milk, its world and its line id. */
async function aCart(owner: Principal, world?: World) {
  const w = world ?? (await aWorld());
  const created = await call(createCart, { method: 'POST', resource: '/carts', body: { storeId: w.store.id }, principal: owner });
  expect(created.status).toBe(201);
  const id = created.json!.id as string;
  const added = await call(addLine, { method: 'POST', resource: '/carts/{id}/lines', pathParameters: { id }, body: { sku: w.skus.milk, quantity: { count: 2 } }, principal: owner });
  expect(added.status).toBe(200);
  return { world: w, id, lineId: added.json!.lines[0].lineId as string };
}

describe('cart handlers, the happy path', () => {
  it('creates, fills, prices, holds and releases a cart over the HTTP stack', async () => {
    const alice = principal('handler-alice');
    const world = await aWorld();
    const created = await call(createCart, { method: 'POST', resource: '/carts', body: { storeId: world.store.id }, principal: alice, headers: { 'Idempotency-Key': `k-${world.store.id}` } });
    expect(created.status).toBe(201);
    expect(created.headers.location).toBe(`/carts/${created.json!.id}`);
    const replay = await call(createCart, { method: 'POST', resource: '/carts', body: { storeId: world.store.id }, principal: alice, headers: { 'Idempotency-Key': `k-${world.store.id}` } });
    expect(replay.json!.id).toBe(created.json!.id);
    const id = created.json!.id as string;
    const path = { id };
    await call(addLine, { method: 'POST', resource: '/carts/{id}/lines', pathParameters: path, body: { sku: world.skus.bananas, quantity: { count: 3 }, substitution: 'same-brand' }, principal: alice });
    const added = await call(addLine, { method: 'POST', resource: '/carts/{id}/lines', pathParameters: path, body: { sku: world.skus.milk, quantity: { count: 1 } }, principal: alice });
    const lineId = added.json!.lines[1].lineId as string;
    expect((await call(updateLine, { method: 'PATCH', resource: '/carts/{id}/lines/{lineId}', pathParameters: { id, lineId }, body: { quantity: { count: 2 } }, principal: alice })).json!.lines[1].quantity).toEqual({ count: 2 });
    expect((await call(chooseFulfillment, { method: 'PUT', resource: '/carts/{id}/fulfillment', pathParameters: path, body: { mode: 'delivery', slotId: world.slot.id, address }, principal: alice })).status).toBe(200);
    const priced = await call(getCart, { method: 'GET', resource: '/carts/{id}', pathParameters: path, principal: alice });
    expect(priced.status).toBe(200);
    expect(priced.json!.pricing.lines[0].estimate).toMatchObject({ grams: 360, bufferBasisPoints: 1500 });
    const held = await call(holdCart, { method: 'POST', resource: '/carts/{id}/hold', pathParameters: path, principal: alice });
    expect([held.status, held.json!.status]).toEqual([200, 'held']);
    const released = await call(releaseHold, { method: 'DELETE', resource: '/carts/{id}/hold', pathParameters: path, principal: alice });
    expect([released.status, released.json!.status]).toEqual([200, 'open']);
    expect((await call(removeLine, { method: 'DELETE', resource: '/carts/{id}/lines/{lineId}', pathParameters: { id, lineId }, principal: alice })).json!.lines).toHaveLength(1);
  });
});

describe('cart handlers, refusing bad requests without changing anything', () => {
  const alice = principal('handler-owner');

  it('POST /carts: malformed JSON, unknown fields, a malformed or unknown store, no credentials, the wrong scope', async () => {
    const send = (body: unknown, who: Principal | null = alice) => call(createCart, { method: 'POST', resource: '/carts', body, ...(who ? { principal: who } : {}) });
    expect((await send('{"storeId":')).status).toBe(400);
    const unknownField = await send({ storeId: 'abc', owner: 'someone-else' });
    expect([unknownField.status, unknownField.json!.errors]).toEqual([400, [{ field: 'body', message: 'unknown field: owner' }]]);
    expect(fieldsOf((await send({ storeId: 'Not A Store' })).json)).toEqual(['body.storeId']);
    const missing = await send({ storeId: 'no-such-store-here' });
    expect([missing.status, missing.json!.detail]).toEqual([404, 'Store no-such-store-here does not exist.']);
    expect((await send({ storeId: 'abc' }, null)).status).toBe(401);
    expect((await send({ storeId: 'abc' }, principal('picker-1', { roles: ['picker'], scopes: ['orders:pick'] }))).status).toBe(403);
  });

  it('POST /carts/{id}/lines: half an item, zero, negative and absurd quantities, grams of an item, unknown SKUs, malformed bodies', async () => {
    const { id, world } = await aCart(alice);
    const before = await getCartRecord(deps(), id);
    const send = (body: unknown) => call(addLine, { method: 'POST', resource: '/carts/{id}/lines', pathParameters: { id }, body, principal: alice });
    const half = await send({ sku: world.skus.milk, quantity: { count: 0.5 } });
    expect([half.status, half.json!.errors]).toEqual([400, [{ field: 'body.quantity.count', message: 'must be a whole number of items' }]]);
    for (const quantity of [{ count: 0 }, { count: -3 }, { count: 1_000_000 }, { grams: 1e12 }, { grams: -5 }, {}, { count: 1, grams: 100 }, 'two']) {
      const response = await send({ sku: world.skus.milk, quantity });
      expect(response.status, JSON.stringify(quantity)).toBe(400);
      expect(fieldsOf(response.json)[0], JSON.stringify(quantity)).toMatch(/^body\.quantity/);
    }
    const grams = await send({ sku: world.skus.milk, quantity: { grams: 500 } });
    expect([grams.status, grams.json!.errors]).toEqual([400, [{ field: 'body.quantity', message: `${world.skus.milk} is sold by the item: send a whole count` }]]);
    const unknown = await send({ sku: 'NOT-A-REAL-SKU', quantity: { count: 1 } });
    expect([unknown.status, unknown.json!.errors]).toEqual([400, [{ field: 'body.sku', message: 'no product has the SKU NOT-A-REAL-SKU' }]]);
    const archived = await send({ sku: world.skus.archived, quantity: { count: 1 } });
    expect([archived.status, archived.json!.type]).toEqual([409, expect.stringMatching(/product-archived$/)]);
    expect((await send('not json')).status).toBe(400);
    expect(fieldsOf((await send({ sku: world.skus.milk, quantity: { count: 1 }, substitution: 'whatever' })).json)).toEqual(['body.substitution']);
    expect(fieldsOf((await call(addLine, { method: 'POST', resource: '/carts/{id}/lines', pathParameters: { id: 'not-a-ulid' }, body: { sku: world.skus.milk, quantity: { count: 1 } }, principal: alice })).json)).toEqual(['path.id']);
    expect(await getCartRecord(deps(), id)).toEqual(before);
  });

  it('PATCH and DELETE of lines: unknown lines, malformed ids, empty patches, bad quantities', async () => {
    const { id, lineId } = await aCart(alice);
    const before = await getCartRecord(deps(), id);
    const patch = (line: string, body: unknown) => call(updateLine, { method: 'PATCH', resource: '/carts/{id}/lines/{lineId}', pathParameters: { id, lineId: line }, body, principal: alice });
    expect((await patch(lineId, {})).status).toBe(400);
    expect(fieldsOf((await patch(lineId, { quantity: { count: 2.5 } })).json)).toEqual(['body.quantity.count']);
    expect(fieldsOf((await patch('line-1', { substitution: 'best-match' })).json)).toEqual(['path.lineId']);
    expect((await patch('01JZZZZZZZZZZZZZZZZZZZZZZZ', { substitution: 'best-match' })).status).toBe(404);
    expect((await call(removeLine, { method: 'DELETE', resource: '/carts/{id}/lines/{lineId}', pathParameters: { id, lineId: '01JZZZZZZZZZZZZZZZZZZZZZZZ' }, principal: alice })).status).toBe(404);
    expect(await getCartRecord(deps(), id)).toEqual(before);
  });

  it('coupons, loyalty and fulfillment: malformed bodies, unknown coupons, points beyond the balance, slots in the past or of the wrong mode', async () => {
    const { id, world } = await aCart(alice);
    const before = await getCartRecord(deps(), id);
    const coupon = (body: unknown) => call(applyCoupon, { method: 'POST', resource: '/carts/{id}/coupons', pathParameters: { id }, body, principal: alice });
    expect(fieldsOf((await coupon({ code: 'has spaces' })).json)).toEqual(['body.code']);
    const unknown = await coupon({ code: 'NOSUCHCODE' });
    expect([unknown.status, unknown.json!.type]).toEqual([422, expect.stringMatching(/coupon-not-applicable$/)]);
    expect(fieldsOf((await call(removeCoupon, { method: 'DELETE', resource: '/carts/{id}/coupons/{code}', pathParameters: { id, code: 'no spaces' }, principal: alice })).json)).toEqual(['path.code']);

    const loyalty = (body: unknown) => call(redeemLoyalty, { method: 'PUT', resource: '/carts/{id}/loyalty', pathParameters: { id }, body, principal: alice });
    for (const points of [-1, 2.5, '100', 1e12]) expect((await loyalty({ points })).status, String(points)).toBe(400);
    const tooMany = await loyalty({ points: 500 });
    expect([tooMany.status, tooMany.json!.limitedBy, tooMany.json!.redeemable]).toEqual([422, 'balance', 0]);

    const fulfillment = (body: unknown) => call(chooseFulfillment, { method: 'PUT', resource: '/carts/{id}/fulfillment', pathParameters: { id }, body, principal: alice });
    expect(fieldsOf((await fulfillment({ mode: 'delivery', slotId: world.slot.id })).json)).toEqual(['body.address']);
    expect(fieldsOf((await fulfillment({ mode: 'pickup', slotId: 'tomorrow morning' })).json)).toEqual(['body.slotId']);
    expect(fieldsOf((await fulfillment({ mode: 'teleport', slotId: world.slot.id })).json)).toEqual(['body.mode']);
    const pickup = await fulfillment({ mode: 'pickup', slotId: world.slot.id });
    expect([pickup.status, pickup.json!.errors[0].field]).toEqual([400, 'body.slotId']);
    const past = await aSlot(world.store.id, { startsAt: '2024-05-01T10:00:00.000Z' });
    const inPast = await fulfillment({ mode: 'delivery', slotId: past.id, address });
    expect([inPast.status, inPast.json!.type]).toEqual([422, expect.stringMatching(/slot-in-past$/)]);
    expect((await fulfillment({ mode: 'delivery', slotId: '2031-01-01T10:00Z~delivery', address })).status).toBe(404);
    const hold = await call(holdCart, { method: 'POST', resource: '/carts/{id}/hold', pathParameters: { id }, principal: alice });
    expect([hold.status, hold.json!.type]).toEqual([422, expect.stringMatching(/fulfillment-missing$/)]);
    expect(await getCartRecord(deps(), id)).toEqual(before);
  });

  it('answers every route on another shopper’s cart with the 404 of a missing cart, and changes nothing', async () => {
    const { id, lineId, world } = await aCart(alice);
    const before = await getCartRecord(deps(), id);
    const mallory = principal('handler-mallory');
    const attempts: [unknown, Omit<EventInput, 'body' | 'principal'> & { body?: unknown }][] = [
      [getCart, { method: 'GET', resource: '/carts/{id}', pathParameters: { id } }],
      [addLine, { method: 'POST', resource: '/carts/{id}/lines', pathParameters: { id }, body: { sku: world.skus.milk, quantity: { count: 1 } } }],
      [updateLine, { method: 'PATCH', resource: '/carts/{id}/lines/{lineId}', pathParameters: { id, lineId }, body: { quantity: { count: 9 } } }],
      [removeLine, { method: 'DELETE', resource: '/carts/{id}/lines/{lineId}', pathParameters: { id, lineId } }],
      [applyCoupon, { method: 'POST', resource: '/carts/{id}/coupons', pathParameters: { id }, body: { code: 'WELCOME10' } }],
      [removeCoupon, { method: 'DELETE', resource: '/carts/{id}/coupons/{code}', pathParameters: { id, code: 'WELCOME10' } }],
      [redeemLoyalty, { method: 'PUT', resource: '/carts/{id}/loyalty', pathParameters: { id }, body: { points: 0 } }],
      [chooseFulfillment, { method: 'PUT', resource: '/carts/{id}/fulfillment', pathParameters: { id }, body: { mode: 'delivery', slotId: world.slot.id, address } }],
      [holdCart, { method: 'POST', resource: '/carts/{id}/hold', pathParameters: { id } }],
      [releaseHold, { method: 'DELETE', resource: '/carts/{id}/hold', pathParameters: { id } }],
    ];
    for (const [handler, input] of attempts) {
      const response = await call(handler, { ...input, principal: mallory });
      expect([response.status, response.json!.detail], `${input.method} ${input.resource}`).toEqual([404, `Cart ${id} does not exist.`]);
    }
    expect(await getCartRecord(deps(), id)).toEqual(before);
    const support = await call(getCart, { method: 'GET', resource: '/carts/{id}', pathParameters: { id }, principal: principal('support', { roles: ['admin'], scopes: ['cart:write', 'admin'] }) });
    expect(support.status).toBe(200);
  });
});
