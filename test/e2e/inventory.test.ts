import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { CategoryView, ProductView } from '../../shared/catalog/views.js';
import type { AdjustmentView, BundleAtStore, SkuInventory, StockAtStore } from '../../shared/inventory/requests.js';
import type { Store } from '../../shared/stores/model.js';
import { SAMPLE_STORES } from '../../shared/stores/seed.js';
import { ApiClient } from '../support/api-client.js';
import { fieldsOf, problem } from '../support/e2e.js';

/**
 * Stores and inventory end to end, over HTTP against the local platform, every response checked against the
 * OpenAPI document. The adjustment tests stock a product of their own, so they neither depend on nor disturb the
 * sample stock that other suites reserve from.
 */

const run = Date.now().toString(36).toUpperCase();
const api = new ApiClient(inject('baseUrl'));
let manager: ApiClient;
let shopper: ApiClient;
let sku: string;
let bundleSku: string;

async function stockAt(storeId: string, of = sku): Promise<StockAtStore> {
  const { body } = await manager.get<SkuInventory>(`/inventory/${of}`);
  return body.stores.find((s) => s.storeId === storeId) as StockAtStore;
}

beforeAll(async () => {
  // The manager works at every sample store: these tests are about stock; the catalog is head office's to change.
  manager = api.as({ token: await api.mintToken(`e2e-manager-${run}`, ['store-manager'], SAMPLE_STORES.map((s) => s.id)) });
  shopper = api.as({ token: await api.mintToken(`e2e-shopper-${run}`, ['shopper']) });
  const headOffice = api.as({ token: await api.mintToken(`e2e-head-office-${run}`, ['head-office']) });
  const category = (await headOffice.post<CategoryView>('/categories', { slug: `inventory-e2e-${run.toLowerCase()}`, name: 'Inventory e2e' })).body;
  sku = `E2E-INV-${run}`;
  const variant = (s: string) => ({ sku: s, name: 'Each', soldBy: 'each', price: { amount: 150, currency: 'GBP' } });
  await headOffice.post<ProductView>('/products', { name: `Stock test ${run}`, categoryId: category.id, taxCategory: 'food', variants: [variant(sku)] });
  bundleSku = `E2E-INV-BOX-${run}`;
  await headOffice.post<ProductView>('/products', {
    name: `Stock test box ${run}`,
    categoryId: category.id,
    taxCategory: 'food',
    variants: [variant(bundleSku)],
    bundle: { components: [{ sku, quantity: 3 }, { sku: 'PN-HEINZ-BAKED-BEANZ-415G', quantity: 1 }] },
  });
});

describe('stores', () => {
  it('lists the sample stores publicly, and shows one', async () => {
    const { body } = await api.get<{ items: Store[] }>('/stores');
    expect(body.items.map((s) => s.id)).toEqual(expect.arrayContaining(SAMPLE_STORES.map((s) => s.id)));
    const { body: store } = await api.get<Store>('/stores/london-bridge');
    expect(store).toMatchObject({ id: 'london-bridge', timezone: 'Europe/London', taxJurisdiction: 'GB', currency: 'GBP', status: 'open' });
    expect(store.fulfillmentModes).toEqual(['delivery', 'pickup']);
  });

  it('answers 404 for a store that does not exist and 400 for a malformed id', async () => {
    expect((await problem(api.get('/stores/no-such-store'), 404)).detail).toBe('Store no-such-store does not exist.');
    expect(fieldsOf(await problem(api.get('/stores/Not_A_Store'), 400))).toEqual(['path.id']);
  });
});

describe('GET /inventory/{sku}', () => {
  it('shows every store’s sample stock of a SKU in its stock unit', async () => {
    const { body } = await manager.get<SkuInventory>('/inventory/FP-BANANAS-KG');
    expect(body).toMatchObject({ sku: 'FP-BANANAS-KG', stockUnit: 'g', bundle: false });
    expect(body.stores.map((s) => s.storeId)).toEqual(expect.arrayContaining(SAMPLE_STORES.map((s) => s.id)));
    for (const store of body.stores) expect((store as StockAtStore).version).toBeGreaterThanOrEqual(1);
  });

  it('derives a bundle’s availability at each store from its components', async () => {
    const { body } = await manager.get<SkuInventory>('/inventory/BN-CURRY-NIGHT-BUNDLE-EA');
    expect(body.bundle).toBe(true);
    for (const store of body.stores as BundleAtStore[]) {
      expect(store.components.map((c) => c.sku)).toContain('BK-SS-PLAIN-NAAN-BREADS-2PK');
      expect(store.available).toBe(Math.min(...store.components.map((c) => Math.floor(c.available / c.quantity))));
    }
  });

  it('is for staff only, and answers 404 for a SKU no product has', async () => {
    await problem(api.get(`/inventory/${sku}`), 401);
    expect(await problem(shopper.get(`/inventory/${sku}`), 403)).toMatchObject({ requiredScope: 'inventory:read' });
    expect((await problem(manager.get(`/inventory/NO-SUCH-SKU-${run}`), 404)).detail).toBe(`SKU NO-SUCH-SKU-${run} does not exist.`);
    expect(fieldsOf(await problem(manager.get('/inventory/not-a-sku'), 400))).toEqual(['path.sku']);
  });
});

describe('POST /inventory/adjustments', () => {
  it('stocks a SKU at a store with an audited adjustment, once per Idempotency-Key', async () => {
    expect(await stockAt('london-bridge')).toMatchObject({ available: 0, version: 0, updatedAt: null });
    const body = { sku, storeId: 'london-bridge', delta: 10, reason: 'delivery', note: 'first delivery' };
    const headers = { 'idempotency-key': `adjust-${run}` };
    const first = await manager.post<AdjustmentView>('/inventory/adjustments', body, { headers });
    expect(first.status).toBe(201);
    expect(first.headers.get('location')).toBe(`/inventory/${sku}`);
    expect(first.body).toMatchObject({ sku, storeId: 'london-bridge', delta: 10, reason: 'delivery', before: null, after: { available: 10, version: 1 } });
    const repeat = await manager.post<AdjustmentView>('/inventory/adjustments', body, { headers });
    expect(repeat.body).toEqual(first.body);

    const counted = await manager.post<AdjustmentView>('/inventory/adjustments', { sku, storeId: 'london-bridge', setTo: 12, reason: 'stock-take' });
    expect(counted.body).toMatchObject({ delta: 2, before: { available: 10, version: 1 }, after: { available: 12, version: 2 } });
    expect(await stockAt('london-bridge')).toMatchObject({ available: 12, reserved: 0, committed: 0, version: 2 });
    expect(await stockAt('manchester-piccadilly')).toMatchObject({ available: 0, version: 0 });

    const box = (await manager.get<SkuInventory>(`/inventory/${bundleSku}`)).body.stores.find((s) => s.storeId === 'london-bridge') as BundleAtStore;
    expect(box.components.find((c) => c.sku === sku)).toEqual({ sku, quantity: 3, available: 12 });
    expect(box.available).toBe(Math.min(4, box.components.find((c) => c.sku !== sku)!.available));
  });

  it('refuses bad requests with a clear 4xx and changes nothing', async () => {
    await manager.post('/inventory/adjustments', { sku, storeId: 'edinburgh-leith', delta: 5, reason: 'delivery' });
    const before = await stockAt('edinburgh-leith');
    const valid = { sku, storeId: 'edinburgh-leith', delta: -1, reason: 'damaged' };

    const malformed = await problem(manager.post('/inventory/adjustments', '{"sku": ', { contentType: 'application/json' }), 400);
    expect(malformed.detail).toMatch(/JSON/i);
    const negative = await problem(manager.post('/inventory/adjustments', { ...valid, delta: -6 }), 409);
    expect(negative).toMatchObject({ detail: `${sku} at edinburgh-leith has 5 available; this adjustment would leave -1.`, available: 5, result: -1 });
    expect(fieldsOf(await problem(manager.post('/inventory/adjustments', { ...valid, delta: 0.5 }), 400))).toEqual(['body.delta']);
    expect(fieldsOf(await problem(manager.post('/inventory/adjustments', { ...valid, delta: 1e12 }), 400))).toEqual(['body.delta']);
    expect(fieldsOf(await problem(manager.post('/inventory/adjustments', { ...valid, delta: undefined, setTo: -3 }), 400))).toEqual(['body.setTo']);
    const unknownSku = await problem(manager.post('/inventory/adjustments', { ...valid, sku: `NO-SUCH-SKU-${run}` }), 400);
    expect(unknownSku.errors).toEqual([{ field: 'body.sku', message: `no product has the SKU NO-SUCH-SKU-${run}` }]);
    const unknownStore = await problem(manager.post('/inventory/adjustments', { ...valid, storeId: 'atlantis' }), 400);
    expect(unknownStore.errors).toEqual([{ field: 'body.storeId', message: 'no store has the id atlantis' }]);
    const bundle = await problem(manager.post('/inventory/adjustments', { ...valid, sku: bundleSku }), 400);
    expect(bundle.errors?.[0]?.message).toContain('is a bundle, stocked as its components');
    expect(fieldsOf(await problem(manager.post('/inventory/adjustments', { ...valid, reason: 'gift' }), 400))).toEqual(['body.reason']);
    expect(fieldsOf(await problem(manager.post('/inventory/adjustments', { ...valid, extra: true }), 400))).toEqual(['body']);
    await problem(api.post('/inventory/adjustments', valid), 401);
    expect(await problem(shopper.post('/inventory/adjustments', valid), 403)).toMatchObject({ requiredScope: 'inventory:write' });

    expect(await stockAt('edinburgh-leith')).toEqual(before);
    expect(before).toMatchObject({ available: 5, version: 1 });
  });
});
