import { describe, expect, it } from 'vitest';
import { keys } from '../../../shared/db/keys.js';
import type { TransactItem } from '../../../shared/db/transact.js';
import { NotFoundError, ValidationError } from '../../../shared/errors.js';
import { adjustStock } from '../../../shared/inventory/adjustments.js';
import {
  InsufficientStockError,
  ReservationConditionError,
  ReservationIdTakenError,
  ReservationNotHeldError,
  StoreClosedError,
} from '../../../shared/inventory/errors.js';
import { commitReservation, releaseReservation,
  returnCommitted, reserveStock, type ReserveStockInput } from '../../../shared/inventory/reservations.js';
import { getSkuInventory } from '../../../shared/inventory/stock-queries.js';
import { sweepExpiredReservations } from '../../../shared/inventory/sweeper.js';
import { engines } from '../../support/engines.js';
import { appError } from '../catalog/fixtures.js';
import { bundle, itemAt, manualClock, openStore, outboxEnvelope, products, stockStaff, everyStore, stockOf, testDeps, uniqueSku } from './fixtures.js';

/** Stocks each SKU at the store with the given quantity. */
async function stock(storeId: string, quantities: Record<string, number>): Promise<void> {
  for (const [sku, delta] of Object.entries(quantities)) await adjustStock({ sku, storeId, delta, reason: 'delivery' }, stockStaff, testDeps());
}

let counter = 0;
const request = (storeId: string, lines: { sku: string; quantity: number }[], extra: Partial<ReserveStockInput> = {}): ReserveStockInput => ({
  reservationId: `it-${storeId}-${(counter += 1)}`,
  storeId,
  ownerRef: `cart:${storeId}`,
  lines,
  holdSeconds: 600,
  ...extra,
});

describe('reserveStock', () => {
  it('holds every line and announces the change in the same transaction', async () => {
    const storeId = await openStore();
    const [a, b] = (await products(2)) as [string, string];
    await stock(storeId, { [a]: 10, [b]: 4 });
    const reservation = await reserveStock(request(storeId, [{ sku: a, quantity: 3 }, { sku: b, quantity: 4 }, { sku: a, quantity: 2 }]), testDeps());

    expect(reservation).toMatchObject({ status: 'held', requested: [{ sku: a, quantity: 5 }, { sku: b, quantity: 4 }], lines: [{ sku: a, quantity: 5 }, { sku: b, quantity: 4 }] });
    expect(await stockOf(a, storeId)).toMatchObject({ available: 5, reserved: 5, version: 2 });
    expect(await stockOf(b, storeId)).toMatchObject({ available: 0, reserved: 4, version: 2 });
    const event = await outboxEnvelope(`reserved-${reservation.id}`);
    expect(event?.data).toMatchObject({
      reservationId: reservation.id,
      storeId,
      lines: [
        { sku: a, quantity: 5 },
        { sku: b, quantity: 4 },
      ],
    });
    const item = await itemAt(keys.reservation(reservation.id));
    expect(item).toMatchObject(keys.reservationHold(reservation.holdUntil, reservation.id));
    expect(item?.expiresAt).toBe(Math.floor(Date.parse(reservation.holdUntil) / 1000) + 24 * 60 * 60);
  });

  it('rejects a reservation when stock at the location is short, names every short line, and holds nothing', async () => {
    const storeId = await openStore();
    const [a, b, c] = (await products(3)) as [string, string, string];
    await stock(storeId, { [a]: 10, [b]: 2, [c]: 1 });
    const attempt = request(storeId, [{ sku: a, quantity: 5 }, { sku: b, quantity: 3 }, { sku: c, quantity: 2 }]);
    const error = await appError(reserveStock(attempt, testDeps()));

    expect(error).toBeInstanceOf(InsufficientStockError);
    expect(error.code).toBe('insufficient-stock');
    expect(error.extensions?.shortLines).toEqual([
      { sku: b, requested: 3, available: 2 },
      { sku: c, requested: 2, available: 1 },
    ]);
    expect(await outboxEnvelope(`reserved-${attempt.reservationId}`)).toBeUndefined();
    expect(error.message).toContain(b);
    expect(error.message).toContain(c);
    expect(await stockOf(a, storeId)).toMatchObject({ available: 10, reserved: 0, version: 1 });
    expect(await stockOf(b, storeId)).toMatchObject({ available: 2, reserved: 0, version: 1 });
    expect(await itemAt(keys.reservation(attempt.reservationId))).toBeUndefined();
    expect(await outboxEnvelope(`reserved-${attempt.reservationId}`)).toBeUndefined();
  });

  it('reports a SKU never stocked at the store as short with 0 available', async () => {
    const storeId = await openStore();
    const [a] = (await products(1)) as [string];
    const error = await appError(reserveStock(request(storeId, [{ sku: a, quantity: 1 }]), testDeps()));
    expect(error.extensions?.shortLines).toEqual([{ sku: a, requested: 1, available: 0 }]);
  });

  it('writes the caller’s extra items in the same transaction, and rolls everything back when one of their conditions fails', async () => {
    const storeId = await openStore();
    const [a] = (await products(1)) as [string];
    await stock(storeId, { [a]: 5 });
    const table = engines().tableName;
    const marker = { pk: `TEST#${storeId}`, sk: 'SLOT-HOLD' };
    const put: TransactItem = { Put: { TableName: table, Item: { ...marker, entityType: 'Slot', schemaVersion: 1 } } };
    const full: TransactItem = { ConditionCheck: { TableName: table, Key: { pk: `TEST#${storeId}`, sk: 'NO-SUCH-SLOT' }, ConditionExpression: 'attribute_exists(pk)' } };

    const failing = request(storeId, [{ sku: a, quantity: 2 }], { extraItems: [put, full], extraItemLabels: ['slot-hold', 'slot-capacity'] });
    const error = await appError(reserveStock(failing, testDeps()));
    expect(error).toBeInstanceOf(ReservationConditionError);
    expect(error.extensions?.failed).toEqual(['slot-capacity']);
    expect(await stockOf(a, storeId)).toMatchObject({ available: 5, reserved: 0, version: 1 });
    expect(await itemAt(marker)).toBeUndefined();
    expect(await itemAt(keys.reservation(failing.reservationId))).toBeUndefined();

    const short = await appError(reserveStock(request(storeId, [{ sku: a, quantity: 9 }], { extraItems: [full], extraItemLabels: ['slot-capacity'] }), testDeps()));
    expect(short).toBeInstanceOf(InsufficientStockError);
    expect(short.extensions).toMatchObject({ shortLines: [{ sku: a, requested: 9, available: 5 }], failed: ['slot-capacity'] });

    await reserveStock(request(storeId, [{ sku: a, quantity: 2 }], { extraItems: [put], extraItemLabels: ['slot-hold'] }), testDeps());
    expect(await itemAt(marker)).toBeDefined();
    expect(await stockOf(a, storeId)).toMatchObject({ available: 3, reserved: 2 });
  });

  it('returns the first reservation for a repeat with the same id, and holds the stock once', async () => {
    const storeId = await openStore();
    const [a] = (await products(1)) as [string];
    await stock(storeId, { [a]: 5 });
    const first = request(storeId, [{ sku: a, quantity: 2 }]);
    const [one, two] = await Promise.all([reserveStock(first, testDeps()), reserveStock(first, testDeps())]);
    const three = await reserveStock(first, testDeps());
    expect(two).toEqual(one);
    expect(three).toEqual(one);
    expect(await stockOf(a, storeId)).toMatchObject({ available: 3, reserved: 2, version: 2 });

    const reused = await appError(reserveStock({ ...first, lines: [{ sku: a, quantity: 1 }] }, testDeps()));
    expect(reused).toBeInstanceOf(ReservationIdTakenError);
  });

  it('draws a bundle’s components, times its quantity', async () => {
    const storeId = await openStore();
    const [a, b] = (await products(2)) as [string, string];
    const box = await bundle([
      { sku: a, quantity: 1 },
      { sku: b, quantity: 2 },
    ]);
    await stock(storeId, { [a]: 10, [b]: 7 });
    expect((await getSkuInventory(box, everyStore, testDeps())).stores.find((s) => s.storeId === storeId)).toMatchObject({ available: 3 });

    const reservation = await reserveStock(request(storeId, [{ sku: box, quantity: 3 }, { sku: a, quantity: 1 }]), testDeps());
    expect(reservation.requested).toEqual([{ sku: box, quantity: 3 }, { sku: a, quantity: 1 }]);
    expect(reservation.lines).toEqual([{ sku: a, quantity: 4 }, { sku: b, quantity: 6 }]);
    expect(await stockOf(a, storeId)).toMatchObject({ available: 6, reserved: 4 });
    expect(await stockOf(b, storeId)).toMatchObject({ available: 1, reserved: 6 });
    expect((await getSkuInventory(box, everyStore, testDeps())).stores.find((s) => s.storeId === storeId)).toMatchObject({ available: 0 });

    const short = await appError(reserveStock(request(storeId, [{ sku: box, quantity: 1 }]), testDeps()));
    expect(short.extensions?.shortLines).toEqual([{ sku: b, requested: 2, available: 1 }]);
  });

  it('refuses unknown SKUs, bad quantities and too many lines with a 400 naming them, before writing anything', async () => {
    const storeId = await openStore();
    const [a] = (await products(1)) as [string];
    await stock(storeId, { [a]: 5 });
    const unknown = uniqueSku('NOPE');
    const error = await appError(reserveStock(request(storeId, [{ sku: a, quantity: 1 }, { sku: unknown, quantity: 1 }]), testDeps()));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.fields).toEqual([{ field: 'lines.1.sku', message: `no product has the SKU ${unknown}` }]);

    for (const quantity of [0, -1, 0.5, 1e9]) {
      const bad = await appError(reserveStock(request(storeId, [{ sku: a, quantity }]), testDeps()));
      expect(bad.fields?.map((f) => f.field)).toEqual(['lines.0.quantity']);
    }
    const many = await appError(reserveStock(request(storeId, Array.from({ length: 91 }, () => ({ sku: a, quantity: 1 }))), testDeps()));
    expect(many.fields?.map((f) => f.field)).toEqual(['lines']);
    expect(await stockOf(a, storeId)).toMatchObject({ available: 5, reserved: 0, version: 1 });
  });

  it('refuses an unknown store (404) and a closed one (409)', async () => {
    const [a] = (await products(1)) as [string];
    expect(await appError(reserveStock(request('no-such-store', [{ sku: a, quantity: 1 }]), testDeps()))).toBeInstanceOf(NotFoundError);
    const closed = await openStore('closed');
    expect(await appError(reserveStock(request(closed, [{ sku: a, quantity: 1 }]), testDeps()))).toBeInstanceOf(StoreClosedError);
  });
});

describe('releaseReservation', () => {
  it('returns the stock once, however often it is called, and announces the release', async () => {
    const storeId = await openStore();
    const [a] = (await products(1)) as [string];
    await stock(storeId, { [a]: 5 });
    const reservation = await reserveStock(request(storeId, [{ sku: a, quantity: 3 }]), testDeps());
    const [one, two] = await Promise.all([releaseReservation(reservation.id, 'cancelled', testDeps()), releaseReservation(reservation.id, 'cancelled', testDeps())]);
    const three = await releaseReservation(reservation.id, 'expired', testDeps());

    expect(one).toMatchObject({ status: 'released', releaseReason: 'cancelled' });
    expect(two).toEqual(one);
    expect(three).toEqual(one);
    expect(await stockOf(a, storeId)).toMatchObject({ available: 5, reserved: 0, version: 3 });
    expect((await outboxEnvelope(`released-${reservation.id}`))?.data).toMatchObject({
      reason: 'cancelled',
      lines: [{ sku: a, quantity: 3 }],
    });
    const item = await itemAt(keys.reservation(reservation.id));
    expect(item?.gsi2pk).toBeUndefined();
    expect(await releaseReservation('no-such-reservation', 'cancelled', testDeps())).toBeUndefined();
  });
});

describe('commitReservation', () => {
  it('puts committed stock back on sale once when its order fails after picking (returnCommitted)', async () => {
    const storeId = await openStore();
    const [a] = (await products(1)) as [string];
    await stock(storeId, { [a]: 10 });
    const reservation = await reserveStock(request(storeId, [{ sku: a, quantity: 4 }]), testDeps());
    await commitReservation(reservation.id, [{ sku: a, quantity: 3 }], testDeps());
    const returned = await Promise.all([returnCommitted(reservation.id, testDeps()), returnCommitted(reservation.id, testDeps())]);
    expect(returned.map((r) => [r?.status, r?.releaseReason])).toEqual([['released', 'returned'], ['released', 'returned']]);
    expect(await stockOf(a, storeId)).toMatchObject({ available: 10, reserved: 0, committed: 0 });
    expect((await outboxEnvelope(`returned-${reservation.id}`))?.data).toMatchObject({ reason: 'returned', lines: [{ sku: a, quantity: 3 }] });
    expect(await returnCommitted('no-such-reservation', testDeps())).toBeUndefined();
  });

  it('commits a bundle handed over as its components, as it was reserved', async () => {
    const storeId = await openStore();
    const [a, b] = (await products(2)) as [string, string];
    const box = await bundle([
      { sku: a, quantity: 1 },
      { sku: b, quantity: 2 },
    ]);
    await stock(storeId, { [a]: 10, [b]: 10 });
    const reservation = await reserveStock(request(storeId, [{ sku: box, quantity: 2 }, { sku: a, quantity: 1 }]), testDeps());
    // One box of the two, and the loose item: the picked box is its components, added to the loose one.
    const committed = await commitReservation(reservation.id, [{ sku: box, quantity: 1 }, { sku: a, quantity: 1 }], testDeps());
    expect(committed.committedLines).toEqual([{ sku: a, quantity: 2 }, { sku: b, quantity: 2 }]);
    expect(await stockOf(a, storeId)).toMatchObject({ available: 8, reserved: 0, committed: 2 });
    expect(await stockOf(b, storeId)).toMatchObject({ available: 8, reserved: 0, committed: 2 });
  });

  it('commits a line picked beyond its hold from the shelf, and refuses an over-pick the shelf cannot cover', async () => {
    const storeId = await openStore();
    const [a, b] = (await products(2)) as [string, string];
    await stock(storeId, { [a]: 10, [b]: 4 });
    const heavier = await reserveStock(request(storeId, [{ sku: a, quantity: 5 }]), testDeps());
    expect(await commitReservation(heavier.id, [{ sku: a, quantity: 6 }], testDeps())).toMatchObject({ status: 'committed', committedLines: [{ sku: a, quantity: 6 }] });
    expect(await stockOf(a, storeId)).toMatchObject({ available: 4, reserved: 0, committed: 6 });

    const short = await reserveStock(request(storeId, [{ sku: b, quantity: 3 }]), testDeps());
    const refused = await appError(commitReservation(short.id, [{ sku: b, quantity: 5 }], testDeps()));
    expect(refused.code).toBe('over-pick-not-in-stock');
    expect(await stockOf(b, storeId)).toMatchObject({ available: 1, reserved: 3, committed: 0 });
  });

  it('moves what was picked to committed and puts the rest back', async () => {
    const storeId = await openStore();
    const [a, b] = (await products(2)) as [string, string];
    await stock(storeId, { [a]: 10, [b]: 10 });
    const reservation = await reserveStock(request(storeId, [{ sku: a, quantity: 5 }, { sku: b, quantity: 2 }]), testDeps());

    const badPick = await appError(commitReservation(reservation.id, [{ sku: a, quantity: 2 }, { sku: a, quantity: 3 }], testDeps()));
    expect(badPick.fields).toEqual([{ field: 'picked.1.sku', message: `${a} is listed more than once` }]);

    const committed = await commitReservation(reservation.id, [{ sku: a, quantity: 3 }], testDeps());
    expect(committed).toMatchObject({ status: 'committed', committedLines: [{ sku: a, quantity: 3 }] });
    expect(await stockOf(a, storeId)).toMatchObject({ available: 7, reserved: 0, committed: 3 });
    expect(await stockOf(b, storeId)).toMatchObject({ available: 10, reserved: 0, committed: 0 });
    expect((await outboxEnvelope(`released-${reservation.id}`))?.data).toMatchObject({
      reason: 'not-picked',
      lines: [
        { sku: a, quantity: 2 },
        { sku: b, quantity: 2 },
      ],
    });

    expect(await commitReservation(reservation.id, undefined, testDeps())).toEqual(committed);
    expect(await releaseReservation(reservation.id, 'cancelled', testDeps())).toEqual(committed);
    expect(await stockOf(a, storeId)).toMatchObject({ available: 7, reserved: 0, committed: 3 });
  });

  it('refuses a released reservation, and a sweep after a commit changes nothing', async () => {
    const clock = manualClock('2031-05-11T08:00:00.000Z');
    const deps = testDeps({ now: clock.now });
    const storeId = await openStore();
    const [a] = (await products(1)) as [string];
    await stock(storeId, { [a]: 4 });
    const released = await reserveStock(request(storeId, [{ sku: a, quantity: 1 }]), deps);
    await releaseReservation(released.id, 'cancelled', deps);
    expect(await appError(commitReservation(released.id, undefined, deps))).toBeInstanceOf(ReservationNotHeldError);

    const kept = await reserveStock(request(storeId, [{ sku: a, quantity: 2 }]), deps);
    await commitReservation(kept.id, undefined, deps);
    clock.advance(3600);
    expect(await sweepExpiredReservations(deps)).toEqual({ expired: 0, released: 0 });
    expect(await stockOf(a, storeId)).toMatchObject({ available: 2, reserved: 0, committed: 2 });
  });
});
