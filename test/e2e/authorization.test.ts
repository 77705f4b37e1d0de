import { beforeAll, describe, expect, inject, it } from 'vitest';
import { ROLES, scopesForRoles, type Role } from '../../shared/auth/roles.js';
import { routes, type RouteSpec } from '../../wiring/index.js';
import type { Cart } from '../../shared/carts/model.js';
import type { OrderView } from '../../shared/orders/views.js';
import { ApiClient, type ApiResponse } from '../support/api-client.js';
import { problem } from '../support/e2e.js';
import { localRuntime, SandboxLedger } from '../support/payments-sandbox.js';
import { sampleSkus } from '../support/sample-skus.js';

/**
 * Who may do what, where, route by route (docs/security.md):
 * - every scoped route answers each role without its scope 403 `insufficient-scope`, and lets each role with it past
 *   the scope check (whatever the request then gets, it is not a 401 or 403);
 * - staff of another store get a 404 for a specific order, exactly like a missing one, and a 403 for an act that
 *   names a store (listing its orders, adjusting its stock, selling there);
 * - a shopper acting on another shopper's cart, order or subscription gets a 404;
 * - a token's scope claim narrows what its roles allow and never widens it.
 */

const api = new ApiClient(inject('baseUrl'));
const admin = api.as({ apiKey: inject('adminApiKey') });
const run = Date.now().toString(36);
const HOME = 'london-bridge';
const AWAY = 'manchester-piccadilly';
const SAMPLE_STORES = [HOME, AWAY, 'edinburgh-leith'];
/** A well-formed id of nothing, for routes reached only to see whether the scope check lets the caller past. */
const GHOST = '01JBQ8Y0000000000000000001';

/** Stores a store-bound role works at in the scope matrix: all of them, so that only the scope decides. */
const STORE_BOUND: readonly Role[] = ['picker', 'store-manager', 'pos', 'stock-feed'];

async function as(subject: string, roles: Role[], stores: string[] = []): Promise<ApiClient> {
  return api.as({ token: await api.mintToken(`${subject}-${run}`, roles, stores) });
}

/** A request that reaches a route's scope check: its path with ghost ids, and a JSON object body where it takes one. */
function reach(client: ApiClient, route: RouteSpec): Promise<ApiResponse> {
  const path = route.path
    .replace('/me/payment-methods/{id}', '/me/payment-methods/pm_authzghost')
    .replace('{sku}', 'FP-BANANAS-KG')
    .replace('{code}', 'NO-SUCH-COUPON')
    .replace(/\{[^}]+\}/g, route.path.startsWith('/admin/queues') ? 'no-such-queue' : GHOST);
  const query = route.path === '/orders' && route.method === 'GET' ? `?store=${HOME}&date=2030-01-01` : route.path === '/reports/reconciliation' ? '?date=2030-01-01' : '';
  const takesBody = route.method !== 'GET' && route.method !== 'DELETE';
  const headers = { 'idempotency-key': `authz-${run}-${Math.random().toString(36).slice(2)}` };
  if (route.path === '/products/{id}/images') {
    return client.request(route.method, path, { body: new FormData(), headers });
  }
  return client.request(route.method, `${path}${query}`, takesBody ? { body: {}, headers } : { headers });
}

const scoped = routes.filter((r): r is RouteSpec & { auth: { kind: 'scope' } } => r.auth.kind === 'scope');

describe('every scoped route, with every role', () => {
  const clients = new Map<Role, ApiClient>();
  beforeAll(async () => {
    for (const role of ROLES) clients.set(role, await as(`authz-${role}`, [role], STORE_BOUND.includes(role) ? SAMPLE_STORES : []));
  });

  it.each(scoped.map((r) => [`${r.method} ${r.path}`, r] as const))('%s: 403 without its scope, past the check with it', async (_name, route) => {
    for (const role of ROLES) {
      const response = await reach(clients.get(role)!, route);
      if (scopesForRoles([role]).includes(route.auth.scope)) {
        expect([401, 403], `${role} holds ${route.auth.scope}: ${JSON.stringify(response.body)}`).not.toContain(response.status);
      } else {
        expect(response.status, `${role} lacks ${route.auth.scope}`).toBe(403);
        expect(response.body, role).toMatchObject({ type: 'https://smartshelf.dev/problems/insufficient-scope', requiredScope: route.auth.scope });
      }
    }
  });

  it('answers every scoped route 401 without credentials', async () => {
    for (const route of scoped) expect((await reach(api, route)).status, `${route.method} ${route.path}`).toBe(401);
  });
});

describe('a token asking for more than its roles allow', () => {
  it('gets no more: a picker asking for admin is still refused the tax rates, and narrowing keeps only what was asked', async () => {
    const mint = async (body: unknown) => {
      const response = await fetch(api.url('/local/tokens'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(response.status).toBe(200);
      return api.as({ token: ((await response.json()) as { token: string }).token });
    };
    const greedy = await mint({ subject: `authz-greedy-${run}`, roles: ['picker'], stores: [HOME], scopes: ['admin', 'orders:refund'] });
    expect(await problem(greedy.get('/tax-rates'), 403)).toMatchObject({ requiredScope: 'admin' });
    // It asked only for scopes its role lacks, so it holds none at all: not even the picker's own.
    expect(await problem(greedy.get(`/orders/${GHOST}`), 403)).toMatchObject({ requiredScope: 'orders:read' });
    const narrow = await mint({ subject: `authz-narrow-${run}`, roles: ['store-manager'], stores: [HOME], scopes: ['orders:read'] });
    expect((await narrow.get(`/orders/${GHOST}`)).status).toBe(404);
    expect(await problem(narrow.post('/inventory/adjustments', { sku: 'FP-BANANAS-KG', storeId: HOME, delta: 1, reason: 'delivery' }, { headers: { 'idempotency-key': `n-${run}` } }), 403)).toMatchObject({
      requiredScope: 'inventory:write',
    });
  });
});

describe('staff of another store, and another shopper', () => {
  let order: OrderView;
  let cartId: string;
  let cardId: string;
  let listId: string;
  let addressId: string;
  let slotId: string;
  let subscriptionId: string;
  let deliverySlotId: string;
  let owner: ApiClient;
  let stranger: ApiClient;

  beforeAll(async () => {
    owner = await as('authz-owner', ['shopper']);
    stranger = await as('authz-stranger', ['shopper']);
    const item = sampleSkus(HOME, 'each').find((s) => s.stock >= 40 && s.price >= 300)!;
    const { body: slots } = await api.get<{ items: { id: string; mode: string; available: boolean; minimumOrder: { amount: number } }[] }>(`/stores/${HOME}/slots`);
    const slot = slots.items.filter((s) => s.mode === 'pickup' && s.available).sort((a, b) => a.minimumOrder.amount - b.minimumOrder.amount)[0]!;
    slotId = slot.id;
    deliverySlotId = slots.items.find((s) => s.mode === 'delivery' && s.available)!.id;
    // Twice the minimum, so that a promotion on the item cannot take the basket below it.
    const count = Math.ceil((2 * slot.minimumOrder.amount) / item.price);
    const ordered = (await owner.post<Cart>('/carts', { storeId: HOME })).body.id;
    expect([200, 201]).toContain((await owner.post(`/carts/${ordered}/lines`, { sku: item.sku, quantity: { count } })).status);
    expect((await owner.request('PUT', `/carts/${ordered}/fulfillment`, { body: { mode: 'pickup', slotId: slot.id } })).status).toBe(200);
    const started = await owner.post<OrderView>('/checkout', { cartId: ordered, paymentMethod: 'pm_card_visa' }, { headers: { 'idempotency-key': `authz-order-${run}` } });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    order = started.body;
    cartId = (await owner.post<Cart>('/carts', { storeId: HOME })).body.id;
    const setup = await owner.post<{ setupIntentId: string }>('/me/payment-methods/setup', undefined, { headers: { 'idempotency-key': `authz-setup-${run}` } });
    expect(setup.status, JSON.stringify(setup.body)).toBe(200);
    cardId = await new SandboxLedger((await localRuntime(inject('dataDir'))).paymentsSandboxUrl).saveCard(setup.body.setupIntentId);
    expect((await owner.patch('/me', { displayName: 'Owner' })).status).toBe(200);
    const pass = await owner.post<{ id: string }>('/subscriptions', { plan: 'delivery-pass-monthly' }, { headers: { 'idempotency-key': `authz-pass-${run}` } });
    expect(pass.status, JSON.stringify(pass.body)).toBe(201);
    subscriptionId = pass.body.id;
    const list = await owner.post<{ id: string }>('/me/lists', { name: 'Weekly', lines: [{ sku: item.sku, quantity: { count: 1 } }] });
    expect(list.status, JSON.stringify(list.body)).toBe(201);
    listId = list.body.id;
    const address = await owner.post<{ id: string }>('/me/addresses', { label: 'Home', recipientName: 'Owner', line1: '1 Tooley Street', city: 'London', postcode: 'SE1 2TF', country: 'GB' });
    expect(address.status, JSON.stringify(address.body)).toBe(201);
    addressId = address.body.id;
  });

  it('staff of another store: 404 for the order, its pick, cancel and refund, as for one that does not exist', async () => {
    const picker = await as('authz-away-picker', ['picker'], [AWAY]);
    const manager = await as('authz-away-manager', ['store-manager'], [AWAY]);
    const refund = { headers: { 'idempotency-key': `authz-refund-${run}` } };
    const hidden = [
      await picker.get(`/orders/${order.id}`),
      await picker.post(`/orders/${order.id}/pick`, { lines: order.lines.map((line) => ({ lineId: line.lineId, quantity: line.quantity })) }),
      await manager.get(`/orders/${order.id}`),
      await manager.post(`/orders/${order.id}/cancel`, { reason: 'Not my store' }),
      await manager.post(`/orders/${order.id}/refunds`, { amount: 1, reason: 'Not my store' }, refund),
    ];
    const missing = await manager.get(`/orders/${GHOST}`);
    for (const response of hidden) {
      expect(response.status, JSON.stringify(response.body)).toBe(404);
      expect((response.body as { type: string }).type).toBe((missing.body as { type: string }).type);
    }
    // A picker of its own store reaches it, but cancelling is for staff who may change orders.
    const homePicker = await as('authz-home-picker-cancel', ['picker'], [HOME]);
    expect(await problem(homePicker.post(`/orders/${order.id}/cancel`, { reason: 'Picker tries' }), 403)).toMatchObject({ requiredScope: 'orders:write' });
    // Their own store's staff reach it; the order was neither cancelled nor refunded by the others.
    const local = await as('authz-home-manager', ['store-manager'], [HOME]);
    const seen = await local.get<OrderView>(`/orders/${order.id}`);
    expect(seen.status).toBe(200);
    expect(seen.body.status).not.toBe('cancelled');
    expect(seen.body.payment.refunded).toBe(0);
  });

  it('staff of another store: 403 for acts that name the store, and only their own stores in the stock view', async () => {
    const manager = await as('authz-away-manager-2', ['store-manager'], [AWAY]);
    expect(await problem(manager.get(`/orders?store=${HOME}&date=${order.createdAt.slice(0, 10)}`), 403, 'store-forbidden')).toMatchObject({ storeId: HOME });
    const adjust = { sku: 'FP-BANANAS-KG', storeId: HOME, delta: 1000, reason: 'delivery' };
    await problem(manager.post('/inventory/adjustments', adjust, { headers: { 'idempotency-key': `authz-adjust-${run}` } }), 403, 'store-forbidden');
    const stock = await manager.get<{ stores: { storeId: string }[] }>('/inventory/FP-BANANAS-KG');
    expect(stock.body.stores.map((s) => s.storeId)).toEqual([AWAY]);
    const till = await as('authz-away-till', ['pos'], [AWAY]);
    const sale = { channel: 'pos', storeId: HOME, posReference: `authz-${run}`, lines: [{ sku: 'FP-BANANAS-KG', quantity: { grams: 500 } }], fulfillment: { mode: 'in-store' }, paymentMethod: 'pm_card_visa' };
    await problem(till.post('/orders', sale, { headers: { 'idempotency-key': `authz-sale-${run}` } }), 403, 'store-forbidden');
    expect((await admin.get<{ items: unknown[] }>(`/orders?store=${HOME}&date=${order.createdAt.slice(0, 10)}`)).body.items.length).toBeGreaterThan(0);
  });

  it('another shopper: 404 for the order, its cancel, its substitutions, and every route of the cart, changing nothing', async () => {
    const strangersCart = (await stranger.post<Cart>('/carts', { storeId: HOME })).body.id;
    const attempts = [
      await stranger.get(`/orders/${order.id}`),
      await stranger.post(`/orders/${order.id}/cancel`, { reason: 'Not mine' }),
      await stranger.post(`/orders/${order.id}/substitutions/${order.lines[0]!.lineId}`, { decision: 'accept' }),
      await stranger.get(`/carts/${cartId}`),
      await stranger.post(`/carts/${cartId}/lines`, { sku: 'FP-BANANAS-KG', quantity: { grams: 500 } }),
      await stranger.request('PUT', `/carts/${cartId}/fulfillment`, { body: { mode: 'pickup', slotId } }),
      await stranger.post(`/carts/${cartId}/coupons`, { code: 'WELCOME10' }),
      await stranger.request('PUT', `/carts/${cartId}/loyalty`, { body: { points: 100 } }),
      await stranger.post(`/carts/${cartId}/hold`),
      await stranger.request('DELETE', `/carts/${cartId}/hold`),
      await stranger.post('/checkout', { cartId, paymentMethod: 'pm_card_visa' }, { headers: { 'idempotency-key': `authz-steal-${run}` } }),
      await stranger.request('DELETE', `/me/payment-methods/${cardId}`),
      await stranger.get(`/subscriptions/${subscriptionId}`),
      await stranger.post(`/subscriptions/${subscriptionId}/cancel`),
      // The owner's order into the stranger's own cart, and into the owner's cart.
      await stranger.post(`/carts/${strangersCart}/reorder`, { orderId: order.id }),
      await stranger.post(`/carts/${cartId}/reorder`, { orderId: order.id }),
      await stranger.get(`/me/lists/${listId}`),
      await stranger.patch(`/me/lists/${listId}`, { version: 1, name: 'Mine now' }, { contentType: 'application/json' }),
      await stranger.request('DELETE', `/me/lists/${listId}`),
      await stranger.patch(`/me/addresses/${addressId}`, { version: 1, label: 'Mine now' }),
      await stranger.request('DELETE', `/me/addresses/${addressId}`),
      // The owner's saved address into the stranger's own cart.
      await stranger.request('PUT', `/carts/${strangersCart}/fulfillment`, { body: { mode: 'delivery', slotId: deliverySlotId, addressId } }),
    ];
    for (const response of attempts) expect(response.status, JSON.stringify(response.body)).toBe(404);
    const { body: cart } = await owner.get<Cart>(`/carts/${cartId}`);
    expect(cart.lines).toEqual([]);
    expect((await stranger.get<{ items: unknown[] }>('/me/payment-methods')).body.items).toEqual([]);
    expect((await owner.get<{ items: { id: string }[] }>('/me/payment-methods')).body.items.map((m) => m.id)).toContain(cardId);
    expect((await stranger.get<Cart>(`/carts/${strangersCart}`)).body.lines).toEqual([]);
    expect((await stranger.get<{ items: unknown[] }>('/me/lists')).body.items).toEqual([]);
    expect((await stranger.get<{ items: unknown[] }>('/me/addresses')).body.items).toEqual([]);
    expect((await owner.get<{ items: { id: string; version: number }[] }>('/me/addresses')).body.items).toEqual([expect.objectContaining({ id: addressId, version: 1 })]);
    expect((await stranger.get<Cart>(`/carts/${strangersCart}`)).body.fulfillment).toBeUndefined();
    expect((await stranger.get<{ items: unknown[] }>('/me/buy-again')).body.items).toEqual([]);
    expect((await owner.get<{ name: string; version: number }>(`/me/lists/${listId}`)).body).toMatchObject({ name: 'Weekly', version: 1 });
    expect((await owner.get<OrderView>(`/orders/${order.id}`)).body.status).not.toBe('cancelled');
    // `/me` has no id to tamper with: each shopper reads and changes only their own profile.
    expect((await stranger.patch('/me', { displayName: 'Stranger' })).status).toBe(200);
    expect((await owner.get<{ shopperId: string; displayName: string }>('/me')).body).toMatchObject({ displayName: 'Owner' });
    expect((await stranger.get<{ shopperId: string; displayName: string }>('/me')).body.displayName).toBe('Stranger');
    expect((await owner.get<{ cancelRequestedAt?: string }>(`/subscriptions/${subscriptionId}`)).body.cancelRequestedAt).toBeUndefined();
  });

  it('shapes the order for its reader: no staff subject for the shopper, no client secret or checkout key for staff', async () => {
    const local = await as('authz-home-picker', ['picker'], [HOME]);
    const staffView = (await local.get<Record<string, unknown>>(`/orders/${order.id}`)).body;
    const shopperView = (await owner.get<OrderView>(`/orders/${order.id}`)).body;
    for (const view of [staffView, shopperView]) {
      expect(view).not.toHaveProperty('checkoutKey');
      expect(view).not.toHaveProperty('redemptionsTaken');
    }
    expect(JSON.stringify(staffView)).not.toContain('clientSecret');
    const owners = shopperView.statusHistory.map((change) => change.actor);
    expect(owners.every((actor) => actor === shopperView.shopperId || actor === 'smartshelf'), owners.join(', ')).toBe(true);
  });
});

describe('another shopper and a personal-data export', () => {
  it('finds nothing: the export id of someone else is a 404, exactly like a missing one', async () => {
    const owner = await as('authz-export-owner', ['shopper']);
    const stranger = await as('authz-export-stranger', ['shopper']);
    const started = await owner.post<{ id: string }>('/me/exports', undefined, { headers: { 'idempotency-key': `authz-export-${run}` } });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    const theirs = await stranger.get(`/me/exports/${started.body.id}`);
    const missing = await stranger.get(`/me/exports/${GHOST}`);
    expect(theirs.status).toBe(404);
    expect((theirs.body as { type: string }).type).toBe((missing.body as { type: string }).type);
    expect((await owner.get(`/me/exports/${started.body.id}`)).status).toBe(200);
  });
});
