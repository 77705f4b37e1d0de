import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { Cart } from '../../shared/carts/model.js';
import type { OrderView } from '../../shared/orders/views.js';
import type { BuyAgainList } from '../../shared/shopping/buy-again.js';
import type { ShoppingList, ShoppingListPage } from '../../shared/shopping/model.js';
import type { ReorderView } from '../../shared/shopping/reorder.js';
import { ApiClient } from '../support/api-client.js';
import { eventually, problem } from '../support/e2e.js';

/**
 * Lists and reorder end to end on the local platform, through the contract-checking client: a shopper makes a list
 * and changes it; their order completes and shows in "buy it again"; one of its products is archived meanwhile, and
 * reordering the order into a new cart adds the rest, once however often the request is repeated with its key, and
 * says why the archived line was skipped. The products are this file's own, so archiving one touches no other file.
 */

const STORE = 'london-bridge';
const run = Date.now().toString(36);
const api = new ApiClient(inject('baseUrl'));
const admin = api.as({ apiKey: inject('adminApiKey') });
let shopper: ApiClient;

interface Product {
  id: string;
  version: number;
  variants: { sku: string }[];
}

let tea: Product;
let biscuits: Product;
let cheese: Product;

async function product(name: string, soldBy: 'each' | 'weight', price: number, categoryId: string): Promise<Product> {
  const sku = `SHOP-${name}-${run}`.toUpperCase().replace(/[^A-Z0-9-]/g, '-');
  const variant = soldBy === 'each' ? { sku, name: 'one', soldBy, price: { amount: price, currency: 'GBP' } } : { sku, name: 'per kg', soldBy, price: { amount: price, currency: 'GBP' }, averageWeightGrams: 250 };
  const created = await admin.post<Product>('/products', { name: `${name} ${run}`, categoryId, taxCategory: 'food', variants: [variant] });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const stocked = await admin.post('/inventory/adjustments', { sku, storeId: STORE, setTo: 1_000, reason: 'stock-take' }, { headers: { 'idempotency-key': `shop-stock-${sku}` } });
  expect(stocked.status, JSON.stringify(stocked.body)).toBe(201);
  return created.body;
}

beforeAll(async () => {
  shopper = api.as({ token: await api.mintToken(`e2e-shopping-${run}`, ['shopper']) });
  const category = await admin.post<{ id: string }>('/categories', { slug: `shopping-${run}`, name: `Shopping ${run}` });
  expect(category.status, JSON.stringify(category.body)).toBe(201);
  [tea, biscuits, cheese] = await Promise.all([
    product('Tea', 'each', 1000, category.body.id),
    product('Biscuits', 'each', 500, category.body.id),
    product('Cheese', 'weight', 1500, category.body.id),
  ]);
});

describe('shopping lists, buy it again and reorder', () => {
  it('makes a list, changes it under its version, and refuses what is wrong without changing it', async () => {
    const made = await shopper.post<ShoppingList>('/me/lists', { name: 'Weekly', lines: [{ sku: tea.variants[0]!.sku, quantity: { count: 2 } }, { sku: cheese.variants[0]!.sku, quantity: { count: 2 } }] }, { headers: { 'idempotency-key': `list-${run}` } });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect(made.headers.get('location')).toBe(`/me/lists/${made.body.id}`);
    expect(made.body.lines.map((l) => l.quantity)).toEqual([{ count: 2 }, { count: 2, grams: 500 }]);
    const [teaLine, cheeseLine] = made.body.lines;
    const changed = await shopper.patch<ShoppingList>(
      `/me/lists/${made.body.id}`,
      { version: 1, name: 'Weekly shop', remove: [cheeseLine!.lineId], set: [{ lineId: teaLine!.lineId, quantity: { count: 3 } }], add: [{ sku: biscuits.variants[0]!.sku, quantity: { count: 1 } }] },
      { contentType: 'application/json' },
    );
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expect(changed.body).toMatchObject({ name: 'Weekly shop', version: 2 });
    expect(changed.body.lines.map((l) => [l.sku, l.quantity])).toEqual([
      [tea.variants[0]!.sku, { count: 3 }],
      [biscuits.variants[0]!.sku, { count: 1 }],
    ]);
    const unknown = await problem(shopper.patch(`/me/lists/${made.body.id}`, { version: 2, add: [{ sku: 'NO-SUCH-SKU', quantity: { count: 1 } }] }, { contentType: 'application/json' }), 400);
    expect(unknown.errors).toEqual([{ field: 'body.add.0.sku', message: 'no product has the SKU NO-SUCH-SKU' }]);
    await problem(shopper.patch(`/me/lists/${made.body.id}`, { version: 1, name: 'Stale' }, { contentType: 'application/json' }), 409, 'version-mismatch');
    const { body: page } = await shopper.get<ShoppingListPage>('/me/lists');
    expect(page.items).toEqual([changed.body]);
  });

  it('shows a completed order in buy it again, and reorders it into a new cart without the product archived since', async () => {
    const { body: slots } = await api.get<{ items: { id: string; mode: string; available: boolean; cutoffAt: string }[] }>(`/stores/${STORE}/slots?mode=pickup`);
    const slot = slots.items.find((s) => s.available && Date.parse(s.cutoffAt) > Date.now() + 10 * 60_000)!;
    const cart = (await shopper.post<Cart>('/carts', { storeId: STORE })).body;
    expect((await shopper.post(`/carts/${cart.id}/lines`, { sku: tea.variants[0]!.sku, quantity: { count: 3 } })).status).toBe(200);
    expect((await shopper.post(`/carts/${cart.id}/lines`, { sku: biscuits.variants[0]!.sku, quantity: { count: 2 } })).status).toBe(200);
    expect((await shopper.request('PUT', `/carts/${cart.id}/fulfillment`, { body: { mode: 'pickup', slotId: slot.id } })).status).toBe(200);
    // No line allows a substitute, so the order is captured at once and completes without picking.
    const started = await shopper.post<OrderView>('/checkout', { cartId: cart.id, paymentMethod: 'pm_card_visa' }, { headers: { 'idempotency-key': `shop-checkout-${run}` } });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    const orderId = started.body.id;
    await eventually(`order ${orderId} completed`, async () => {
      const { body } = await shopper.get<OrderView>(`/orders/${orderId}`);
      expect(body.status).not.toBe('failed');
      return body.status === 'completed' ? body : undefined;
    });

    const again = await shopper.get<BuyAgainList>('/me/buy-again?limit=10');
    expect(again.status).toBe(200);
    expect(again.body.items.map((i) => [i.sku, i.timesBought, i.price.amount])).toEqual([
      [biscuits.variants[0]!.sku, 1, 500],
      [tea.variants[0]!.sku, 1, 1000],
    ]);

    const archived = await admin.patch(`/products/${biscuits.id}`, { version: biscuits.version, status: 'archived' }, { contentType: 'application/merge-patch+json' });
    expect(archived.status, JSON.stringify(archived.body)).toBe(200);
    expect((await shopper.get<BuyAgainList>('/me/buy-again')).body.items.map((i) => i.sku)).toEqual([tea.variants[0]!.sku]);

    const next = (await shopper.post<Cart>('/carts', { storeId: STORE })).body;
    const key = { headers: { 'idempotency-key': `shop-reorder-${run}` } };
    const reordered = await shopper.post<ReorderView>(`/carts/${next.id}/reorder`, { orderId }, key);
    expect(reordered.status, JSON.stringify(reordered.body)).toBe(200);
    expect(reordered.body.lines.map((l) => [l.sku, l.quantity, l.substitution])).toEqual([[tea.variants[0]!.sku, { count: 3 }, 'none']]);
    expect(reordered.body.skipped).toEqual([{ orderLineId: started.body.lines[1]!.lineId, sku: biscuits.variants[0]!.sku, name: started.body.lines[1]!.name, reason: 'product-archived' }]);
    const repeated = await shopper.post<ReorderView>(`/carts/${next.id}/reorder`, { orderId }, key);
    expect(repeated.body).toEqual(reordered.body);
    const { body: stored } = await shopper.get<Cart>(`/carts/${next.id}`);
    expect([stored.version, stored.lines.map((l) => l.quantity)]).toEqual([2, [{ count: 3 }]]);

    // The same key and body on another cart is another request: it fills that cart rather than replaying this answer.
    const other = (await shopper.post<Cart>('/carts', { storeId: STORE })).body;
    const intoOther = await shopper.post<ReorderView>(`/carts/${other.id}/reorder`, { orderId }, key);
    expect(intoOther.status, JSON.stringify(intoOther.body)).toBe(200);
    expect(intoOther.body.id).toBe(other.id);
    expect((await shopper.get<Cart>(`/carts/${other.id}`)).body.lines.map((l) => l.quantity)).toEqual([{ count: 3 }]);

    // Another shopper can neither reorder this order nor see it in their buy it again.
    const stranger = api.as({ token: await api.mintToken(`e2e-shopping-stranger-${run}`, ['shopper']) });
    const theirs = (await stranger.post<Cart>('/carts', { storeId: STORE })).body;
    await problem(stranger.post(`/carts/${theirs.id}/reorder`, { orderId }), 404);
    expect((await stranger.get<BuyAgainList>('/me/buy-again')).body.items).toEqual([]);
  });
});
