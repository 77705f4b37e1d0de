import { randomBytes } from 'node:crypto';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { ulid } from 'ulid';
import { describe, expect, it } from 'vitest';
import { handler as dispatchHandler } from '../../../functions/orders/dispatch-shipment.js';
import { handler as handOverHandler } from '../../../functions/orders/hand-over-order.js';
import { handler as packHandler } from '../../../functions/orders/pack-order.js';
import { handler as readyHandler } from '../../../functions/orders/ready-for-collection.js';
import { handler as shipmentEventHandler } from '../../../functions/orders/record-shipment-event.js';
import type { Principal } from '../../../shared/auth/principal.js';
import { scopesForRoles } from '../../../shared/auth/roles.js';
import { keys } from '../../../shared/db/keys.js';
import { adjustStock } from '../../../shared/inventory/adjustments.js';
import { orderReservationId } from '../../../shared/inventory/reservation-ids.js';
import { commitReservation, reserveStock } from '../../../shared/inventory/reservations.js';
import {
  dispatchShipment,
  fulfilmentDeps,
  handOver,
  packOrder,
  readyForCollection,
  recordShipmentEvent,
  type FulfilmentActor,
  type ShipmentBooker,
} from '../../../shared/orders/fulfilment-actions.js';
import { handoverCode } from '../../../shared/orders/handover-codes.js';
import { Order } from '../../../shared/orders/model.js';
import { getOrderRecord, putNewOrder } from '../../../shared/orders/repository.js';
import { getOrderFor } from '../../../shared/orders/queries.js';
import { MAX_HANDOVER_ATTEMPTS } from '../../../shared/orders/shipments.js';
import { LOCAL_HANDOVER_CODE_KEY } from '../../../infra/local/resources.js';
import { engines } from '../../support/engines.js';
import { apiEvent, lambdaContext } from '../../support/lambda.js';
import { appError } from '../carts/fixtures.js';
import { itemAt, openStore, outboxEnvelope, products, stockAudit, stockOf, stockStaff, testDeps as inventoryTestDeps } from '../inventory/fixtures.js';
import { anOrder } from '../../unit/orders/fixtures.js';

/**
 * The fulfilment actions against DynamoDB Local: orders paid for and picked for real (stock reserved, then committed by
 * `commitReservation` as the saga's CommitStock does), then packed, dispatched, delivered, returned or handed over.
 * Each checks the order, its shipments, the stock and the events in the outbox; races run concurrently.
 */

const token = () => randomBytes(4).toString('hex');
const deps = (overrides: Parameters<typeof fulfilmentDeps>[0] = {}) => fulfilmentDeps({ tableName: engines().tableName, handoverKey: async () => LOCAL_HANDOVER_CODE_KEY, ...overrides });
const ADDRESS = { line1: '2 Shopper Road', city: 'London', postcode: 'SE1 2BB', country: 'GB' };
const ID = { document: 'passport' as const };

interface World {
  order: Order;
  milk: string;
  cheese: string;
  staff: FulfilmentActor;
}

/**
 * A completed order at a fresh store: 4 milks and 2 cheeses (20 of each stocked), reserved and committed as picking
 * leaves them (`picked` says what was handed over of each; by default all), for delivery or pickup.
 */
async function aPaidOrder(options: { mode?: 'delivery' | 'pickup'; idCheckRequired?: boolean; picked?: { milk: number; cheese: number } } = {}): Promise<World> {
  const storeId = await openStore();
  const [milk, cheese] = (await products(2)) as [string, string];
  for (const sku of [milk, cheese]) await adjustStock({ sku, storeId, delta: 20, reason: 'delivery' }, stockStaff, inventoryTestDeps());
  const id = ulid();
  const reservationId = orderReservationId(id);
  await reserveStock({ reservationId, storeId, ownerRef: `order:${id}`, lines: [{ sku: milk, quantity: 4 }, { sku: cheese, quantity: 2 }], holdSeconds: 3600 }, inventoryTestDeps());
  const picked = options.picked;
  await commitReservation(
    reservationId,
    picked && [
      ...(picked.milk > 0 ? [{ sku: milk, quantity: picked.milk }] : []),
      ...(picked.cheese > 0 ? [{ sku: cheese, quantity: picked.cheese }] : []),
    ],
    inventoryTestDeps(),
  );
  const base = anOrder();
  const [milkLine, cheeseLine] = base.lines as [Order['lines'][number], Order['lines'][number]];
  const pick = (count: number) => (count > 0 ? { quantity: { count }, total: count * 100, tax: 0 } : { total: 0, tax: 0 });
  const order = Order.parse({
    ...base,
    id,
    shopperId: `shopper-${token()}`,
    storeId,
    status: 'completed',
    lines: [
      { ...milkLine, sku: milk, quantity: { count: 4 }, ...(picked ? { picked: pick(picked.milk) } : {}) },
      { ...cheeseLine, sku: cheese, soldBy: 'each', quantity: { count: 2 }, estimate: undefined, substitution: 'none', ...(picked ? { picked: pick(picked.cheese) } : {}) },
    ],
    fulfillment: options.mode === 'pickup' ? { mode: 'pickup', slotId: '2030-03-05T08:00Z~pickup' } : { mode: 'delivery', slotId: '2030-03-05T08:00Z~delivery', address: ADDRESS },
    reservationId,
    payment: { method: 'pm_card_visa', intentId: 'pi_test', authorized: 1000, captured: 1000, refunded: 0, status: 'captured' },
    ...(options.idCheckRequired ? { idCheckRequired: true } : {}),
    version: 12,
  });
  await putNewOrder(deps(), order);
  const staff: FulfilmentActor = { actor: `picker-${token()}`, correlationId: 'it-fulfilment', access: { kind: 'staff', subject: 'picker', stores: [storeId] } };
  return { order, milk, cheese, staff };
}

const PACKING = (w: World) => ({
  zones: [
    { zone: 'ambient' as const, bags: 1, lineIds: [w.order.lines[0]!.lineId] },
    { zone: 'chilled' as const, bags: 2, lineIds: [w.order.lines[1]!.lineId] },
  ],
});

/** The `fulfillment.updated` event of one order version, as its outbox item holds it. */
async function fulfilmentEvent(orderId: string, version: number) {
  return (await outboxEnvelope(`fulfillment-${orderId}-v${version}`))?.data;
}

const levels = async (w: World, sku: string) => {
  const stock = await stockOf(sku, w.order.storeId);
  return { available: stock!.available, reserved: stock!.reserved, committed: stock!.committed };
};

describe('own-van delivery', () => {
  it('packs, dispatches (committed stock leaves), goes out and delivers, each step one version with fulfillment.updated', async () => {
    const w = await aPaidOrder();
    expect(await levels(w, w.milk)).toEqual({ available: 16, reserved: 0, committed: 4 });

    const packed = await packOrder(w.order.id, PACKING(w), w.staff, deps());
    expect(packed).toMatchObject({ fulfillmentStatus: 'packed', version: 13, status: 'completed' });
    expect(packed.packing!.bags.map((b) => b.label)).toEqual([`${w.order.id}-A1/1`, `${w.order.id}-C1/2`, `${w.order.id}-C2/2`]);
    expect(await fulfilmentEvent(w.order.id, 13)).toMatchObject({ orderId: w.order.id, event: 'pack', from: 'unfulfilled', status: 'packed', mode: 'delivery', version: 13 });

    const { order: sent, shipment } = await dispatchShipment(w.order.id, { carrier: 'own-van' }, `k-${token()}`, w.staff, deps());
    expect(sent.fulfillmentStatus).toBe('dispatched');
    expect(shipment).toMatchObject({ carrier: 'own-van', trackingNumber: shipment.id, status: 'dispatched', attempt: 1 });
    expect(shipment.stockMoves).toEqual([
      { lineId: w.order.lines[0]!.lineId, sku: w.milk, quantity: 4 },
      { lineId: w.order.lines[1]!.lineId, sku: w.cheese, quantity: 2 },
    ]);
    expect(await levels(w, w.milk)).toEqual({ available: 16, reserved: 0, committed: 0 });
    expect(await levels(w, w.cheese)).toEqual({ available: 18, reserved: 0, committed: 0 });
    expect(await fulfilmentEvent(w.order.id, 14)).toMatchObject({
      event: 'dispatch',
      status: 'dispatched',
      shipment: { id: shipment.id, status: 'dispatched', carrier: 'own-van', trackingNumber: shipment.id, attempt: 1 },
    });

    await recordShipmentEvent(w.order.id, shipment.id, { type: 'out-for-delivery' }, w.staff, deps());
    const delivered = await recordShipmentEvent(w.order.id, shipment.id, { type: 'delivered' }, w.staff, deps());
    expect(delivered.order).toMatchObject({ fulfillmentStatus: 'delivered', status: 'completed', version: 16 });
    expect(delivered.shipment.timeline.map((c) => c.status)).toEqual(['dispatched', 'out-for-delivery', 'delivered']);
    expect(await fulfilmentEvent(w.order.id, 16)).toMatchObject({ event: 'deliver', from: 'dispatched', status: 'delivered', shipment: { status: 'delivered' } });
    expect(await getOrderRecord(deps(), w.order.id)).toEqual(delivered.order);
    // No order.status-changed: the order's own status did not move.
    expect(await outboxEnvelope(`order-${w.order.id}-v16`)).toBeUndefined();
  });

  it('splits an order across two shipments, each taking its own goods off committed', async () => {
    const w = await aPaidOrder();
    await packOrder(w.order.id, PACKING(w), w.staff, deps());
    const first = await dispatchShipment(w.order.id, { carrier: 'own-van', lines: [{ lineId: w.order.lines[1]!.lineId }, { lineId: w.order.lines[0]!.lineId, quantity: 1 }] }, `k-${token()}`, w.staff, deps());
    expect(first.order.fulfillmentStatus).toBe('partially-dispatched');
    expect(await levels(w, w.milk)).toMatchObject({ committed: 3 });
    expect(await levels(w, w.cheese)).toMatchObject({ committed: 0 });
    const second = await dispatchShipment(w.order.id, { carrier: 'own-van' }, `k-${token()}`, w.staff, deps());
    expect(second.shipment.lines).toEqual([{ lineId: w.order.lines[0]!.lineId, sku: w.milk, quantity: 3 }]);
    expect(second.order.fulfillmentStatus).toBe('dispatched');
    expect(await levels(w, w.milk)).toMatchObject({ committed: 0, available: 16 });
    const nothing = await appError(dispatchShipment(w.order.id, { carrier: 'own-van' }, `k-${token()}`, w.staff, deps()));
    expect([nothing.code, nothing.message]).toEqual(['invalid-fulfillment-transition', expect.stringContaining('every packed line has been sent')]);
  });

  it('moves only what was picked: a short pick released the rest at commit, and a line of which nothing was handed over travels not at all', async () => {
    const w = await aPaidOrder({ picked: { milk: 3, cheese: 0 } });
    // CommitStock released the unpicked milk and all the cheese back to the shelf.
    expect(await levels(w, w.milk)).toEqual({ available: 17, reserved: 0, committed: 3 });
    expect(await levels(w, w.cheese)).toEqual({ available: 20, reserved: 0, committed: 0 });
    await packOrder(w.order.id, { zones: [{ zone: 'ambient', bags: 1, lineIds: [w.order.lines[0]!.lineId] }] }, w.staff, deps());
    const { shipment } = await dispatchShipment(w.order.id, { carrier: 'own-van' }, `k-${token()}`, w.staff, deps());
    expect(shipment.lines).toEqual([{ lineId: w.order.lines[0]!.lineId, sku: w.milk, quantity: 3 }]);
    expect(await levels(w, w.milk)).toEqual({ available: 17, reserved: 0, committed: 0 });
  });

  it('answers a repeated dispatch with the shipment sent first, and sends nothing twice', async () => {
    const w = await aPaidOrder();
    await packOrder(w.order.id, PACKING(w), w.staff, deps());
    const key = `k-${token()}`;
    const first = await dispatchShipment(w.order.id, { carrier: 'own-van', lines: [{ lineId: w.order.lines[0]!.lineId }] }, key, w.staff, deps());
    const again = await dispatchShipment(w.order.id, { carrier: 'own-van', lines: [{ lineId: w.order.lines[0]!.lineId }] }, key, w.staff, deps());
    expect(again.shipment).toEqual(first.shipment);
    expect(again.order.shipments).toHaveLength(1);
    expect(await levels(w, w.milk)).toMatchObject({ committed: 0 });
  });

  it('of ten staff dispatching the same goods at once, exactly one sends them', async () => {
    const w = await aPaidOrder();
    await packOrder(w.order.id, PACKING(w), w.staff, deps());
    const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => dispatchShipment(w.order.id, { carrier: 'own-van' }, `race-${i}-${token()}`, { ...w.staff, actor: `picker-${i}` }, deps())));
    const sent = results.filter((r) => r.status === 'fulfilled');
    expect(sent).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect((r.reason as { code: string }).code).toMatch(/^(invalid-fulfillment-transition|order-changed)$/);
    const order = (await getOrderRecord(deps(), w.order.id))!;
    expect(order.shipments).toHaveLength(1);
    expect(await levels(w, w.milk)).toEqual({ available: 16, reserved: 0, committed: 0 });
    expect(await levels(w, w.cheese)).toEqual({ available: 18, reserved: 0, committed: 0 });
  });

  it('books a courier shipment through the port, tracked by the courier, and applies its reports only forward', async () => {
    const w = await aPaidOrder();
    await packOrder(w.order.id, PACKING(w), w.staff, deps());
    const booked: string[] = [];
    const courier: ShipmentBooker = {
      book: async ({ shipmentId, bags }) => {
        booked.push(`${shipmentId}:${bags.length}`);
        return { trackingNumber: `ACME-${shipmentId}`, trackingUrl: `https://track.example/${shipmentId}`, booking: { reference: `${w.order.id}/${shipmentId}` } };
      },
    };
    const withCourier = deps({ couriers: (carrier) => (carrier === 'acme-parcels' ? courier : undefined) });
    expect((await appError(dispatchShipment(w.order.id, { carrier: 'other-parcels' }, `k-${token()}`, w.staff, withCourier))).code).toBe('courier-not-available');
    const { shipment } = await dispatchShipment(w.order.id, { carrier: 'acme-parcels' }, `k-${token()}`, w.staff, withCourier);
    expect(booked).toEqual([`${shipment.id}:3`]);
    expect(shipment).toMatchObject({ trackingNumber: `ACME-${shipment.id}`, trackingUrl: `https://track.example/${shipment.id}`, booking: { reference: `${w.order.id}/${shipment.id}` } });
    expect((await appError(recordShipmentEvent(w.order.id, shipment.id, { type: 'out-for-delivery' }, w.staff, deps()))).code).toBe('invalid-shipment-transition');

  });
});

describe('a failed delivery', () => {
  it('goes out again in a redelivery slot as the next attempt', async () => {
    const w = await aPaidOrder();
    await packOrder(w.order.id, PACKING(w), w.staff, deps());
    const { shipment } = await dispatchShipment(w.order.id, { carrier: 'own-van' }, `k-${token()}`, w.staff, deps());
    await recordShipmentEvent(w.order.id, shipment.id, { type: 'out-for-delivery' }, w.staff, deps());
    const failed = await recordShipmentEvent(w.order.id, shipment.id, { type: 'failed-attempt', reason: 'not-at-home', next: { action: 'redeliver', slotId: '2030-03-06T10:00Z~delivery' } }, w.staff, deps());
    expect(failed.shipment).toMatchObject({ status: 'failed-attempt', failure: { reason: 'not-at-home' }, redeliverySlotId: '2030-03-06T10:00Z~delivery' });
    expect(await fulfilmentEvent(w.order.id, failed.order.version)).toMatchObject({ event: 'fail-attempt', reason: 'not-at-home; redeliver in 2030-03-06T10:00Z~delivery', shipment: { status: 'failed-attempt', attempt: 1 } });
    await recordShipmentEvent(w.order.id, shipment.id, { type: 'out-for-delivery' }, w.staff, deps());
    const delivered = await recordShipmentEvent(w.order.id, shipment.id, { type: 'delivered' }, w.staff, deps());
    expect(delivered.shipment).toMatchObject({ status: 'delivered', attempt: 2 });
  });

  it('returned to the store puts the ambient goods back on sale and writes the chilled ones off, each audited', async () => {
    const w = await aPaidOrder({ idCheckRequired: true });
    await packOrder(w.order.id, PACKING(w), w.staff, deps());
    const { shipment } = await dispatchShipment(w.order.id, { carrier: 'own-van' }, `k-${token()}`, w.staff, deps());
    await recordShipmentEvent(w.order.id, shipment.id, { type: 'out-for-delivery' }, w.staff, deps());
    expect((await appError(recordShipmentEvent(w.order.id, shipment.id, { type: 'delivered' }, w.staff, deps()))).code).toBe('id-check-required');
    const back = await recordShipmentEvent(w.order.id, shipment.id, { type: 'failed-attempt', reason: 'age-check-failed', next: { action: 'return-to-store' } }, w.staff, deps());
    expect(back.shipment.status).toBe('returning');
    const milkLine = w.order.lines[0]!.lineId;
    const cheeseLine = w.order.lines[1]!.lineId;
    const refused = await appError(
      recordShipmentEvent(w.order.id, shipment.id, { type: 'returned-to-store', lines: [{ lineId: milkLine, disposition: 'restock' }, { lineId: cheeseLine, disposition: 'restock' }] }, w.staff, deps()),
    );
    expect([refused.code, refused.fields]).toEqual(['perishable-not-restockable', [{ field: 'body.lines.1.disposition', message: expect.stringContaining('travelled chilled') }]]);
    expect(await levels(w, w.milk)).toEqual({ available: 16, reserved: 0, committed: 0 });

    const received = await recordShipmentEvent(
      w.order.id,
      shipment.id,
      { type: 'returned-to-store', lines: [{ lineId: milkLine, disposition: 'restock' }, { lineId: cheeseLine, disposition: 'write-off', reason: 'perishable' }] },
      w.staff,
      deps(),
    );
    expect(received.order.fulfillmentStatus).toBe('returned-to-store');
    expect(received.shipment).toMatchObject({ status: 'returned-to-store', returned: [{ lineId: milkLine, disposition: 'restock' }, { lineId: cheeseLine, disposition: 'write-off', reason: 'perishable' }] });
    expect(await levels(w, w.milk)).toEqual({ available: 20, reserved: 0, committed: 0 });
    expect(await levels(w, w.cheese)).toEqual({ available: 18, reserved: 0, committed: 0 });
    const milkAudit = (await stockAudit(w.order.storeId, w.milk)).filter((a) => (a.after as { reason?: string }).reason === 'return');
    expect(milkAudit).toEqual([expect.objectContaining({ action: 'adjust', actor: w.staff.actor, before: expect.objectContaining({ available: 16 }), after: expect.objectContaining({ available: 20, delta: 4 }) })]);
    const cheeseAudit = (await stockAudit(w.order.storeId, w.cheese)).filter((a) => a.action === 'write-off');
    expect(cheeseAudit).toEqual([expect.objectContaining({ after: expect.objectContaining({ writtenOff: 2, reason: 'perishable' }) })]);
    const adjusted = await outboxEnvelope(`adjusted-${milkAudit[0]!.id as string}`);
    expect(adjusted?.data).toMatchObject({ sku: w.milk, delta: 4, reason: 'return', level: { available: 20, committed: 0 } });
    expect(await fulfilmentEvent(w.order.id, received.order.version)).toMatchObject({ event: 'receive-return', status: 'returned-to-store', shipment: { status: 'returned-to-store' } });
  });
});

describe('click-and-collect', () => {
  it('hands a ready order over on the right code with the ID check, its stock leaving; a wrong code counts a try and changes nothing else', async () => {
    const w = await aPaidOrder({ mode: 'pickup', idCheckRequired: true });
    await packOrder(w.order.id, PACKING(w), w.staff, deps());
    const ready = await readyForCollection(w.order.id, { ...w.staff, canReissue: false }, deps());
    expect(ready).toMatchObject({ fulfillmentStatus: 'ready-for-collection', collection: { status: 'ready', failedAttempts: 0 } });
    expect(await fulfilmentEvent(w.order.id, ready.version)).toMatchObject({ event: 'ready-for-collection', status: 'ready-for-collection', mode: 'pickup' });

    // The shopper sees the code; staff do not, and the table holds only its salt.
    const shopper: Principal = { subject: w.order.shopperId, kind: 'user', roles: ['shopper'], scopes: scopesForRoles(['shopper']), stores: [] };
    const seen = await getOrderFor(shopper, w.order.id, deps(), async () => LOCAL_HANDOVER_CODE_KEY);
    const code = seen.collection!.handoverCode!;
    expect(code).toBe(handoverCode(LOCAL_HANDOVER_CODE_KEY, w.order.id, ready.collection!.codeSalt));
    const picker: Principal = { subject: 'picker', kind: 'user', roles: ['picker'], scopes: scopesForRoles(['picker']), stores: [w.order.storeId] };
    expect((await getOrderFor(picker, w.order.id, deps(), async () => LOCAL_HANDOVER_CODE_KEY)).collection).not.toHaveProperty('handoverCode');
    expect(JSON.stringify(await itemAt(keys.order(w.order.id)))).not.toContain(code);

    const wrong = code === '000000' ? '111111' : '000000';
    const mismatch = await appError(handOver(w.order.id, { code: wrong, idCheck: ID }, w.staff, deps()));
    expect([mismatch.code, mismatch.extensions]).toEqual(['handover-code-mismatch', { orderId: w.order.id, attemptsLeft: MAX_HANDOVER_ATTEMPTS - 1 }]);
    const afterWrong = (await getOrderRecord(deps(), w.order.id))!;
    expect(afterWrong).toMatchObject({ fulfillmentStatus: 'ready-for-collection', collection: { failedAttempts: 1 } });
    expect(await fulfilmentEvent(w.order.id, afterWrong.version)).toBeUndefined();
    expect(await levels(w, w.milk)).toMatchObject({ committed: 4 });

    expect((await appError(handOver(w.order.id, { code }, w.staff, deps()))).code).toBe('id-check-required');
    const collected = await handOver(w.order.id, { code, idCheck: ID }, w.staff, deps());
    expect(collected).toMatchObject({ fulfillmentStatus: 'collected', collection: { status: 'collected', collectedBy: w.staff.actor, idCheck: { document: 'passport', checkedBy: w.staff.actor } } });
    expect(await levels(w, w.milk)).toEqual({ available: 16, reserved: 0, committed: 0 });
    expect(await levels(w, w.cheese)).toEqual({ available: 18, reserved: 0, committed: 0 });
    expect(await fulfilmentEvent(w.order.id, collected.version)).toMatchObject({ event: 'collect', from: 'ready-for-collection', status: 'collected' });
    expect((await appError(handOver(w.order.id, { code, idCheck: ID }, w.staff, deps()))).code).toBe('invalid-fulfillment-transition');
  });

  it('locks after five wrong codes until a store manager issues a new one', async () => {
    const w = await aPaidOrder({ mode: 'pickup' });
    await packOrder(w.order.id, PACKING(w), w.staff, deps());
    const ready = await readyForCollection(w.order.id, { ...w.staff, canReissue: false }, deps());
    const code = handoverCode(LOCAL_HANDOVER_CODE_KEY, w.order.id, ready.collection!.codeSalt);
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 0; i < MAX_HANDOVER_ATTEMPTS; i += 1) expect((await appError(handOver(w.order.id, { code: wrong }, w.staff, deps()))).code).toBe('handover-code-mismatch');
    expect((await appError(handOver(w.order.id, { code }, w.staff, deps()))).code).toBe('handover-locked');
    expect((await appError(readyForCollection(w.order.id, { ...w.staff, canReissue: false }, deps()))).code).toBe('insufficient-scope');
    const reissued = await readyForCollection(w.order.id, { ...w.staff, actor: 'manager', canReissue: true }, deps());
    expect(reissued.collection).toMatchObject({ failedAttempts: 0 });
    const fresh = handoverCode(LOCAL_HANDOVER_CODE_KEY, w.order.id, reissued.collection!.codeSalt);
    expect(fresh).not.toBe(code);
    expect((await handOver(w.order.id, { code: fresh }, w.staff, deps())).fulfillmentStatus).toBe('collected');
  });

  it('of ten staff handing the same order over at once, exactly one does, and the stock leaves once', async () => {
    const w = await aPaidOrder({ mode: 'pickup' });
    await packOrder(w.order.id, PACKING(w), w.staff, deps());
    const ready = await readyForCollection(w.order.id, { ...w.staff, canReissue: false }, deps());
    const code = handoverCode(LOCAL_HANDOVER_CODE_KEY, w.order.id, ready.collection!.codeSalt);
    const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => handOver(w.order.id, { code }, { ...w.staff, actor: `picker-${i}` }, deps())));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect((r.reason as { code: string }).code).toMatch(/^(invalid-fulfillment-transition|order-changed)$/);
    expect(await levels(w, w.milk)).toEqual({ available: 16, reserved: 0, committed: 0 });
  });
});

type Handler = (event: APIGatewayProxyEvent, context: ReturnType<typeof lambdaContext>) => Promise<{ statusCode: number; body: string }>;

const principalOf = (role: 'picker' | 'store-manager' | 'shopper', stores: string[]): Principal => ({ subject: `${role}-${token()}`, kind: 'user', roles: [role], scopes: scopesForRoles([role]), stores });

async function call(handler: unknown, resource: string, params: Record<string, string>, body: unknown, principal: Principal, headers: Record<string, string> = {}) {
  const event = apiEvent({ method: 'POST', resource, pathParameters: params, headers: { 'Content-Type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body), principal });
  const response = await (handler as Handler)(event, lambdaContext());
  return { status: response.statusCode, json: JSON.parse(response.body) as Record<string, unknown> & { errors?: { field: string }[]; type?: string } };
}

describe('the routes', () => {
  it('answer bad input with a 400 problem naming the fields, and change nothing', async () => {
    const w = await aPaidOrder();
    const picker = principalOf('picker', [w.order.storeId]);
    const id = { id: w.order.id };
    const version = async () => (await getOrderRecord(deps(), w.order.id))!.version;
    const before = await version();
    const bad: [unknown, string, Record<string, string>, unknown, Record<string, string>?][] = [
      [packHandler, '/orders/{id}/pack', id, { zones: [] }],
      [packHandler, '/orders/{id}/pack', id, { zones: [{ zone: 'warm', bags: 0, lineIds: ['x'] }] }],
      [packHandler, '/orders/{id}/pack', id, '{not json'],
      [dispatchHandler, '/orders/{id}/shipments', id, { carrier: 'Own Van' }, { 'Idempotency-Key': `k-${token()}` }],
      [dispatchHandler, '/orders/{id}/shipments', id, { carrier: 'own-van' }],
      [dispatchHandler, '/orders/{id}/shipments', id, { carrier: 'own-van', lines: [{ lineId: 'nope', quantity: -1 }] }, { 'Idempotency-Key': `k-${token()}` }],
      [shipmentEventHandler, '/orders/{id}/shipments/{shipmentId}/events', { ...id, shipmentId: ulid() }, { type: 'teleported' }],
      [shipmentEventHandler, '/orders/{id}/shipments/{shipmentId}/events', { ...id, shipmentId: 'not-a-ulid' }, { type: 'out-for-delivery' }],
      [shipmentEventHandler, '/orders/{id}/shipments/{shipmentId}/events', { ...id, shipmentId: ulid() }, { type: 'failed-attempt', reason: 'bored', next: { action: 'redeliver', slotId: 'tomorrow' } }],
      [readyHandler, '/orders/{id}/collection', id, { code: '123456' }],
      [handOverHandler, '/orders/{id}/collection/handover', id, { code: '12ab' }],
      [handOverHandler, '/orders/{id}/collection/handover', id, { code: '123456', idCheck: { document: 'library-card' } }],
    ];
    for (const [handler, resource, params, body, headers] of bad) {
      const response = await call(handler, resource, params, body, picker, headers);
      expect(response.status, `${resource} ${JSON.stringify(body)}: ${JSON.stringify(response.json)}`).toBe(400);
      expect(response.json.type).toMatch(/^https:\/\/smartshelf\.dev\/problems\//);
    }
    expect(await version()).toBe(before);
    expect(await levels(w, w.milk)).toEqual({ available: 16, reserved: 0, committed: 4 });
  });

  it('pack and dispatch through the handlers: 200 and 201, the key required, a shopper 403, another store 404', async () => {
    const w = await aPaidOrder();
    const picker = principalOf('picker', [w.order.storeId]);
    const packed = await call(packHandler, '/orders/{id}/pack', { id: w.order.id }, PACKING(w), picker);
    expect([packed.status, packed.json.fulfillmentStatus]).toEqual([200, 'packed']);
    expect((await call(packHandler, '/orders/{id}/pack', { id: w.order.id }, PACKING(w), principalOf('shopper', []))).status).toBe(403);
    const away = await call(dispatchHandler, '/orders/{id}/shipments', { id: w.order.id }, { carrier: 'own-van' }, principalOf('store-manager', ['elsewhere']), { 'Idempotency-Key': `k-${token()}` });
    expect([away.status, away.json.type]).toEqual([404, 'https://smartshelf.dev/problems/not-found']);
    const sent = await call(dispatchHandler, '/orders/{id}/shipments', { id: w.order.id }, { carrier: 'own-van' }, picker, { 'Idempotency-Key': `k-${token()}` });
    expect(sent.status).toBe(201);
    expect(sent.json).toMatchObject({ order: { fulfillmentStatus: 'dispatched', tracking: { status: 'dispatched' } }, shipment: { status: 'dispatched', carrier: 'own-van' } });
    expect(sent.json.shipment).not.toHaveProperty('requestKey');
  });
});
