import { randomBytes } from 'node:crypto';
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCourierSandbox, type CourierSandbox } from '../../../infra/local/courier-sandbox/server.js';
import { LOCAL_HANDOVER_CODE_KEY } from '../../../infra/local/resources.js';
import { httpCourier, type CourierRetryPolicy as RetryPolicy } from '../../../shared/couriers/http-courier.js';
import { tableDeps } from '../../../shared/db/deps.js';
import { adjustStock } from '../../../shared/inventory/adjustments.js';
import { orderReservationId } from '../../../shared/inventory/reservation-ids.js';
import { commitReservation, reserveStock } from '../../../shared/inventory/reservations.js';
import { courierBooker } from '../../../shared/orders/courier-booking.js';
import { dispatchShipment, fulfilmentDeps, packOrder, type FulfilmentActor, type FulfilmentDeps } from '../../../shared/orders/fulfilment-actions.js';
import { Order } from '../../../shared/orders/model.js';
import { getOrderRecord, putNewOrder } from '../../../shared/orders/repository.js';
import { engines } from '../../support/engines.js';
import { appError } from '../carts/fixtures.js';
import { openStore, products, stockOf, stockStaff, testDeps as inventoryTestDeps } from '../inventory/fixtures.js';
import { anOrder } from '../../unit/orders/fixtures.js';

/**
 * Dispatching by courier against DynamoDB Local and the courier sandbox, through the real HTTP adapter: the booking the
 * courier is asked for, once however the dispatch is retried or its answers lost; of dispatchers racing over the same
 * goods one sends them and the others' bookings are cancelled; a refused or unreachable courier dispatches nothing.
 */

const COURIER = 'sandbox-courier';
const token = () => randomBytes(4).toString('hex');
let sandbox: CourierSandbox;
const deps = (retry: RetryPolicy = { attempts: 3, budgetMs: 3_000, baseDelayMs: 50, maxDelayMs: 200 }) => {
  const table = tableDeps({ tableName: engines().tableName });
  const booker = courierBooker(httpCourier({ ...sandbox.clientSettings, retry }), table);
  return fulfilmentDeps({ ...table, handoverKey: async () => LOCAL_HANDOVER_CODE_KEY, couriers: (carrier) => (carrier === COURIER ? booker : undefined) });
};

beforeAll(async () => {
  sandbox = await startCourierSandbox({ settings: { autoAdvance: false } });
});
afterAll(() => sandbox.stop());

/** A completed delivery order at a fresh store, 4 items and 1,500 g of a weighed good, its stock committed, packed ambient and chilled. */
async function packedOrder(postcode = 'SE1 2BB'): Promise<{ order: Order; staff: FulfilmentActor; skus: [string, string] }> {
  const storeId = await openStore();
  const skus = (await products(2)) as [string, string];
  await adjustStock({ sku: skus[0], storeId, delta: 20, reason: 'delivery' }, stockStaff, inventoryTestDeps());
  await adjustStock({ sku: skus[1], storeId, delta: 5_000, reason: 'delivery' }, stockStaff, inventoryTestDeps());
  const id = ulid();
  const reservationId = orderReservationId(id);
  await reserveStock({ reservationId, storeId, ownerRef: `order:${id}`, lines: [{ sku: skus[0], quantity: 4 }, { sku: skus[1], quantity: 1_500 }], holdSeconds: 3600 }, inventoryTestDeps());
  await commitReservation(reservationId, undefined, inventoryTestDeps());
  const base = anOrder();
  const [itemLine, weighedLine] = base.lines as [Order['lines'][number], Order['lines'][number]];
  const order = Order.parse({
    ...base,
    id,
    shopperId: `shopper-${token()}`,
    storeId,
    status: 'completed',
    lines: [
      { ...itemLine, sku: skus[0], quantity: { count: 4 } },
      { ...weighedLine, sku: skus[1], quantity: { grams: 1_500 }, estimate: { ...weighedLine.estimate!, grams: 1_500 } },
    ],
    fulfillment: { mode: 'delivery', slotId: '2030-03-05T08:00Z~delivery', address: { line1: '2 Shopper Road', city: 'London', postcode, country: 'GB' } },
    reservationId,
    payment: { method: 'pm_card_visa', intentId: 'pi_test', authorized: 1000, captured: 1000, refunded: 0, status: 'captured' },
    idCheckRequired: true,
  });
  await putNewOrder(deps(), order);
  const staff: FulfilmentActor = { actor: `picker-${token()}`, correlationId: 'it-courier-dispatch', access: { kind: 'staff', subject: 'picker', stores: [storeId] } };
  const packed = await packOrder(
    id,
    {
      zones: [
        { zone: 'ambient', bags: 1, lineIds: [itemLine.lineId] },
        { zone: 'chilled', bags: 2, lineIds: [weighedLine.lineId] },
      ],
    },
    staff,
    deps(),
  );
  return { order: packed, staff, skus };
}

const atCourier = (orderId: string) => sandbox.state().shipments.filter((s) => s.reference.startsWith(`${orderId}/`));
const levels = async (sku: string, storeId: string) => {
  const { available, reserved, committed } = (await stockOf(sku, storeId))!;
  return { available, reserved, committed };
};

describe('dispatching by courier', () => {
  it('books the shipment as the contract asks, gives it the courier’s tracking, and books it once however often the request comes', async () => {
    const { order, staff } = await packedOrder();
    const key = `k-${token()}`;
    const { shipment, order: sent } = await dispatchShipment(order.id, { carrier: COURIER }, key, staff, deps());
    const [booked, ...others] = atCourier(order.id);
    expect(others).toEqual([]);
    expect(shipment).toMatchObject({ carrier: COURIER, status: 'dispatched', trackingNumber: booked!.trackingNumber, trackingUrl: booked!.trackingUrl, booking: { reference: booked!.shipmentId, labelUrl: booked!.labelUrl } });
    expect(booked!.request).toEqual({
      reference: `${order.id}/${shipment.id}`,
      service: 'timed',
      collection: { locationReference: order.storeId, address: { line1: '1 Test Street', city: 'London', postcode: 'E1 1AA', country: 'GB' }, readyAt: order.packing!.packedAt },
      delivery: { recipient: { name: `SmartShelf order ${order.id}` }, address: { line1: '2 Shopper Road', city: 'London', postcode: 'SE1 2BB', country: 'GB' }, window: { from: '2030-03-05T08:00:00.000Z', to: '2030-03-05T09:00:00.000Z' } },
      // Four items at a nominal 500 g in the ambient bag; 1,500 g shared by the two chilled bags.
      parcels: order.packing!.bags.map((bag) => ({ reference: bag.label, weightGrams: bag.zone === 'ambient' ? 2_000 : 750, temperature: bag.zone, description: `Groceries, ${bag.zone}` })),
      ageVerification: true,
      metadata: { orderId: order.id, shipmentId: shipment.id, storeId: order.storeId },
    });
    expect(sent.fulfillmentStatus).toBe('dispatched');

    // The same request again: the shipment sent first, no second booking.
    const again = await dispatchShipment(order.id, { carrier: COURIER }, key, staff, deps());
    expect(again.shipment.id).toBe(shipment.id);
    expect(atCourier(order.id)).toHaveLength(1);
  });

  it('books once when the courier’s answers are lost and the adapter retries under the same key', async () => {
    const { order, staff } = await packedOrder();
    sandbox.faults({ ackLostRate: 1, window: { untilEpochMs: Date.now() + 200 } });
    try {
      // Enough tries, spaced enough, that the last ones fall after the lost answers, however slow the machine.
      const patient = deps({ attempts: 8, budgetMs: 8_000, baseDelayMs: 100, maxDelayMs: 800 });
      const { shipment } = await dispatchShipment(order.id, { carrier: COURIER }, `k-${token()}`, staff, patient);
      expect(atCourier(order.id).map((s) => s.shipmentId)).toEqual([shipment.booking!.reference]);
    } finally {
      sandbox.faults({});
    }
  });

  it('names the same shipment, and so the same booking, when a request is sent again after its first try failed', async () => {
    const { order, staff } = await packedOrder();
    const key = `k-${token()}`;
    // The first try books, then fails before anything is written, as a function timing out would.
    const real = deps();
    const booker = real.couriers(COURIER)!;
    const booked: string[] = [];
    const flaky: FulfilmentDeps = {
      ...real,
      couriers: () => ({
        book: async (request) => {
          booked.push((await booker.book(request)).booking.reference);
          throw new Error('lost after booking');
        },
      }),
    };
    await expect(dispatchShipment(order.id, { carrier: COURIER }, key, staff, flaky)).rejects.toThrow('lost after booking');
    const { shipment } = await dispatchShipment(order.id, { carrier: COURIER }, key, staff, deps());
    expect(shipment.booking!.reference).toBe(booked[0]);
    expect(atCourier(order.id)).toHaveLength(1);
    expect(sandbox.state().counts.replays).toBeGreaterThanOrEqual(1);
  });

  it('of dispatchers racing over the same goods sends them once, and cancels the others’ bookings at the courier', async () => {
    const { order, staff } = await packedOrder();
    const results = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => dispatchShipment(order.id, { carrier: COURIER }, `race-${i}-${token()}`, { ...staff, actor: `picker-${i}` }, deps())));
    const sent = results.filter((r) => r.status === 'fulfilled');
    expect(sent).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect((r.reason as { code: string }).code).toMatch(/^(invalid-fulfillment-transition|order-changed)$/);
    const winner = sent[0]!.value.shipment;
    const stored = (await getOrderRecord(deps(), order.id))!;
    expect(stored.shipments).toHaveLength(1);
    const bookings = atCourier(order.id);
    expect(bookings.filter((s) => s.status !== 'cancelled').map((s) => s.shipmentId)).toEqual([winner.booking!.reference]);
    expect(bookings.length).toBeGreaterThanOrEqual(1);
  });

  it('dispatches nothing when the courier refuses (422 courier-refused) or cannot be reached (503 courier-unavailable)', async () => {
    const faraway = await packedOrder('ZE2 9XX');
    const before = await levels(faraway.order.lines[0]!.sku, faraway.order.storeId);
    const refused = await appError(dispatchShipment(faraway.order.id, { carrier: COURIER }, `k-${token()}`, faraway.staff, deps()));
    expect(refused).toMatchObject({ kind: 'unprocessable', code: 'courier-refused', extensions: { carrier: COURIER, courierCode: 'not_serviceable', orderId: faraway.order.id } });
    expect(refused.message).toMatch(/does not deliver to postcode ZE2 9XX/);
    expect((await getOrderRecord(deps(), faraway.order.id))!).toMatchObject({ version: faraway.order.version, fulfillmentStatus: 'packed' });
    expect(await levels(faraway.order.lines[0]!.sku, faraway.order.storeId)).toEqual(before);
    expect(atCourier(faraway.order.id)).toEqual([]);

    const near = await packedOrder();
    sandbox.faults({ errorRate: 1, errorStatus: 503, retryAfterSeconds: 2 });
    try {
      const unavailable = await appError(dispatchShipment(near.order.id, { carrier: COURIER }, `k-${token()}`, near.staff, deps()));
      expect(unavailable).toMatchObject({ kind: 'unavailable', code: 'courier-unavailable', retryAfterSeconds: 2 });
    } finally {
      sandbox.faults({});
    }
    expect((await getOrderRecord(deps(), near.order.id))!.version).toBe(near.order.version);
    expect(atCourier(near.order.id)).toEqual([]);
  });
});
