import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../shared/errors.js';
import { adjustStock } from '../../../shared/inventory/adjustments.js';
import { NegativeStockError } from '../../../shared/inventory/errors.js';
import { reserveStock } from '../../../shared/inventory/reservations.js';
import { getSkuInventory } from '../../../shared/inventory/stock-queries.js';
import { appError } from '../catalog/fixtures.js';
import { bundle, openStore, outboxEnvelope, products, stockStaff, everyStore, stockAudit, stockOf, testDeps, uniqueSku } from './fixtures.js';

describe('adjustStock', () => {
  it('creates the stock item on the first adjustment and audits each change with before and after', async () => {
    const storeId = await openStore();
    const [sku] = (await products(1)) as [string];
    const first = await adjustStock({ sku, storeId, delta: 12, reason: 'delivery', note: 'pallet 7' }, stockStaff, testDeps());
    const second = await adjustStock({ sku, storeId, delta: -2, reason: 'damaged' }, stockStaff, testDeps());
    const third = await adjustStock({ sku, storeId, setTo: 4, reason: 'stock-take', leadTimeDays: 5 }, stockStaff, testDeps());

    expect(first).toMatchObject({ delta: 12, before: null, after: { available: 12, reserved: 0, committed: 0, leadTimeDays: 2, version: 1 } });
    expect(second).toMatchObject({ delta: -2, before: { available: 12, version: 1 }, after: { available: 10, version: 2 } });
    expect(third).toMatchObject({ delta: -6, before: { available: 10 }, after: { available: 4, leadTimeDays: 5, version: 3 } });
    expect(await stockOf(sku, storeId)).toMatchObject({ available: 4, leadTimeDays: 5, version: 3 });

    const audit = await stockAudit(storeId, sku);
    expect(audit.map((a) => [a.before, a.after])).toEqual([
      [{}, { available: 12, reserved: 0, committed: 0, leadTimeDays: 2, version: 1, delta: 12, reason: 'delivery', note: 'pallet 7' }],
      [
        { available: 12, reserved: 0, committed: 0, leadTimeDays: 2, version: 1 },
        { available: 10, reserved: 0, committed: 0, leadTimeDays: 2, version: 2, delta: -2, reason: 'damaged' },
      ],
      [
        { available: 10, reserved: 0, committed: 0, leadTimeDays: 2, version: 2 },
        { available: 4, reserved: 0, committed: 0, leadTimeDays: 5, version: 3, delta: -6, reason: 'stock-take' },
      ],
    ]);
    expect(audit.every((a) => a.actor === stockStaff.actor && a.entity === 'stock' && a.action === 'adjust')).toBe(true);
    expect((await outboxEnvelope(`adjusted-${second.id}`))?.data).toEqual({
      adjustmentId: second.id,
      sku,
      storeId,
      delta: -2,
      reason: 'damaged',
      actor: stockStaff.actor,
      level: { sku, storeId, available: 10, reserved: 0, committed: 0, version: 2 },
    });
  });

  it('refuses to go below zero and changes nothing', async () => {
    const storeId = await openStore();
    const [sku] = (await products(1)) as [string];
    await adjustStock({ sku, storeId, delta: 3, reason: 'delivery' }, stockStaff, testDeps());
    const error = await appError(adjustStock({ sku, storeId, delta: -4, reason: 'theft' }, stockStaff, testDeps()));
    expect(error).toBeInstanceOf(NegativeStockError);
    expect(error.message).toBe(`${sku} at ${storeId} has 3 available; this adjustment would leave -1.`);
    expect(await stockOf(sku, storeId)).toMatchObject({ available: 3, version: 1 });
    expect(await stockAudit(storeId, sku)).toHaveLength(1);
  });

  it('keeps reserved stock as it is and adjusts only what is available, even with reservations landing in between', async () => {
    const storeId = await openStore();
    const [sku] = (await products(1)) as [string];
    await adjustStock({ sku, storeId, delta: 40, reason: 'delivery' }, stockStaff, testDeps());
    await Promise.all([
      ...Array.from({ length: 10 }, (_, i) =>
        reserveStock({ reservationId: `adj-${storeId}-${i}`, storeId, ownerRef: `cart:${i}`, lines: [{ sku, quantity: 1 }], holdSeconds: 60 }, testDeps()),
      ),
      adjustStock({ sku, storeId, delta: 5, reason: 'return' }, stockStaff, testDeps()),
      adjustStock({ sku, storeId, delta: -5, reason: 'damaged' }, stockStaff, testDeps()),
    ]);
    expect(await stockOf(sku, storeId)).toMatchObject({ available: 30, reserved: 10, version: 13 });
  });

  it('refuses unknown SKUs, unknown stores, bundles and malformed requests with a 400 naming the field', async () => {
    const storeId = await openStore();
    const [a, b] = (await products(2)) as [string, string];
    const box = await bundle([
      { sku: a, quantity: 1 },
      { sku: b, quantity: 1 },
    ]);
    const unknown = uniqueSku('NOPE');
    const cases: [unknown, string[]][] = [
      [{ sku: unknown, storeId, delta: 1, reason: 'delivery' }, ['body.sku']],
      [{ sku: a, storeId: 'no-such-store', delta: 1, reason: 'delivery' }, ['body.storeId']],
      [{ sku: box, storeId, delta: 1, reason: 'delivery' }, ['body.sku']],
      [{ sku: a, storeId, delta: 0.5, reason: 'delivery' }, ['body.delta']],
      [{ sku: a, storeId, delta: 0, reason: 'delivery' }, ['body.delta']],
      [{ sku: a, storeId, setTo: -1, reason: 'delivery' }, ['body.setTo']],
      [{ sku: a, storeId, delta: 1e12, reason: 'delivery' }, ['body.delta']],
      [{ sku: a, storeId, reason: 'delivery' }, ['body.delta']],
      [{ sku: a, storeId, delta: 1, setTo: 1, reason: 'delivery' }, ['body.setTo']],
      [{ sku: a, storeId, delta: 1, reason: 'found-it' }, ['body.reason']],
      [{ sku: a, storeId, delta: 1, reason: 'delivery', colour: 'red' }, ['body']],
    ];
    for (const [body, fields] of cases) {
      const error = await appError(adjustStock(body as never, stockStaff, testDeps()));
      expect(error, JSON.stringify(body)).toBeInstanceOf(ValidationError);
      expect(error.fields?.map((f) => f.field)).toEqual(fields);
    }
    const bundleError = await appError(adjustStock({ sku: box, storeId, delta: 1, reason: 'delivery' }, stockStaff, testDeps()));
    expect(bundleError.fields?.[0]?.message).toBe(`${box} is a bundle, stocked as its components (${a}, ${b}): adjust those`);
    expect(await stockOf(a, storeId)).toBeUndefined();
  });
});

describe('stores', () => {
  it('refuses an adjustment at a store the caller does not work at with 403 store-forbidden, and changes nothing', async () => {
    const [home, away] = [await openStore(), await openStore()];
    const [sku] = (await products(1)) as [string];
    const manager = { ...stockStaff, stores: [home] };
    await adjustStock({ sku, storeId: home, delta: 5, reason: 'delivery' }, manager, testDeps());
    const error = await appError(adjustStock({ sku, storeId: away, delta: 5, reason: 'delivery' }, manager, testDeps()));
    expect([error.kind, error.code]).toEqual(['forbidden', 'store-forbidden']);
    expect(await stockOf(sku, away)).toBeUndefined();
    // The reader sees the stores they work at, and no other.
    const view = await getSkuInventory(sku, manager, testDeps());
    expect(view.stores.map((s) => s.storeId)).toEqual([home]);
  });
});

describe('getSkuInventory', () => {
  it('lists every store, with zeros where the SKU was never stocked', async () => {
    const storeId = await openStore();
    const [sku] = (await products(1)) as [string];
    await adjustStock({ sku, storeId, delta: 7, reason: 'delivery' }, stockStaff, testDeps());
    const view = await getSkuInventory(sku, everyStore, testDeps());
    expect(view).toMatchObject({ sku, stockUnit: 'item', bundle: false });
    expect(view.stores.find((s) => s.storeId === storeId)).toMatchObject({ available: 7, reserved: 0, version: 1 });
    const other = view.stores.find((s) => s.storeId !== storeId);
    expect(other).toMatchObject({ available: 0, version: 0, updatedAt: null });
  });
});
