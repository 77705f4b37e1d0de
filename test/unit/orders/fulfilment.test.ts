import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  fulfil,
  fulfilmentStatusOf,
  HandoverLockedError,
  IdCheckRequiredError,
  InvalidFulfillmentTransitionError,
  PerishableRestockError,
  ShipmentNotFoundError,
  undispatched,
  type FulfilmentEvent,
} from '../../../shared/orders/fulfilment.js';
import { Order, type OrderStatus } from '../../../shared/orders/model.js';
import { MAX_HANDOVER_ATTEMPTS, type Shipment } from '../../../shared/orders/shipments.js';
import { ValidationError } from '../../../shared/errors.js';
import { AT, anOrder } from './fixtures.js';

const MILK = '01JBQ8Y00000000000000000A1';
const CHEDDAR = '01JBQ8Y00000000000000000A2';
const S1 = '01JBQ8Y00000000000000000S1';
const S2 = '01JBQ8Y00000000000000000S2';
const later = (minutes: number) => new Date(AT.getTime() + minutes * 60_000);
const ID_CHECK = { document: 'passport' as const, checkedBy: 'dan', at: AT.toISOString() };

/** A completed (paid, stock committed) order of 2 milks and 520 g of cheddar, picked. */
function completed(overrides: Partial<Order> = {}): Order {
  const base = anOrder({ status: 'completed', payment: { intentId: 'pi_1', authorized: 1090, captured: 1024, refunded: 0, status: 'captured' }, ...overrides });
  return Order.parse({
    ...base,
    lines: base.lines.map((line) => (line.lineId === CHEDDAR ? { ...line, picked: { quantity: { grams: 520 }, total: 624, tax: 0 } } : line)),
  });
}

const delivery = (overrides: Partial<Order> = {}) =>
  completed({ fulfillment: { mode: 'delivery', slotId: '2030-03-05T08:00Z~delivery', address: { line1: '1 High St', city: 'London', postcode: 'SE1 9RA', country: 'GB' } }, ...overrides });

const PACK: FulfilmentEvent = {
  type: 'pack',
  zones: [
    { zone: 'ambient', bags: 1, lineIds: [MILK] },
    { zone: 'chilled', bags: 2, lineIds: [CHEDDAR] },
  ],
};

/** Applies events in turn, as the repository would write them one version after another. */
function run(order: Order, ...events: FulfilmentEvent[]): Order {
  return events.reduce((o, event, i) => fulfil(o, event, later(i + 1), 'pat').order, order);
}

function dispatch(id: string, lines: { lineId: string; sku: string; quantity: number }[], carrier = 'own-van'): FulfilmentEvent {
  return { type: 'dispatch', shipment: { id, carrier, lines, stockMoves: lines.map(({ lineId, sku, quantity }) => ({ lineId, sku, quantity })) } };
}
const ALL = [
  { lineId: MILK, sku: 'MILK-1', quantity: 2 },
  { lineId: CHEDDAR, sku: 'CHEDDAR-1', quantity: 520 },
];

const shipment = (order: Order, id = S1): Shipment => order.shipments!.find((s) => s.id === id)!;

describe('packing', () => {
  it('packs every handed-over line into one zone, a label per bag, and records who and when', () => {
    const packed = run(delivery(), PACK);
    expect(packed.fulfillmentStatus).toBe('packed');
    expect(packed.packing!.bags.map((bag) => bag.label)).toEqual([`${packed.id}-A1/1`, `${packed.id}-C1/2`, `${packed.id}-C2/2`]);
    expect(packed.fulfillmentHistory).toEqual([{ event: 'pack', from: 'unfulfilled', to: 'packed', at: later(1).toISOString(), actor: 'pat' }]);
    expect(packed.version).toBe(delivery().version + 1);
    expect(packed.status).toBe('completed');
  });

  it('names every problem with the packing at once: unknown, repeated or unpacked lines, a zone twice', () => {
    const error = (() => {
      try {
        fulfil(delivery(), { type: 'pack', zones: [{ zone: 'ambient', bags: 1, lineIds: [MILK, MILK] }, { zone: 'ambient', bags: 1, lineIds: ['01JBQ8Y00000000000000000ZZ'] }] }, AT, 'pat');
      } catch (e) {
        return e as ValidationError;
      }
    })();
    expect(error).toBeInstanceOf(ValidationError);
    expect(error!.fields!.map((f) => f.field)).toEqual(['body.zones.0.lineIds.1', 'body.zones.1.zone', 'body.zones.1.lineIds.0', 'body.zones']);
  });

  it('leaves out a line of which nothing was handed over', () => {
    const short = delivery();
    const order = Order.parse({ ...short, lines: short.lines.map((l) => (l.lineId === MILK ? { ...l, picked: { total: 0, tax: 0 } } : l)) });
    expect(() => fulfil(order, PACK, AT, 'pat')).toThrow(ValidationError);
    expect(run(order, { type: 'pack', zones: [{ zone: 'chilled', bags: 1, lineIds: [CHEDDAR] }] }).fulfillmentStatus).toBe('packed');
  });

  it.each<OrderStatus>(['picking', 'picked', 'captured', 'refunded', 'cancelled'])('refuses an order that is %s: 409 invalid-fulfillment-transition', (status) => {
    expect(() => fulfil(delivery({ status }), PACK, AT, 'pat')).toThrow(InvalidFulfillmentTransitionError);
  });

  it('refuses a second packing and an in-store sale', () => {
    expect(() => fulfil(run(delivery(), PACK), PACK, AT, 'pat')).toThrow(/it is packed already/);
    expect(() => fulfil(completed({ fulfillment: { mode: 'in-store' } }), PACK, AT, 'pat')).toThrow(/for delivery or pickup orders, and this one is in-store/);
  });
});

describe('dispatch and delivery', () => {
  it('sends an own-van shipment, tracked by its own id, and derives dispatched', () => {
    const sent = run(delivery(), PACK, dispatch(S1, ALL));
    expect(sent.fulfillmentStatus).toBe('dispatched');
    expect(shipment(sent)).toMatchObject({ status: 'dispatched', attempt: 1, carrier: 'own-van', trackingNumber: S1 });
    expect(undispatched(sent).size).toBe(0);
  });

  it('derives partially dispatched, then dispatched, then partially delivered, then delivered across two shipments', () => {
    const first = run(delivery(), PACK, dispatch(S1, [ALL[1]!]));
    expect(first.fulfillmentStatus).toBe('partially-dispatched');
    const second = run(first, dispatch(S2, [ALL[0]!], 'acme-parcels'));
    expect(second.fulfillmentStatus).toBe('dispatched');
    const one = run(second, { type: 'out-for-delivery', shipmentId: S1 }, { type: 'deliver', shipmentId: S1 });
    expect(one.fulfillmentStatus).toBe('partially-delivered');
    const both = run(one, { type: 'courier-update', shipmentId: S2, update: { status: 'delivered', occurredAt: later(30) } });
    expect(both.fulfillmentStatus).toBe('delivered');
    expect(both.fulfillmentHistory!.map((c) => [c.event, c.to, c.shipmentStatus])).toEqual([
      ['pack', 'packed', undefined],
      ['dispatch', 'partially-dispatched', 'dispatched'],
      ['dispatch', 'dispatched', 'dispatched'],
      ['out-for-delivery', 'dispatched', 'out-for-delivery'],
      ['deliver', 'partially-delivered', 'delivered'],
      ['courier-update', 'delivered', 'delivered'],
    ]);
  });

  it('splits a line across shipments, never sending more than is left of it', () => {
    const part = run(delivery(), PACK, dispatch(S1, [{ lineId: CHEDDAR, sku: 'CHEDDAR-1', quantity: 300 }]));
    expect(undispatched(part).get(CHEDDAR)).toBe(220);
    expect(() => fulfil(part, dispatch(S2, [{ lineId: CHEDDAR, sku: 'CHEDDAR-1', quantity: 221 }]), AT, 'pat')).toThrow(
      expect.objectContaining({ fields: [{ field: 'body.lines.0.quantity', message: `only 220 of line ${CHEDDAR} is left to send` }] }),
    );
  });

  it('refuses to dispatch before packing, a pickup order, and once everything is sent', () => {
    expect(() => fulfil(delivery(), dispatch(S1, ALL), AT, 'pat')).toThrow(/pack it first/);
    expect(() => fulfil(run(completed(), PACK), dispatch(S1, ALL), AT, 'pat')).toThrow(/for delivery orders, and this one is pickup/);
    expect(() => fulfil(run(delivery(), PACK, dispatch(S1, ALL)), dispatch(S2, ALL), AT, 'pat')).toThrow(/every packed line has been sent/);
  });

  it('refuses bags the order was not packed in', () => {
    const event: FulfilmentEvent = { type: 'dispatch', shipment: { id: S1, carrier: 'own-van', lines: ALL, stockMoves: [], bags: ['NOPE-A1/1'] } };
    expect(() => fulfil(run(delivery(), PACK), event, AT, 'pat')).toThrow(ValidationError);
  });

  it('needs the ID check recorded to deliver an age-restricted order', () => {
    const out = run(delivery({ idCheckRequired: true }), PACK, dispatch(S1, ALL), { type: 'out-for-delivery', shipmentId: S1 });
    expect(() => fulfil(out, { type: 'deliver', shipmentId: S1 }, AT, 'dan')).toThrow(IdCheckRequiredError);
    expect(shipment(run(out, { type: 'deliver', shipmentId: S1, idCheck: ID_CHECK }))).toMatchObject({ status: 'delivered', idCheck: ID_CHECK });
  });

  it('records a failed attempt with a redelivery slot, then the next attempt', () => {
    const out = run(delivery(), PACK, dispatch(S1, ALL), { type: 'out-for-delivery', shipmentId: S1 });
    const failed = run(out, { type: 'fail-attempt', shipmentId: S1, reason: 'not-at-home', next: { action: 'redeliver', slotId: '2030-03-06T10:00Z~delivery' } });
    expect(shipment(failed)).toMatchObject({ status: 'failed-attempt', failure: { reason: 'not-at-home' }, redeliverySlotId: '2030-03-06T10:00Z~delivery' });
    expect(failed.fulfillmentHistory!.at(-1)!.reason).toBe('not-at-home; redeliver in 2030-03-06T10:00Z~delivery');
    const again = run(failed, { type: 'out-for-delivery', shipmentId: S1 }, { type: 'deliver', shipmentId: S1 });
    expect(shipment(again)).toMatchObject({ status: 'delivered', attempt: 2 });
  });

  it('sends a refused delivery back to the store, where staff restock or write off each line', () => {
    const back = run(
      delivery(),
      PACK,
      dispatch(S1, ALL),
      { type: 'out-for-delivery', shipmentId: S1 },
      { type: 'fail-attempt', shipmentId: S1, reason: 'refused', next: { action: 'return-to-store' } },
    );
    expect(shipment(back).timeline.map((c) => c.status)).toEqual(['dispatched', 'out-for-delivery', 'failed-attempt', 'returning']);
    const received = run(back, {
      type: 'receive-return',
      shipmentId: S1,
      lines: [
        { lineId: MILK, disposition: 'restock' },
        { lineId: CHEDDAR, disposition: 'write-off', reason: 'perishable' },
      ],
    });
    expect(received.fulfillmentStatus).toBe('returned-to-store');
    expect(shipment(received).status).toBe('returned-to-store');
  });

  it('refuses to put chilled goods back on sale (422), and a return that leaves a line out (400)', () => {
    const back = run(delivery(), PACK, dispatch(S1, ALL), { type: 'out-for-delivery', shipmentId: S1 }, { type: 'return-to-store', shipmentId: S1 });
    expect(() =>
      fulfil(back, { type: 'receive-return', shipmentId: S1, lines: [{ lineId: MILK, disposition: 'restock' }, { lineId: CHEDDAR, disposition: 'restock' }] }, AT, 'pat'),
    ).toThrow(PerishableRestockError);
    expect(() => fulfil(back, { type: 'receive-return', shipmentId: S1, lines: [{ lineId: MILK, disposition: 'restock' }] }, AT, 'pat')).toThrow(ValidationError);
  });

  it('answers a shipment the order does not have with a 404', () => {
    expect(() => fulfil(run(delivery(), PACK), { type: 'out-for-delivery', shipmentId: S2 }, AT, 'pat')).toThrow(ShipmentNotFoundError);
  });

  it('returns the order unchanged for a stale courier update, so nothing is written', () => {
    const sent = run(delivery(), PACK, dispatch(S1, ALL, 'acme-parcels'));
    const delivered = run(sent, { type: 'courier-update', shipmentId: S1, update: { status: 'delivered', occurredAt: later(60) } });
    const stale = fulfil(delivered, { type: 'courier-update', shipmentId: S1, update: { status: 'out-for-delivery', occurredAt: later(30) } }, later(90), 'courier:acme-parcels');
    expect(stale.order).toBe(delivered);
    expect(() => fulfil(run(delivery(), PACK, dispatch(S1, ALL)), { type: 'courier-update', shipmentId: S1, update: { status: 'delivered', occurredAt: AT } }, AT, 'x')).toThrow(
      /travels in the store's own van/,
    );
  });

  it('derives a status that never claims more than the shipments show, for any split and any outcome', () => {
    const outcome = fc.constantFrom('dispatched', 'out', 'delivered', 'returned');
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 520 }), fc.boolean(), outcome, outcome, (cheddarFirst, milkFirst, first, second) => {
        const firstLines = [{ lineId: CHEDDAR, sku: 'CHEDDAR-1', quantity: cheddarFirst }, ...(milkFirst ? [ALL[0]!] : [])];
        let order = run(delivery(), PACK, dispatch(S1, firstLines));
        const rest = [...undispatched(order)].map(([lineId, quantity]) => ({ lineId, sku: lineId === MILK ? 'MILK-1' : 'CHEDDAR-1', quantity }));
        if (rest.length > 0) order = run(order, dispatch(S2, rest));
        const drive = (o: Order, id: string, how: string): Order => {
          if (how === 'dispatched') return o;
          const out = run(o, { type: 'out-for-delivery', shipmentId: id });
          if (how === 'out') return out;
          if (how === 'delivered') return run(out, { type: 'deliver', shipmentId: id });
          const lines = shipment(out, id).lines.map((l) => ({ lineId: l.lineId, disposition: 'write-off' as const, reason: 'perishable' as const }));
          return run(out, { type: 'return-to-store', shipmentId: id }, { type: 'receive-return', shipmentId: id, lines });
        };
        order = drive(order, S1, first);
        if (rest.length > 0) order = drive(order, S2, second);
        const shipments = order.shipments!;
        const status = fulfilmentStatusOf(order);
        expect(order.fulfillmentStatus).toBe(status);
        const delivered = shipments.filter((s) => s.status === 'delivered').length;
        if (status === 'delivered') expect(delivered).toBe(shipments.length);
        if (status === 'returned-to-store') expect(shipments.every((s) => s.status === 'returned-to-store')).toBe(true);
        if (delivered === 0) expect(['dispatched', 'returned-to-store']).toContain(status);
        if (delivered > 0 && delivered < shipments.length) expect(status).toBe('partially-delivered');
      }),
    );
  });
});

describe('click-and-collect', () => {
  const ready = (overrides: Partial<Order> = {}) => run(completed(overrides), PACK, { type: 'ready-for-collection', codeSalt: 'salt-salt-salt-salt-1' });

  it('makes a packed pickup order ready, then collected with the stock that left', () => {
    const order = ready();
    expect(order.fulfillmentStatus).toBe('ready-for-collection');
    expect(order.collection).toMatchObject({ status: 'ready', failedAttempts: 0 });
    const collected = run(order, { type: 'collect', stockMoves: [{ lineId: MILK, sku: 'MILK-1', quantity: 2 }] });
    expect(collected.fulfillmentStatus).toBe('collected');
    expect(collected.collection).toMatchObject({ status: 'collected', collectedBy: 'pat', stockMoves: [{ lineId: MILK, sku: 'MILK-1', quantity: 2 }] });
    expect(() => fulfil(collected, { type: 'collect', stockMoves: [] }, AT, 'pat')).toThrow(/it was collected already/);
  });

  it('refuses to make an unpacked or a delivery order ready', () => {
    expect(() => fulfil(completed(), { type: 'ready-for-collection', codeSalt: 'salt-salt-salt-salt-1' }, AT, 'pat')).toThrow(/pack it first/);
    expect(() => fulfil(run(delivery(), PACK), { type: 'ready-for-collection', codeSalt: 'salt-salt-salt-salt-1' }, AT, 'pat')).toThrow(/for pickup orders/);
  });

  it('needs the ID check at handover for an age-restricted order', () => {
    expect(() => fulfil(ready({ idCheckRequired: true }), { type: 'collect', stockMoves: [] }, AT, 'pat')).toThrow(IdCheckRequiredError);
    expect(run(ready({ idCheckRequired: true }), { type: 'collect', stockMoves: [], idCheck: ID_CHECK }).collection!.idCheck).toEqual(ID_CHECK);
  });

  it(`locks after ${MAX_HANDOVER_ATTEMPTS} wrong codes until a new code is issued`, () => {
    let order = ready();
    for (let i = 0; i < MAX_HANDOVER_ATTEMPTS; i += 1) order = run(order, { type: 'refuse-handover' });
    expect(order.collection).toMatchObject({ failedAttempts: MAX_HANDOVER_ATTEMPTS, lockedAt: expect.any(String) });
    expect(() => fulfil(order, { type: 'collect', stockMoves: [] }, AT, 'pat')).toThrow(HandoverLockedError);
    expect(() => fulfil(order, { type: 'refuse-handover' }, AT, 'pat')).toThrow(HandoverLockedError);
    const reissued = run(order, { type: 'reissue-code', codeSalt: 'salt-salt-salt-salt-2' });
    expect(reissued.collection).toMatchObject({ failedAttempts: 0, codeSalt: 'salt-salt-salt-salt-2' });
    expect(reissued.collection!.lockedAt).toBeUndefined();
    expect(run(reissued, { type: 'collect', stockMoves: [] }).fulfillmentStatus).toBe('collected');
  });
});
