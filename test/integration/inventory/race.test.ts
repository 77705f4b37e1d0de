import { describe, expect, it } from 'vitest';
import { adjustStock } from '../../../shared/inventory/adjustments.js';
import { InsufficientStockError } from '../../../shared/inventory/errors.js';
import { getReservation } from '../../../shared/inventory/reservation-repository.js';
import { releaseReservation, reserveStock } from '../../../shared/inventory/reservations.js';
import { sweepExpiredReservations } from '../../../shared/inventory/sweeper.js';
import { countingClient, manualClock, openStore, products, stockStaff, stockOf, testDeps } from './fixtures.js';

/**
 * The race the issue asks us to prove: 200 shoppers reserve the last 50 units at once. Exactly 50 get one, the
 * other 150 are told the store is short, and nothing leaks when the holds end.
 */

const SHOPPERS = 200;
const UNITS = 50;
const HOLD_SECONDS = 15 * 60;

describe('200 concurrent reservations of 1 unit against 50 available', () => {
  it('gives exactly 50 successes and 150 insufficient-stock failures, then returns every unit on release and expiry', async () => {
    // A fixed date of its own keeps this test's hold partitions apart from every other test's, so the sweep below touches only these.
    const clock = manualClock('2031-03-07T10:00:00.000Z');
    const { db, counts } = countingClient();
    const deps = testDeps({ db, now: clock.now });
    const storeId = await openStore();
    const [sku] = (await products(1)) as [string];
    await adjustStock({ sku, storeId, delta: UNITS, reason: 'delivery' }, stockStaff, deps);
    const adjustTransactions = counts.transactions;

    const started = performance.now();
    const outcomes = await Promise.allSettled(
      Array.from({ length: SHOPPERS }, (_, i) =>
        reserveStock({ reservationId: `race-${storeId}-${i}`, storeId, ownerRef: `cart:race-${i}`, lines: [{ sku, quantity: 1 }], holdSeconds: HOLD_SECONDS }, deps),
      ),
    );
    const wallMs = performance.now() - started;

    const held = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
    const short = outcomes.flatMap((o) => (o.status === 'rejected' && o.reason instanceof InsufficientStockError ? [o.reason] : []));
    const other = outcomes.flatMap((o) => (o.status === 'rejected' && !(o.reason instanceof InsufficientStockError) ? [o.reason as Error] : []));
    const afterRace = await stockOf(sku, storeId);
    console.log(
      `race: ${SHOPPERS} concurrent reservations of 1 unit against ${UNITS}: ${held.length} successes, ${short.length} insufficient-stock, ` +
        `${other.length} other errors; ${counts.transactions - adjustTransactions} transaction attempts, ${counts.conflicts} TransactionConflict retries; ` +
        `wall ${Math.round(wallMs)} ms; stock after: available ${afterRace?.available}, reserved ${afterRace?.reserved}`,
    );

    expect(other).toEqual([]);
    expect(held).toHaveLength(UNITS);
    expect(short).toHaveLength(SHOPPERS - UNITS);
    expect(short[0]!.shortLines).toEqual([{ sku, requested: 1, available: 0 }]);
    expect(afterRace).toMatchObject({ available: 0, reserved: UNITS, committed: 0, version: 1 + UNITS });

    // Half are cancelled by their carts, the rest run out their hold and are swept.
    const cancelled = held.slice(0, UNITS / 2);
    await Promise.all(cancelled.map((r) => releaseReservation(r.id, 'cancelled', deps)));
    expect(await stockOf(sku, storeId)).toMatchObject({ available: UNITS / 2, reserved: UNITS / 2 });

    expect(await sweepExpiredReservations(deps)).toEqual({ expired: 0, released: 0 });
    clock.advance(HOLD_SECONDS + 1);
    const sweep = await sweepExpiredReservations(deps);
    expect(sweep).toEqual({ expired: UNITS / 2, released: UNITS / 2 });
    expect(await sweepExpiredReservations(deps)).toEqual({ expired: 0, released: 0 });

    const final = await stockOf(sku, storeId);
    const statuses = await Promise.all(held.map(async (r) => (await getReservation(r.id, deps))?.status));
    const reasons = await Promise.all(held.map(async (r) => (await getReservation(r.id, deps))?.releaseReason));
    console.log(
      `race: after ${cancelled.length} cancellations and a sweep that released ${sweep.released}: available ${final?.available}, reserved ${final?.reserved}, ` +
        `held reservations left ${statuses.filter((s) => s === 'held').length}`,
    );
    expect(final).toMatchObject({ available: UNITS, reserved: 0, committed: 0, version: 1 + UNITS * 2 });
    expect(statuses.every((s) => s === 'released')).toBe(true);
    expect(reasons.filter((r) => r === 'cancelled')).toHaveLength(UNITS / 2);
    expect(reasons.filter((r) => r === 'expired')).toHaveLength(UNITS / 2);
  });
});
