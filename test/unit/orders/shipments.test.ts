import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  advanceShipment,
  bagLabels,
  COURIER_STATUSES,
  InvalidShipmentTransitionError,
  SHIPMENT_STATUS_RANK,
  Shipment,
  staffShipmentStep,
  type CourierStatus,
  type CourierUpdate,
} from '../../../shared/orders/shipments.js';
import { AT } from './fixtures.js';

const minutes = (n: number) => new Date(AT.getTime() + n * 60_000);

/** A shipment dispatched at AT, by `carrier`. */
function aShipment(overrides: Partial<Shipment> = {}): Shipment {
  const at = AT.toISOString();
  return Shipment.parse({
    id: '01JBQ8Y00000000000000000S1',
    carrier: 'acme-parcels',
    trackingNumber: 'ACME123',
    lines: [{ lineId: '01JBQ8Y00000000000000000A1', sku: 'MILK-1', quantity: 2 }],
    stockMoves: [{ lineId: '01JBQ8Y00000000000000000A1', sku: 'MILK-1', quantity: 2 }],
    status: 'dispatched',
    attempt: 1,
    timeline: [{ status: 'dispatched', at, actor: 'pat', attempt: 1 }],
    createdAt: at,
    updatedAt: at,
    ...overrides,
  });
}

describe('bag labels', () => {
  it('labels every bag with the order, its zone letter and its place in the zone', () => {
    expect(bagLabels('ORD1', [{ zone: 'ambient', bags: 2 }, { zone: 'frozen', bags: 1 }]).map((bag) => bag.label)).toEqual(['ORD1-A1/2', 'ORD1-A2/2', 'ORD1-F1/1']);
  });

  it('prints exactly as many distinct labels as bags, whatever the counts', () => {
    fc.assert(
      fc.property(fc.subarray(['ambient', 'chilled', 'frozen'] as const, { minLength: 1 }), fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 3, maxLength: 3 }), (zones, counts) => {
        const packed = zones.map((zone, i) => ({ zone, bags: counts[i]! }));
        const labels = bagLabels('ORD1', packed).map((bag) => bag.label);
        expect(labels).toHaveLength(packed.reduce((sum, zone) => sum + zone.bags, 0));
        expect(new Set(labels).size).toBe(labels.length);
      }),
    );
  });
});

describe('staff steps on a shipment', () => {
  const van = () => aShipment({ carrier: 'own-van', trackingNumber: '01JBQ8Y00000000000000000S1' });

  it('takes an own-van shipment out, then delivers it, each step on its timeline', () => {
    const out = staffShipmentStep(van(), 'out-for-delivery', minutes(10), 'dan');
    const delivered = staffShipmentStep(out, 'delivered', minutes(40), 'dan');
    expect(delivered.status).toBe('delivered');
    expect(delivered.timeline.map((c) => [c.status, c.at])).toEqual([
      ['dispatched', AT.toISOString()],
      ['out-for-delivery', minutes(10).toISOString()],
      ['delivered', minutes(40).toISOString()],
    ]);
  });

  it('starts the next attempt when a shipment goes out again after a failed attempt', () => {
    const failed = staffShipmentStep(staffShipmentStep(van(), 'out-for-delivery', minutes(10), 'dan'), 'failed-attempt', minutes(20), 'dan', 'not-at-home');
    const again = staffShipmentStep(failed, 'out-for-delivery', minutes(120), 'dan');
    expect([failed.attempt, again.attempt]).toEqual([1, 2]);
  });

  it('refuses a step out of order with a 409 naming both statuses', () => {
    expect(() => staffShipmentStep(van(), 'delivered', minutes(5), 'dan')).toThrow(InvalidShipmentTransitionError);
    const delivered = staffShipmentStep(staffShipmentStep(van(), 'out-for-delivery', minutes(1), 'dan'), 'delivered', minutes(2), 'dan');
    expect(() => staffShipmentStep(delivered, 'out-for-delivery', minutes(3), 'dan')).toThrow(/is delivered; it cannot become out-for-delivery/);
  });

  it('leaves a courier shipment’s progress to the courier, but lets staff receive it back at the store', () => {
    expect(() => staffShipmentStep(aShipment(), 'out-for-delivery', minutes(5), 'dan')).toThrow(/acme-parcels reports this shipment's progress itself/);
    const returning = advanceShipment(aShipment(), { status: 'returning', occurredAt: minutes(60) }, 'courier:acme-parcels', minutes(61)).shipment;
    expect(staffShipmentStep(returning, 'returned-to-store', minutes(300), 'pat').status).toBe('returned-to-store');
  });
});

describe('courier updates apply only forward', () => {
  const apply = (shipment: Shipment, update: CourierUpdate) => advanceShipment(shipment, update, 'courier:acme-parcels', minutes(999));

  it('lets a delivered that arrives before out-for-delivery win, and then ignores the late one', () => {
    const delivered = apply(aShipment(), { status: 'delivered', occurredAt: minutes(50) });
    expect(delivered).toMatchObject({ applied: true, shipment: { status: 'delivered' } });
    const late = apply(delivered.shipment, { status: 'out-for-delivery', occurredAt: minutes(20) });
    expect(late.applied).toBe(false);
    expect(late.shipment).toBe(delivered.shipment);
  });

  it('changes nothing for a duplicate', () => {
    const out = apply(aShipment(), { status: 'out-for-delivery', occurredAt: minutes(20) }).shipment;
    expect(apply(out, { status: 'out-for-delivery', occurredAt: minutes(20) }).applied).toBe(false);
  });

  it('records a failed attempt with its reason, and a later out-for-delivery as the next attempt', () => {
    const failed = apply(aShipment(), { status: 'failed-attempt', occurredAt: minutes(30), failureReason: 'not-at-home' }).shipment;
    expect(failed).toMatchObject({ status: 'failed-attempt', failure: { reason: 'not-at-home' }, attempt: 1 });
    const again = apply(failed, { status: 'out-for-delivery', occurredAt: minutes(24 * 60) });
    expect(again).toMatchObject({ applied: true, shipment: { status: 'out-for-delivery', attempt: 2 } });
    // The first attempt's out-for-delivery, arriving late, happened before the failure: stale.
    expect(apply(failed, { status: 'out-for-delivery', occurredAt: minutes(10) }).applied).toBe(false);
  });

  it('takes the courier’s own attempt numbers when it gives them', () => {
    const second = apply(aShipment(), { status: 'in-transit', occurredAt: minutes(5), attempt: 2 }).shipment;
    expect(second.attempt).toBe(2);
    expect(apply(second, { status: 'delivered', occurredAt: minutes(1), attempt: 1 }).applied).toBe(false);
  });

  const update = fc.record({ status: fc.constantFrom<CourierStatus>(...COURIER_STATUSES), minute: fc.integer({ min: 1, max: 600 }) });

  it('reaches the same shipment whatever order the same updates arrive in, however often each is delivered', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(update, { minLength: 1, maxLength: 6, selector: (u) => u.status }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        (updates, copies, seed) => {
          // A courier numbering its attempts: every update of attempt 1, so the highest rank must win in any order.
          const events = updates.map((u) => ({ status: u.status, occurredAt: minutes(u.minute), attempt: 1 }));
          const deliveries = events.flatMap((e) => Array.from({ length: copies }, () => e));
          const shuffled = deliveries.map((e, i) => ({ e, k: (i * 7919 + seed) % 104729 })).sort((a, b) => a.k - b.k).map(({ e }) => e);
          const final = (list: typeof deliveries) => list.reduce((s, e) => apply(s, e).shipment, aShipment());
          const a = final(deliveries);
          const b = final(shuffled);
          expect(b.status).toBe(a.status);
          const terminal = events.find((e) => e.status === 'delivered');
          const highest = terminal ?? events.reduce((best, e) => (SHIPMENT_STATUS_RANK[e.status] > SHIPMENT_STATUS_RANK[best.status] ? e : best));
          expect(SHIPMENT_STATUS_RANK[a.status]).toBe(SHIPMENT_STATUS_RANK[highest.status]);
          // Each status reached once at most: repeats changed nothing.
          expect(new Set(a.timeline.map((c) => c.status)).size).toBe(a.timeline.length);
        },
      ),
    );
  });

  it('never moves a shipment backwards and never changes a delivered one', () => {
    fc.assert(
      fc.property(fc.array(update, { maxLength: 12 }), (updates) => {
        let shipment = aShipment();
        for (const u of updates) {
          const before = shipment;
          shipment = apply(shipment, { status: u.status, occurredAt: minutes(u.minute) }).shipment;
          if (before.status === 'delivered') expect(shipment).toBe(before);
          expect(shipment.attempt).toBeGreaterThanOrEqual(before.attempt);
          if (shipment.attempt === before.attempt) expect(SHIPMENT_STATUS_RANK[shipment.status]).toBeGreaterThanOrEqual(SHIPMENT_STATUS_RANK[before.status]);
        }
      }),
    );
  });
});
