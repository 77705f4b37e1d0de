import { describe, expect, it } from 'vitest';
import { fieldErrors } from '../../../shared/http/validate.js';
import { AdjustStockRequest } from '../../../shared/inventory/requests.js';
import { sampleQuantity } from '../../../shared/inventory/seed.js';
import { sampleCatalog } from '../../../shared/catalog/seed.js';
import { Store } from '../../../shared/stores/model.js';
import { SAMPLE_STORES } from '../../../shared/stores/seed.js';

const fieldsOf = (body: unknown) => {
  const result = AdjustStockRequest.safeParse(body);
  return result.success ? [] : fieldErrors('body', result.error).map((e) => e.field);
};
const valid = { sku: 'FP-BANANAS-KG', storeId: 'london-bridge', delta: 5, reason: 'delivery' };

describe('AdjustStockRequest', () => {
  it('takes a delta or a setTo with a reason', () => {
    expect(fieldsOf(valid)).toEqual([]);
    expect(fieldsOf({ ...valid, delta: undefined, setTo: 0, note: 'stock take, aisle 4', leadTimeDays: 3 })).toEqual([]);
    expect(fieldsOf({ ...valid, delta: -5 })).toEqual([]);
  });

  it.each([
    ['a fractional quantity', { ...valid, delta: 0.5 }, ['body.delta']],
    ['a zero delta', { ...valid, delta: 0 }, ['body.delta']],
    ['a negative setTo', { ...valid, delta: undefined, setTo: -1 }, ['body.setTo']],
    ['an absurd quantity', { ...valid, delta: 1e12 }, ['body.delta']],
    ['neither delta nor setTo', { ...valid, delta: undefined }, ['body.delta']],
    ['both delta and setTo', { ...valid, setTo: 3 }, ['body.setTo']],
    ['an unknown reason', { ...valid, reason: 'gift' }, ['body.reason']],
    ['a malformed SKU', { ...valid, sku: 'bananas' }, ['body.sku']],
    ['a malformed store id', { ...valid, storeId: 'London Bridge' }, ['body.storeId']],
    ['an unknown field', { ...valid, price: 3 }, ['body']],
    ['a string quantity', { ...valid, delta: '5' }, ['body.delta']],
  ])('refuses %s', (_, body, fields) => {
    expect(fieldsOf(body)).toEqual(fields);
  });
});

describe('Store', () => {
  it('accepts the sample stores and refuses a timezone that is not IANA', () => {
    const at = '2026-01-01T00:00:00.000Z';
    for (const store of SAMPLE_STORES) expect(Store.safeParse({ ...store, createdAt: at, updatedAt: at }).success).toBe(true);
    const result = Store.safeParse({ ...SAMPLE_STORES[0], timezone: 'London', createdAt: at, updatedAt: at });
    expect(result.success).toBe(false);
  });
});

describe('sample stock', () => {
  it('is deterministic, and some SKUs are out of stock at each store but not the same everywhere', () => {
    const skus = sampleCatalog().products.filter((p) => !p.bundle).flatMap((p) => p.variants);
    for (const store of SAMPLE_STORES) {
      const quantities = skus.map((v) => sampleQuantity(v.sku, store.id, v.soldBy));
      expect(quantities).toEqual(skus.map((v) => sampleQuantity(v.sku, store.id, v.soldBy)));
      const out = quantities.filter((q) => q === 0).length;
      expect(out).toBeGreaterThan(skus.length * 0.05);
      expect(out).toBeLessThan(skus.length * 0.2);
    }
    const outAt = (storeId: string) => skus.filter((v) => sampleQuantity(v.sku, storeId, v.soldBy) === 0).map((v) => v.sku);
    expect(outAt('london-bridge')).not.toEqual(outAt('manchester-piccadilly'));
  });
});
