import { randomBytes } from 'node:crypto';
import { ulid } from 'ulid';
import { describe, expect, it } from 'vitest';
import { handler as getOrder } from '../../../functions/orders/get-order.js';
import { handler as listOrders } from '../../../functions/orders/list-orders.js';
import type { Principal } from '../../../shared/auth/principal.js';
import { type Role, scopesForRoles } from '../../../shared/auth/roles.js';
import { tableDeps } from '../../../shared/db/deps.js';
import type { Order } from '../../../shared/orders/model.js';
import { putNewOrder } from '../../../shared/orders/repository.js';
import { trackingOf } from '../../../shared/orders/tracking.js';
import { engines } from '../../support/engines.js';
import { apiEvent, lambdaContext } from '../../support/lambda.js';
import { anOrder } from '../../unit/orders/fixtures.js';

const token = () => randomBytes(4).toString('hex');
const as = (role: Role, subject = `${role}-${token()}`): Principal => ({ subject, kind: 'user', roles: [role], scopes: scopesForRoles([role]), stores: role === 'shopper' ? [] : ['*'] });

/** Stores an order created at `createdAt` (default 2030-03-04 09:00 UTC). */
async function stored(overrides: Partial<Order>): Promise<Order> {
  const order = anOrder({ id: ulid(), ...overrides });
  await putNewOrder(tableDeps({ tableName: engines().tableName }), order);
  return order;
}

async function get(id: string, principal: Principal) {
  const response = await getOrder(apiEvent({ method: 'GET', resource: '/orders/{id}', pathParameters: { id }, principal }), lambdaContext());
  return { status: response.statusCode, body: JSON.parse(response.body) as Record<string, unknown> };
}

async function list(query: Record<string, string>, principal: Principal) {
  const response = await listOrders(apiEvent({ method: 'GET', resource: '/orders', query, principal }), lambdaContext());
  return { status: response.statusCode, body: JSON.parse(response.body) as { items: Order[]; nextCursor: string | null; code?: string; detail?: string } };
}

/** Every page of a listing, following `nextCursor`. */
async function allPages(query: Record<string, string>, principal: Principal): Promise<string[][]> {
  const pages: string[][] = [];
  let cursor: string | null = null;
  do {
    const { status, body } = await list({ ...query, ...(cursor ? { cursor } : {}) }, principal);
    expect(status).toBe(200);
    pages.push(body.items.map((o) => o.id));
    cursor = body.nextCursor;
  } while (cursor);
  return pages;
}

describe('GET /orders/{id}', () => {
  it('gives a shopper their own order, another shopper a 404 like a missing order, and staff any order', async () => {
    const owner = as('shopper');
    const order = await stored({ shopperId: owner.subject });
    // Every reader also sees where the order is.
    const view = { ...order, tracking: trackingOf(order) };
    expect(await get(order.id, owner)).toEqual({ status: 200, body: view });
    const foreign = await get(order.id, as('shopper'));
    const missing = await get(ulid(), as('shopper'));
    expect(foreign).toEqual({ status: 404, body: { ...missing.body, detail: `Order ${order.id} does not exist.`, id: order.id, instance: foreign.body.instance } });
    expect([missing.status, missing.body.type]).toEqual([404, foreign.body.type]);
    for (const role of ['store-manager', 'picker', 'admin'] as const) expect((await get(order.id, as(role))).body).toEqual(view);
  });

  it('refuses an id longer than 64 characters with a 400', async () => {
    expect((await get('x'.repeat(65), as('shopper'))).status).toBe(400);
  });
});

describe('GET /orders', () => {
  it('pages a shopper through their own orders, newest first, and nobody else’s', async () => {
    const shopper = as('shopper');
    const mine = [];
    for (let hour = 1; hour <= 5; hour++) mine.push(await stored({ shopperId: shopper.subject, createdAt: `2030-03-04T0${hour}:00:00.000Z` }));
    await stored({ shopperId: `shopper-${token()}` });
    expect(await allPages({ limit: '2' }, shopper)).toEqual([
      [mine[4]!.id, mine[3]!.id],
      [mine[2]!.id, mine[1]!.id],
      [mine[0]!.id],
    ]);
  });

  it('gives a shopper with no orders an empty page', async () => {
    expect(await list({}, as('shopper'))).toEqual({ status: 200, body: { items: [], nextCursor: null } });
  });

  it('lists one store’s orders of one UTC day for staff, optionally of one status', async () => {
    const store = `store-${token()}`;
    const early = await stored({ storeId: store, createdAt: '2030-03-04T08:00:00.000Z' });
    const late = await stored({ storeId: store, createdAt: '2030-03-04T20:00:00.000Z' });
    const confirmed = await stored({ storeId: store, createdAt: '2030-03-04T10:00:00.000Z', status: 'confirmed' });
    await stored({ storeId: store, createdAt: '2030-03-05T00:00:00.000Z' });
    await stored({ storeId: `store-${token()}`, createdAt: '2030-03-04T09:00:00.000Z' });
    expect(await allPages({ store, date: '2030-03-04', status: 'pending', limit: '1' }, as('store-manager'))).toEqual([[late.id], [early.id], []]);
    expect(await allPages({ store, date: '2030-03-04', status: 'confirmed' }, as('picker'))).toEqual([[confirmed.id]]);
    expect((await allPages({ store, date: '2030-03-04' }, as('admin'))).flat().sort()).toEqual([early.id, late.id, confirmed.id].sort());
  });

  it('refuses bad queries with a 400 naming what was wrong', async () => {
    const manager = as('store-manager');
    const shopper = as('shopper');
    await stored({ shopperId: shopper.subject });
    await stored({ shopperId: shopper.subject, createdAt: '2030-03-04T10:00:00.000Z' });
    const foreignCursor = (await list({ limit: '1' }, shopper)).body.nextCursor!;
    const cases: [Record<string, string>, Principal, string][] = [
      [{ store: 'store-1' }, manager, "Staff list one store's orders of one day: date is required."],
      [{ date: '2030-03-04' }, manager, "Staff list one store's orders of one day: store is required."],
      [{}, manager, "Staff list one store's orders of one day: store and date are required."],
      [{ status: 'pending' }, shopper, 'Shoppers list their own orders; status is a staff filter.'],
      [{ store: 'store-1', date: '2030-03-04' }, shopper, 'Shoppers list their own orders; store, date are staff filters.'],
    ];
    for (const [query, principal, detail] of cases) expect((await list(query, principal)).body.detail).toBe(detail);
    const refused = [
      [{ store: 'store-1', date: '2030-13-01' }, manager],
      [{ store: 'store-1', date: '2030-03-04', status: 'shipped' }, manager],
      [{ page: '2' }, shopper],
      [{ limit: '0' }, shopper],
      [{ cursor: 'not-a-cursor' }, shopper],
      [{ cursor: foreignCursor }, as('shopper')],
      [{ store: 'store-1', date: '2030-03-04', cursor: foreignCursor }, manager],
    ] as const;
    for (const [query, principal] of refused) expect([query, (await list(query, principal)).status]).toEqual([query, 400]);
  });
});
