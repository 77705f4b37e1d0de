import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fulfil, type FulfilmentEvent } from '../../../shared/orders/fulfilment.js';
import { codeMatches, handoverCode, newCodeSalt } from '../../../shared/orders/handover-codes.js';
import { Order } from '../../../shared/orders/model.js';
import { ETA_WINDOW_MINUTES, etaOf, shipmentEta, slotWindow, timelineOf, trackingOf } from '../../../shared/orders/tracking.js';
import { orderView } from '../../../shared/orders/views.js';
import { anOrder } from './fixtures.js';

const MILK = '01JBQ8Y00000000000000000A1';
const CHEDDAR = '01JBQ8Y00000000000000000A2';
const S1 = '01JBQ8Y00000000000000000S1';
const SLOT = '2030-03-05T08:00Z~delivery';
const at = (iso: string) => new Date(iso);

function delivery(): Order {
  const base = anOrder({
    status: 'completed',
    payment: { intentId: 'pi_1', authorized: 1090, captured: 1000, refunded: 0, status: 'captured' },
    fulfillment: { mode: 'delivery', slotId: SLOT, address: { line1: '1 High St', city: 'London', postcode: 'SE1 9RA', country: 'GB' } },
    statusHistory: [{ from: 'captured', to: 'completed', event: 'complete', at: '2030-03-04T09:00:00.000Z', actor: 'checkout-saga' }],
  });
  return Order.parse(base);
}

function step(order: Order, event: FulfilmentEvent, when: string, actor = 'dan'): Order {
  return fulfil(order, event, at(when), actor).order;
}

const packed = (o: Order) => step(o, { type: 'pack', zones: [{ zone: 'chilled', bags: 1, lineIds: [MILK, CHEDDAR] }] }, '2030-03-05T06:00:00.000Z');
const sent = (o: Order) =>
  step(
    packed(o),
    { type: 'dispatch', shipment: { id: S1, carrier: 'own-van', lines: [{ lineId: MILK, sku: 'MILK-1', quantity: 2 }, { lineId: CHEDDAR, sku: 'CHEDDAR-1', quantity: 500 }], stockMoves: [] } },
    '2030-03-05T07:30:00.000Z',
  );

describe('the ETA', () => {
  it('is the booked slot until the van is out, then a half hour a first stop’s drive after it left, then nothing once delivered', () => {
    const order = sent(delivery());
    expect(etaOf(delivery())).toEqual({ from: '2030-03-05T08:00:00.000Z', to: '2030-03-05T09:00:00.000Z' });
    expect(etaOf(order)).toEqual({ from: '2030-03-05T08:00:00.000Z', to: '2030-03-05T09:00:00.000Z' });
    const out = step(order, { type: 'out-for-delivery', shipmentId: S1 }, '2030-03-05T08:10:00.000Z');
    expect(etaOf(out)).toEqual({ from: '2030-03-05T08:25:00.000Z', to: '2030-03-05T08:55:00.000Z' });
    expect(etaOf(step(out, { type: 'deliver', shipmentId: S1 }, '2030-03-05T08:31:00.000Z'))).toBeNull();
  });

  it('moves to the redelivery slot after a failed attempt, and is gone while the goods come back', () => {
    const out = step(sent(delivery()), { type: 'out-for-delivery', shipmentId: S1 }, '2030-03-05T08:10:00.000Z');
    const failed = step(out, { type: 'fail-attempt', shipmentId: S1, reason: 'not-at-home', next: { action: 'redeliver', slotId: '2030-03-06T17:00Z~delivery' } }, '2030-03-05T08:30:00.000Z');
    expect(etaOf(failed)).toEqual({ from: '2030-03-06T17:00:00.000Z', to: '2030-03-06T18:00:00.000Z' });
    expect(etaOf(step(out, { type: 'return-to-store', shipmentId: S1 }, '2030-03-05T08:30:00.000Z'))).toBeNull();
  });

  it('is the pickup slot until collected, and nothing for a sale handed over at the till', () => {
    expect(etaOf(Order.parse(anOrder()))).toEqual({ from: '2030-03-05T08:00:00.000Z', to: '2030-03-05T10:00:00.000Z' });
    expect(etaOf(Order.parse(anOrder({ fulfillment: { mode: 'in-store' } })))).toBeNull();
  });

  it('always lies inside the slot, never longer than half an hour once out, whenever the van leaves', () => {
    const order = sent(delivery());
    const window = slotWindow(SLOT)!;
    fc.assert(
      fc.property(fc.integer({ min: -24 * 60, max: 24 * 60 }), (minutes) => {
        const left = new Date(window.start + minutes * 60_000).toISOString();
        const eta = shipmentEta(step(order, { type: 'out-for-delivery', shipmentId: S1 }, left).shipments![0]!, SLOT)!;
        const from = Date.parse(eta.from);
        const to = Date.parse(eta.to);
        expect(from).toBeGreaterThanOrEqual(window.start);
        expect(to).toBeLessThanOrEqual(window.end);
        expect(to - from).toBe(Math.min(ETA_WINDOW_MINUTES * 60_000, window.end - window.start));
      }),
    );
  });
});

describe('the timeline', () => {
  it('lists every step with its time, oldest first: order statuses, packing, and the shipment’s own statuses', () => {
    const out = step(sent(delivery()), { type: 'out-for-delivery', shipmentId: S1 }, '2030-03-05T08:10:00.000Z');
    expect(timelineOf(out)).toEqual([
      { status: 'completed', at: '2030-03-04T09:00:00.000Z' },
      { status: 'packed', at: '2030-03-05T06:00:00.000Z' },
      { status: 'dispatched', at: '2030-03-05T07:30:00.000Z', shipmentId: S1 },
      { status: 'out-for-delivery', at: '2030-03-05T08:10:00.000Z', shipmentId: S1 },
    ]);
    expect(trackingOf(out).status).toBe('dispatched');
  });
});

describe('the order as each reader sees it', () => {
  it('shows the shopper the handover code and no staff names, staff neither the code nor its salt', () => {
    const pickup = step(step(Order.parse(anOrder({ status: 'completed', payment: { intentId: 'pi_1', authorized: 1090, captured: 1000, refunded: 0, status: 'captured' } })), { type: 'pack', zones: [{ zone: 'ambient', bags: 1, lineIds: [MILK, CHEDDAR] }] }, '2030-03-05T06:00:00.000Z'), { type: 'ready-for-collection', codeSalt: newCodeSalt() }, '2030-03-05T07:00:00.000Z');
    const shopper = orderView(pickup, { kind: 'shopper', subject: pickup.shopperId }, { handoverCode: '123456' });
    expect(shopper.collection).toMatchObject({ status: 'ready', handoverCode: '123456', readyBy: 'smartshelf' });
    expect(shopper.collection).not.toHaveProperty('codeSalt');
    expect(shopper.packing!.packedBy).toBe('smartshelf');
    expect(shopper.fulfillmentHistory!.every((c) => c.actor === 'smartshelf')).toBe(true);
    const staff = orderView(pickup, { kind: 'staff', subject: 'dan', stores: ['*'] }, { handoverCode: '123456' });
    expect(staff.collection).not.toHaveProperty('handoverCode');
    expect(staff.collection).not.toHaveProperty('codeSalt');
    expect(staff.collection!.readyBy).toBe('dan');
  });
});

describe('handover codes', () => {
  it('are six digits, the same for the same key, order and salt, and another for any other', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 32 }), fc.string({ minLength: 1 }), fc.string({ minLength: 16 }), (key, orderId, salt) => {
        const code = handoverCode(key, orderId, salt);
        expect(code).toMatch(/^\d{6}$/);
        expect(codeMatches(key, orderId, salt, code)).toBe(true);
        expect(codeMatches(key, orderId, salt, `${code}0`)).toBe(false);
      }),
    );
    const key = 'k'.repeat(32);
    const codes = new Set(Array.from({ length: 200 }, () => handoverCode(key, 'ORDER', newCodeSalt())));
    expect(codes.size).toBeGreaterThan(190);
  });
});
