import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { CategoryView } from '../../shared/catalog/views.js';
import type { SkuInventory } from '../../shared/inventory/requests.js';
import type { StockAdjustmentPage, StoreStockPage } from '../../shared/inventory/store-stock.js';
import { ApiClient } from '../support/api-client.js';
import { fieldsOf, problem } from '../support/e2e.js';

/**
 * The console's Stock page on the running local platform: a store's stock lines and a SKU's adjustments there, for
 * the staff of that store; another store's staff get a 404 as for a store that does not exist, a shopper a 403; each
 * bad parameter a 400 naming it, with nothing changed. It stocks a product of its own.
 */

const run = Date.now().toString(36).toUpperCase();
const HOME = 'london-bridge';
const AWAY = 'manchester-piccadilly';
const api = new ApiClient(inject('baseUrl'));
const token = async (name: string, roles: string[], stores: string[] = []) => api.as({ token: await api.mintToken(`e2e-stock-admin-${name}-${run}`, roles, stores) });
/** A path with its query string. */
const withQuery = (path: string, query: Record<string, string>) => `${path}?${new URLSearchParams(query).toString()}`;
let picker: ApiClient;
let manager: ApiClient;
let awayManager: ApiClient;
let shopper: ApiClient;
const sku = `E2E-STOCKADM-${run}`;

beforeAll(async () => {
  [picker, manager, awayManager, shopper] = await Promise.all([
    token('picker', ['picker'], [HOME]),
    token('manager', ['store-manager'], [HOME]),
    token('away', ['store-manager'], [AWAY]),
    token('shopper', ['shopper']),
  ]);
  const headOffice = await token('head-office', ['head-office']);
  const category = (await headOffice.post<CategoryView>('/categories', { slug: `stock-admin-${run.toLowerCase()}`, name: 'Stock admin e2e' })).body;
  const product = await headOffice.post('/products', {
    name: `Stock page tea ${run}`,
    categoryId: category.id,
    taxCategory: 'food',
    variants: [{ sku, name: '80 bags', soldBy: 'each', price: { amount: 350, currency: 'GBP' } }],
  });
  expect(product.status, JSON.stringify(product.body)).toBe(201);
  const delivered = await manager.post('/inventory/adjustments', { sku, storeId: HOME, delta: 24, reason: 'delivery', note: 'crate 3' }, { headers: { 'idempotency-key': `stock-admin-${run}-1` } });
  expect(delivered.status, JSON.stringify(delivered.body)).toBe(201);
});

describe('GET /stores/{id}/stock', () => {
  it('shows a picker their store’s stock lines with name, on hand and available, by SKU prefix', async () => {
    const page = await picker.get<StoreStockPage>(withQuery(`/stores/${HOME}/stock`, { skuPrefix: sku }));
    expect(page.status, JSON.stringify(page.body)).toBe(200);
    expect(page.body).toEqual({
      storeId: HOME,
      items: [expect.objectContaining({ sku, name: `Stock page tea ${run}, 80 bags`, stockUnit: 'item', available: 24, reserved: 0, committed: 0, onHand: 24 })],
      nextCursor: null,
    });
    // The whole store, page by page: the sample stock and ours, each line once.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const next: { body: StoreStockPage } = await manager.get<StoreStockPage>(withQuery(`/stores/${HOME}/stock`, { limit: '100', ...(cursor ? { cursor } : {}) }));
      seen.push(...next.body.items.map((l) => l.sku));
      cursor = next.body.nextCursor;
    } while (cursor);
    expect(seen).toContain(sku);
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual(seen);
  });

  it('answers another store’s staff 404 like a store that does not exist, and a shopper 403', async () => {
    const away = await problem(awayManager.get(`/stores/${HOME}/stock`), 404);
    const missing = await problem(manager.get('/stores/no-such-store/stock'), 404);
    expect(away.detail).toBe(`Store ${HOME} does not exist.`);
    expect(missing.detail).toBe('Store no-such-store does not exist.');
    await problem(shopper.get(`/stores/${HOME}/stock`), 403, 'insufficient-scope');
    await problem(shopper.get(withQuery(`/inventory/${sku}/adjustments`, { store: HOME })), 403, 'insufficient-scope');
    expect((await api.get(`/stores/${HOME}/stock`)).status).toBe(401);
  });
});

describe('GET /inventory/{sku}/adjustments', () => {
  it('shows an adjustment with its reason, delta, note and who made it, newest first', async () => {
    const damaged = await manager.post('/inventory/adjustments', { sku, storeId: HOME, delta: -2, reason: 'damaged', note: 'two boxes crushed' }, { headers: { 'idempotency-key': `stock-admin-${run}-2` } });
    expect(damaged.status).toBe(201);
    const history = await picker.get<StockAdjustmentPage>(withQuery(`/inventory/${sku}/adjustments`, { store: HOME }));
    expect(history.status, JSON.stringify(history.body)).toBe(200);
    expect(history.body.items.map((a) => [a.reason, a.delta, a.note, a.actor])).toEqual([
      ['damaged', -2, 'two boxes crushed', `e2e-stock-admin-manager-${run}`],
      ['delivery', 24, 'crate 3', `e2e-stock-admin-manager-${run}`],
    ]);
    expect(history.body.items[0]).toMatchObject({ action: 'adjust', actorKind: 'person', before: { available: 24 }, after: { available: 22 } });
    await problem(awayManager.get(withQuery(`/inventory/${sku}/adjustments`, { store: HOME })), 404);
  });

  it('answers bad input 400 naming the parameter, and changes nothing', async () => {
    const before = (await manager.get<SkuInventory>(`/inventory/${sku}`)).body;
    expect(fieldsOf(await problem(manager.get(withQuery(`/stores/${HOME}/stock`, { skuPrefix: 'lower-case' })), 400))).toEqual(['query.skuPrefix']);
    expect(fieldsOf(await problem(manager.get(withQuery(`/stores/${HOME}/stock`, { limit: '0' })), 400))).toEqual(['query.limit']);
    expect(fieldsOf(await problem(manager.get(withQuery(`/stores/${HOME}/stock`, { cursor: 'eyJwayI6IlBST0RVQ1QjMSJ9' })), 400))).toEqual(['query.cursor']);
    expect(fieldsOf(await problem(manager.get(withQuery(`/stores/${HOME}/stock`, { colour: 'red' })), 400))).toEqual(['query']);
    expect(fieldsOf(await problem(manager.get(`/inventory/${sku}/adjustments`), 400))).toEqual(['query.store']);
    expect(fieldsOf(await problem(manager.get(withQuery('/inventory/not-a-sku/adjustments', { store: HOME })), 400))).toEqual(['path.sku']);
    expect((await manager.get<SkuInventory>(`/inventory/${sku}`)).body).toEqual(before);
  });
});
