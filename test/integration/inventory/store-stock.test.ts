import { describe, expect, it } from 'vitest';
import { NotFoundError, ValidationError } from '../../../shared/errors.js';
import { adjustStock } from '../../../shared/inventory/adjustments.js';
import { reserveStock } from '../../../shared/inventory/reservations.js';
import { ListAdjustmentsQuery, ListStoreStockQuery, listStockAdjustments, listStoreStock } from '../../../shared/inventory/store-stock.js';
import { appError } from '../catalog/fixtures.js';
import { everyStore, openStore, products, stockOf, stockStaff, testDeps } from './fixtures.js';

/** The console's Stock page against DynamoDB Local: a store's stock from its own index, and a SKU's adjustments from the audit. */

const stockQuery = (input: Record<string, unknown> = {}) => ListStoreStockQuery.parse(input);
const adjustmentsQuery = (input: Record<string, unknown>) => ListAdjustmentsQuery.parse(input);

describe('listStoreStock', () => {
  it('lists the store’s stock lines by SKU with names and on hand, page by page, and only SKUs with the prefix', async () => {
    const storeId = await openStore();
    const other = await openStore();
    const skus = (await products(3)).sort();
    for (const [i, sku] of skus.entries()) await adjustStock({ sku, storeId, delta: 10 * (i + 1), reason: 'delivery' }, stockStaff, testDeps());
    await adjustStock({ sku: skus[0]!, storeId: other, delta: 99, reason: 'delivery' }, stockStaff, testDeps());
    await reserveStock({ reservationId: `list-${storeId}`, storeId, ownerRef: 'cart:list', lines: [{ sku: skus[1]!, quantity: 3 }], holdSeconds: 60 }, testDeps());

    const first = await listStoreStock(storeId, stockQuery({ limit: '2' }), everyStore, testDeps());
    expect(first.items.map((l) => l.sku)).toEqual(skus.slice(0, 2));
    expect(first.items[1]).toMatchObject({ name: `Stocked ${skus[1]}, Each`, stockUnit: 'item', available: 17, reserved: 3, committed: 0, onHand: 20, version: 2 });
    expect(first.nextCursor).not.toBeNull();
    const second = await listStoreStock(storeId, stockQuery({ limit: '2', cursor: first.nextCursor }), everyStore, testDeps());
    expect(second.items.map((l) => [l.sku, l.available, l.onHand])).toEqual([[skus[2], 30, 30]]);
    expect(second.nextCursor).toBeNull();

    const prefixed = await listStoreStock(storeId, stockQuery({ skuPrefix: skus[2] }), everyStore, testDeps());
    expect(prefixed.items.map((l) => l.sku)).toEqual([skus[2]]);
    expect((await listStoreStock(other, stockQuery(), everyStore, testDeps())).items.map((l) => [l.sku, l.available])).toEqual([[skus[0], 99]]);
  });

  it('answers 404 alike for a store the reader does not work at and one that does not exist', async () => {
    const storeId = await openStore();
    const [sku] = (await products(1)) as [string];
    await adjustStock({ sku, storeId, delta: 5, reason: 'delivery' }, stockStaff, testDeps());
    expect((await listStoreStock(storeId, stockQuery(), { stores: [storeId] }, testDeps())).items).toHaveLength(1);
    const elsewhere = await appError(listStoreStock(storeId, stockQuery(), { stores: ['somewhere-else'] }, testDeps()));
    const missing = await appError(listStoreStock('no-such-store', stockQuery(), everyStore, testDeps()));
    expect(elsewhere).toBeInstanceOf(NotFoundError);
    expect(missing).toBeInstanceOf(NotFoundError);
    expect(elsewhere.message.replace(storeId, 'X')).toBe(missing.message.replace('no-such-store', 'X'));
  });

  it('refuses a cursor of another store or another prefix, or none at all, with a 400 naming query.cursor', async () => {
    const storeId = await openStore();
    const other = await openStore();
    const skus = await products(2);
    for (const sku of skus) await adjustStock({ sku, storeId, delta: 1, reason: 'delivery' }, stockStaff, testDeps());
    const { nextCursor } = await listStoreStock(storeId, stockQuery({ limit: '1' }), everyStore, testDeps());
    for (const [store, query] of [
      [other, { cursor: nextCursor }],
      [storeId, { cursor: nextCursor, skuPrefix: 'ZZZ' }],
      [storeId, { cursor: Buffer.from('{"pk":"PRODUCT#1"}').toString('base64url') }],
      [storeId, { cursor: 'not-base64-json' }],
    ] as const) {
      const error = await appError(listStoreStock(store, stockQuery(query), everyStore, testDeps()));
      expect(error).toBeInstanceOf(ValidationError);
      expect(error.fields?.map((e) => e.field)).toEqual(['query.cursor']);
    }
  });
});

describe('listStockAdjustments', () => {
  it('lists the SKU’s adjustments at the store newest first, with reason, delta, note and actor, page by page', async () => {
    const storeId = await openStore();
    const other = await openStore();
    const [sku] = (await products(1)) as [string];
    await adjustStock({ sku, storeId, delta: 12, reason: 'delivery', note: 'pallet 7' }, stockStaff, testDeps());
    await adjustStock({ sku, storeId, delta: -2, reason: 'damaged' }, stockStaff, testDeps());
    await adjustStock({ sku, storeId, setTo: 4, reason: 'stock-take' }, stockStaff, testDeps());
    await adjustStock({ sku, storeId: other, delta: 7, reason: 'delivery' }, stockStaff, testDeps());

    const first = await listStockAdjustments(sku, adjustmentsQuery({ store: storeId, limit: '2' }), everyStore, testDeps());
    expect(first).toMatchObject({ sku, storeId });
    expect(first.items.map((a) => [a.action, a.reason, a.delta])).toEqual([
      ['adjust', 'stock-take', -6],
      ['adjust', 'damaged', -2],
    ]);
    expect(first.items[0]).toMatchObject({ actor: stockStaff.actor, before: { available: 10, reserved: 0, committed: 0 }, after: { available: 4, reserved: 0, committed: 0 } });
    const second = await listStockAdjustments(sku, adjustmentsQuery({ store: storeId, limit: '2', cursor: first.nextCursor }), everyStore, testDeps());
    expect(second.items).toEqual([expect.objectContaining({ reason: 'delivery', delta: 12, note: 'pallet 7', before: null, after: { available: 12, reserved: 0, committed: 0 } })]);
    expect(second.nextCursor).toBeNull();
    expect(await stockOf(sku, storeId)).toMatchObject({ available: 4 });
  });

  it('answers 404 for a store the reader does not work at, and an empty list for a SKU never adjusted there', async () => {
    const storeId = await openStore();
    const [sku] = (await products(1)) as [string];
    await adjustStock({ sku, storeId, delta: 1, reason: 'delivery' }, stockStaff, testDeps());
    expect(await appError(listStockAdjustments(sku, adjustmentsQuery({ store: storeId }), { stores: ['somewhere-else'] }, testDeps()))).toBeInstanceOf(NotFoundError);
    expect(await appError(listStockAdjustments(sku, adjustmentsQuery({ store: 'no-such-store' }), everyStore, testDeps()))).toBeInstanceOf(NotFoundError);
    expect((await listStockAdjustments('INV-NEVER', adjustmentsQuery({ store: storeId }), { stores: [storeId] }, testDeps())).items).toEqual([]);
  });
});
