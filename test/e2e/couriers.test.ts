import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { CourierSandboxState } from '../../infra/local/courier-sandbox/server.js';
import { localDynamoClient } from '../../infra/local/engines/dynamodb.js';
import { LOCAL_COURIER_WEBHOOK_SECRET } from '../../infra/local/resources.js';
import type { Cart } from '../../shared/carts/model.js';
import { signCourierWebhook } from '../../shared/couriers/signing.js';
import { keys } from '../../shared/db/keys.js';
import { COURIER_WEBHOOK_CONSUMER } from '../../shared/orders/courier-tracking.js';
import type { OrderView } from '../../shared/orders/views.js';
import { ApiClient } from '../support/api-client.js';
import { eventually, problem } from '../support/e2e.js';
import { PERSONAL_VALUES } from '../support/personal-data.js';
import { sampleSkus } from '../support/sample-skus.js';

/**
 * Third-party couriers end to end on the local platform: an order split between the store's own van and the courier
 * sandbox, both delivered (shipment and order status, stock leaving `committed`, `fulfillment.updated` for each
 * change); the sandbox's tracking webhooks duplicated five times and shuffled, applied once; a booking the courier
 * refuses or cannot take dispatching nothing; and forged or stale webhooks changing nothing.
 */

const STORE = 'london-bridge';
const COURIER = 'sandbox-courier';
const run = Date.now().toString(36);
const api = new ApiClient(inject('baseUrl'));
const runtime = JSON.parse(await readFile(join(inject('dataDir'), 'runtime.json'), 'utf8')) as { endpoints: { dynamodb: string }; tableName: string; courierSandboxUrl: string };
const db = DynamoDBDocumentClient.from(localDynamoClient(runtime.endpoints.dynamodb));
afterAll(() => db.destroy());

let shopper: ApiClient;
let manager: ApiClient;
let slotId: string;
let minimumOrder: number;
const fixed = sampleSkus(STORE, 'each').filter((s) => s.stock >= 60 && s.price >= 300);

type Shipment = NonNullable<OrderView['shipments']>[number];
interface Stock {
  available: number;
  reserved: number;
  committed: number;
}

async function sandbox<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${runtime.courierSandboxUrl}${path}`, { method, headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  if (!response.ok) throw new Error(`courier sandbox ${method} ${path} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

const itemAt = async (key: { pk: string; sk: string }) => (await db.send(new GetCommand({ TableName: runtime.tableName, Key: key, ConsistentRead: true }))).Item;

/** The fulfillment.updated events of an order's versions after `from`, as the outbox holds them. */
async function fulfilmentEvents(orderId: string, from: number, to: number): Promise<Record<string, unknown>[]> {
  const found: Record<string, unknown>[] = [];
  for (let version = from + 1; version <= to; version += 1) {
    const item = await itemAt(keys.outboxEvent(`fulfillment-${orderId}-v${version}`));
    if (item) found.push((JSON.parse(item.detail as string) as { data: Record<string, unknown> }).data);
  }
  return found;
}

async function stockOf(sku: string): Promise<Stock> {
  const { body } = await manager.get<{ stores: (Stock & { storeId: string })[] }>(`/inventory/${sku}`);
  const { available, reserved, committed } = body.stores.find((s) => s.storeId === STORE)!;
  return { available, reserved, committed };
}

const orderOf = async (id: string) => (await manager.get<OrderView>(`/orders/${id}`)).body;

/** A completed delivery order of `lines` (fixed-price goods, captured at once), to `postcode` or to a saved address. */
async function completedOrder(lines: { sku: string; count: number }[], postcode = 'SE1 2TF', addressId?: string): Promise<OrderView> {
  const { body: cart } = await shopper.post<Cart>('/carts', { storeId: STORE });
  for (const { sku, count } of lines) expect((await shopper.post(`/carts/${cart.id}/lines`, { sku, quantity: { count } })).status).toBe(200);
  const where = addressId === undefined ? { address: { line1: '1 Tooley Street', city: 'London', postcode, country: 'GB' } } : { addressId };
  const chosen = await shopper.request('PUT', `/carts/${cart.id}/fulfillment`, { body: { mode: 'delivery', slotId, ...where } });
  expect(chosen.status, JSON.stringify(chosen.body)).toBe(200);
  const started = await shopper.post<OrderView>('/checkout', { cartId: cart.id, paymentMethod: 'pm_card_visa' }, { headers: { 'idempotency-key': `couriers-${cart.id}` } });
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  return eventually(`order ${started.body.id} completed`, async () => {
    const order = await orderOf(started.body.id);
    if (order.status === 'failed' || order.status === 'cancelled') throw new Error(`order ${order.id} ended ${order.status}: ${order.failureReason}`);
    return order.status === 'completed' ? order : undefined;
  });
}

/** Enough of a SKU for the slot's minimum order. */
const countFor = (price: number, share = 1) => Math.min(20, Math.ceil((minimumOrder * share * 1.1) / price));

async function pack(order: OrderView, zones: { zone: 'ambient' | 'chilled' | 'frozen'; bags: number; lineIds: string[] }[]): Promise<OrderView> {
  const packed = await manager.post<OrderView>(`/orders/${order.id}/pack`, { zones });
  expect(packed.status, JSON.stringify(packed.body)).toBe(200);
  return packed.body;
}

async function dispatch(order: OrderView, body: { carrier: string; lines?: { lineId: string }[]; bags?: string[] }, key = `dispatch-${order.id}-${body.carrier}`) {
  return manager.post<{ order: OrderView; shipment: Shipment }>(`/orders/${order.id}/shipments`, body, { headers: { 'idempotency-key': key } });
}

async function shipmentWhen(orderId: string, shipmentId: string, status: Shipment['status']): Promise<OrderView> {
  return eventually(`shipment ${shipmentId} ${status}`, async () => {
    const order = await orderOf(orderId);
    return order.shipments?.find((s) => s.id === shipmentId)?.status === status ? order : undefined;
  }, 30_000);
}

beforeAll(async () => {
  shopper = api.as({ token: await api.mintToken(`e2e-couriers-${run}`, ['shopper']) });
  manager = api.as({ token: await api.mintToken(`e2e-couriers-manager-${run}`, ['store-manager'], [STORE]) });
  const { body } = await api.get<{ items: { id: string; mode: string; available: boolean; minimumOrder: { amount: number } }[] }>(`/stores/${STORE}/slots`);
  const slot = body.items.filter((s) => s.mode === 'delivery' && s.available).sort((a, b) => a.minimumOrder.amount - b.minimumOrder.amount)[0]!;
  slotId = slot.id;
  minimumOrder = slot.minimumOrder.amount;
  await sandbox('DELETE', '/_sandbox/faults');
  await sandbox('POST', '/_sandbox/settings', { autoAdvance: true, stepDelayMs: 300, outcome: 'delivered' });
});

afterAll(async () => {
  await sandbox('DELETE', '/_sandbox/faults');
  await sandbox('POST', '/_sandbox/settings', { autoAdvance: true, stepDelayMs: 1_000, outcome: 'delivered' });
});

describe('a split shipment, one part by own van and one by courier', () => {
  it('delivers both: each shipment and then the order delivered, stock out of committed, fulfillment.updated for every change', async () => {
    const [frozenSku, ambientSku] = [fixed[0]!, fixed[1]!];
    const counts = { frozen: countFor(frozenSku.price, 0.5), ambient: countFor(ambientSku.price, 0.5) };
    const order = await completedOrder([
      { sku: frozenSku.sku, count: counts.frozen },
      { sku: ambientSku.sku, count: counts.ambient },
    ]);
    const frozenLine = order.lines.find((l) => l.sku === frozenSku.sku)!;
    const ambientLine = order.lines.find((l) => l.sku === ambientSku.sku)!;
    const before = { frozen: await stockOf(frozenSku.sku), ambient: await stockOf(ambientSku.sku) };

    const packed = await pack(order, [
      { zone: 'frozen', bags: 1, lineIds: [frozenLine.lineId] },
      { zone: 'ambient', bags: 2, lineIds: [ambientLine.lineId] },
    ]);
    const bagsOf = (zone: string) => packed.packing!.bags.filter((b) => b.zone === zone).map((b) => b.label);

    const van = await dispatch(packed, { carrier: 'own-van', lines: [{ lineId: frozenLine.lineId }], bags: bagsOf('frozen') });
    expect(van.status, JSON.stringify(van.body)).toBe(201);
    expect(van.body.order.fulfillmentStatus).toBe('partially-dispatched');
    const courier = await dispatch(van.body.order, { carrier: COURIER, lines: [{ lineId: ambientLine.lineId }], bags: bagsOf('ambient') });
    expect(courier.status, JSON.stringify(courier.body)).toBe(201);
    const booked = courier.body.shipment;
    expect(booked).toMatchObject({ carrier: COURIER, status: 'dispatched', trackingNumber: expect.stringMatching(/^CX\d{10}GB$/), trackingUrl: expect.stringMatching(/^https:\/\//) });
    expect(booked.booking?.reference).toMatch(/^shp_/);
    expect(courier.body.order.fulfillmentStatus).toBe('dispatched');

    // The courier was asked for exactly this shipment: its reference, its ambient bags as parcels, a timed delivery.
    const state = await sandbox<CourierSandboxState>('GET', '/_sandbox/state');
    const atCourier = state.shipments.find((s) => s.shipmentId === booked.booking!.reference)!;
    expect(atCourier.request).toMatchObject({ reference: `${order.id}/${booked.id}`, service: 'timed', collection: { locationReference: STORE } });
    expect(atCourier.request.parcels.map((p) => [p.reference, p.temperature])).toEqual(bagsOf('ambient').map((label) => [label, 'ambient']));

    // Stock left `committed` with each dispatch; nothing went back on sale.
    expect(await stockOf(frozenSku.sku)).toEqual({ ...before.frozen, committed: before.frozen.committed - counts.frozen });
    expect(await stockOf(ambientSku.sku)).toEqual({ ...before.ambient, committed: before.ambient.committed - counts.ambient });

    const vanId = van.body.shipment.id;
    expect((await manager.post(`/orders/${order.id}/shipments/${vanId}/events`, { type: 'out-for-delivery' })).status).toBe(200);
    const vanDelivered = await manager.post<{ order: OrderView }>(`/orders/${order.id}/shipments/${vanId}/events`, { type: 'delivered' });
    expect(vanDelivered.status, JSON.stringify(vanDelivered.body)).toBe(200);
    expect(['partially-delivered', 'delivered']).toContain(vanDelivered.body.order.fulfillmentStatus);

    // The sandbox moves its shipment on by itself: collected, in transit, out for delivery, delivered, each a signed webhook.
    const done = await shipmentWhen(order.id, booked.id, 'delivered');
    expect(done).toMatchObject({ status: 'completed', fulfillmentStatus: 'delivered', payment: { captured: order.totals.total, refunded: 0 } });
    const shipment = done.shipments!.find((s) => s.id === booked.id)!;
    expect(shipment.timeline.map((c) => c.status)).toEqual(['dispatched', 'in-transit', 'out-for-delivery', 'delivered']);
    expect(shipment.timeline.slice(1).every((c) => c.actor === `courier:${COURIER}`)).toBe(true);
    expect(done.tracking).toMatchObject({ status: 'delivered', eta: null });

    // One event per version. The van's round and the courier's webhooks interleave as they happen; the courier's
    // in_transit after collected moves nothing (both are in transit), so three of its four moves are changes.
    const events = await fulfilmentEvents(order.id, order.version, done.version);
    expect(events).toHaveLength(done.version - order.version);
    expect(events.slice(0, 3).map((e) => [e.event, e.status])).toEqual([
      ['pack', 'packed'],
      ['dispatch', 'partially-dispatched'],
      ['dispatch', 'dispatched'],
    ]);
    const ofShipment = (id: string) => events.filter((e) => (e.shipment as { id?: string } | undefined)?.id === id).map((e) => [e.event, (e.shipment as { status: string }).status]);
    expect(ofShipment(vanId)).toEqual([
      ['dispatch', 'dispatched'],
      ['out-for-delivery', 'out-for-delivery'],
      ['deliver', 'delivered'],
    ]);
    expect(ofShipment(booked.id)).toEqual([
      ['dispatch', 'dispatched'],
      ['courier-update', 'in-transit'],
      ['courier-update', 'out-for-delivery'],
      ['courier-update', 'delivered'],
    ]);
    expect(events.at(-1)).toMatchObject({ orderId: order.id, storeId: STORE, mode: 'delivery', status: 'delivered' });
    expect(events.find((e) => e.event === 'courier-update' && (e.shipment as { status: string }).status === 'delivered')).toMatchObject({
      shipment: { id: booked.id, carrier: COURIER, trackingNumber: booked.trackingNumber, trackingUrl: booked.trackingUrl },
    });
    // Nothing came back to the shelf or left it after dispatch.
    expect(await stockOf(frozenSku.sku)).toEqual({ ...before.frozen, committed: before.frozen.committed - counts.frozen });
    expect(await stockOf(ambientSku.sku)).toEqual({ ...before.ambient, committed: before.ambient.committed - counts.ambient });
  });
});

describe('a delivery to a saved address', () => {
  it('gives the order, its staff and the courier the recipient, phone and instructions, and no event any of them', async () => {
    // Values the whole run's log check looks for (test/support/personal-data.ts).
    const recipient = { name: PERSONAL_VALUES.names[3], phone: '+447700900777', instructions: PERSONAL_VALUES.addressLines[8] };
    const saved = await shopper.post<{ id: string }>('/me/addresses', {
      label: 'Home',
      recipientName: recipient.name,
      line1: '1 Tooley Street',
      city: 'London',
      postcode: 'se12tf',
      country: 'GB',
      phone: recipient.phone,
      instructions: recipient.instructions,
    });
    expect(saved.status, JSON.stringify(saved.body)).toBe(201);
    const sku = fixed[2]!;
    const order = await completedOrder([{ sku: sku.sku, count: countFor(sku.price) }], undefined, saved.body.id);
    // The picker's and the driver's view (staff) and the shopper's own.
    expect(order.fulfillment).toMatchObject({ mode: 'delivery', address: { postcode: 'SE1 2TF' }, recipient });
    expect((await shopper.get<OrderView>(`/orders/${order.id}`)).body.fulfillment).toEqual(order.fulfillment);

    const packed = await pack(order, [{ zone: 'ambient', bags: 1, lineIds: [order.lines[0]!.lineId] }]);
    const courier = await dispatch(packed, { carrier: COURIER });
    expect(courier.status, JSON.stringify(courier.body)).toBe(201);
    const state = await sandbox<CourierSandboxState>('GET', '/_sandbox/state');
    const request = state.shipments.find((s) => s.shipmentId === courier.body.shipment.booking!.reference)!.request;
    expect(request.delivery).toMatchObject({ recipient: { name: recipient.name, phone: recipient.phone }, instructions: recipient.instructions });
    const { delivery: _delivery, ...rest } = request;
    for (const personal of Object.values(recipient)) expect(JSON.stringify(rest)).not.toContain(personal);

    // The order's and its fulfilment's events name the slot and the shipment, never who receives it.
    const done = await shipmentWhen(order.id, courier.body.shipment.id, 'delivered');
    const events: unknown[] = await fulfilmentEvents(order.id, 0, done.version);
    for (let version = 1; version <= done.version; version += 1) events.push(await itemAt(keys.outboxEvent(`order-${order.id}-v${version}`)));
    expect(events.filter(Boolean).length).toBeGreaterThan(done.version - order.version);
    for (const personal of Object.values(recipient)) expect(JSON.stringify(events)).not.toContain(personal);
  });
});

describe('the courier sandbox’s faults', () => {
  it('applies its tracking webhooks once, sent five times each and shuffled', async () => {
    const sku = fixed[2]!;
    const order = await completedOrder([{ sku: sku.sku, count: countFor(sku.price) }]);
    const packed = await pack(order, [{ zone: 'ambient', bags: 1, lineIds: [order.lines[0]!.lineId] }]);
    await sandbox('POST', '/_sandbox/settings', { autoAdvance: false });
    await sandbox('POST', '/_sandbox/faults', { webhookDuplicates: 5, webhookShuffle: true });
    const deliveredBefore = (await sandbox<CourierSandboxState>('GET', '/_sandbox/state')).counts.webhooksDelivered;
    try {
      const dispatched = await dispatch(packed, { carrier: COURIER });
      expect(dispatched.status, JSON.stringify(dispatched.body)).toBe(201);
      const { shipment } = dispatched.body;
      // Every step at once, so that the sandbox shuffles them together with their copies.
      await sandbox('POST', `/_sandbox/shipments/${shipment.booking!.reference}/advance`, { to: 'delivered' });
      const done = await shipmentWhen(order.id, shipment.id, 'delivered');
      const state = await sandbox<CourierSandboxState>('GET', '/_sandbox/state');
      const sent = state.shipments.find((s) => s.shipmentId === shipment.booking!.reference)!.events;
      expect(sent.map((e) => e.status)).toEqual(['booked', 'collected', 'in_transit', 'out_for_delivery', 'delivered']);
      // Every copy of the five events was delivered (and answered 2xx); once they are processed the order must not move again.
      await eventually('every copy delivered', async () => {
        const { counts } = await sandbox<CourierSandboxState>('GET', '/_sandbox/state');
        return counts.webhooksDelivered - deliveredBefore >= 5 * sent.length ? counts : undefined;
      });
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      const settled = await orderOf(order.id);
      expect(settled.version).toBe(done.version);
      const timeline = settled.shipments!.find((s) => s.id === shipment.id)!.timeline;
      expect(timeline.filter((c) => c.status === 'delivered')).toHaveLength(1);
      // Statuses only went forward, whatever the order of arrival.
      const rank = ['dispatched', 'in-transit', 'out-for-delivery', 'delivered'];
      const ranks = timeline.map((c) => rank.indexOf(c.status));
      expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
      expect(new Set(ranks).size).toBe(ranks.length);
      // One fulfillment.updated per change the webhooks made, and a processed mark for each of those events.
      const courierEvents = (await fulfilmentEvents(order.id, packed.version, settled.version)).filter((e) => e.event === 'courier-update');
      expect(courierEvents).toHaveLength(timeline.length - 1);
      const marked = await Promise.all(sent.map(async (e) => (await itemAt(keys.processedEvent(COURIER_WEBHOOK_CONSUMER, e.eventId))) !== undefined));
      expect(marked.filter(Boolean)).toHaveLength(timeline.length - 1);
      expect(marked[4]).toBe(true);
    } finally {
      await sandbox('DELETE', '/_sandbox/faults');
      await sandbox('POST', '/_sandbox/settings', { autoAdvance: true });
    }
  });

  it('dispatches nothing when the courier refuses the booking or cannot be reached, and says why', async () => {
    const sku = fixed[3]!;
    // In London Bridge's delivery area (a cart takes it) but not the courier sandbox's.
    const faraway = await completedOrder([{ sku: sku.sku, count: countFor(sku.price) }], 'SE16 7PB');
    const packed = await pack(faraway, [{ zone: 'ambient', bags: 1, lineIds: [faraway.lines[0]!.lineId] }]);
    const before = await stockOf(sku.sku);
    const refused = await problem(dispatch(packed, { carrier: COURIER }), 422, 'courier-refused');
    expect(refused.detail).toMatch(/does not deliver to postcode SE16 7PB/);
    expect(refused).toMatchObject({ carrier: COURIER, courierCode: 'not_serviceable' });
    expect(await orderOf(faraway.id)).toMatchObject({ version: packed.version, fulfillmentStatus: 'packed' });
    expect(await stockOf(sku.sku)).toEqual(before);

    const near = await completedOrder([{ sku: sku.sku, count: countFor(sku.price) }]);
    const ready = await pack(near, [{ zone: 'ambient', bags: 1, lineIds: [near.lines[0]!.lineId] }]);
    const shipmentsBefore = (await sandbox<CourierSandboxState>('GET', '/_sandbox/state')).counts.shipments;
    await sandbox('POST', '/_sandbox/faults', { errorRate: 1, errorStatus: 503, retryAfterSeconds: 1 });
    try {
      const response = await dispatch(ready, { carrier: COURIER }, `dispatch-unavailable-${near.id}`);
      const unavailable = await problem(Promise.resolve(response), 503, 'courier-unavailable');
      expect(response.headers.get('retry-after')).toBe('1');
      expect(unavailable).toMatchObject({ carrier: COURIER });
      expect(await orderOf(near.id)).toMatchObject({ version: ready.version, fulfillmentStatus: 'packed' });
    } finally {
      await sandbox('DELETE', '/_sandbox/faults');
    }
    // The same request once the courier is back: dispatched, booked once.
    const retried = await dispatch(ready, { carrier: COURIER }, `dispatch-unavailable-${near.id}`);
    expect(retried.status, JSON.stringify(retried.body)).toBe(201);
    const after = await sandbox<CourierSandboxState>('GET', '/_sandbox/state');
    expect(after.counts.shipments).toBe(shipmentsBefore + 1);
    expect(after.shipments.filter((s) => s.reference.startsWith(`${near.id}/`))).toHaveLength(1);
  });
});

describe('POST /webhooks/orders', () => {
  it('refuses forged and stale webhooks, and they change nothing', async () => {
    const sku = fixed[4]!;
    const order = await completedOrder([{ sku: sku.sku, count: countFor(sku.price) }]);
    const packed = await pack(order, [{ zone: 'ambient', bags: 1, lineIds: [order.lines[0]!.lineId] }]);
    await sandbox('POST', '/_sandbox/settings', { autoAdvance: false });
    let shipment: Shipment;
    try {
      const dispatched = await dispatch(packed, { carrier: COURIER });
      expect(dispatched.status).toBe(201);
      shipment = dispatched.body.shipment;
    } finally {
      await sandbox('POST', '/_sandbox/settings', { autoAdvance: true });
    }
    const id = `evt_e2e_forged_${run}`;
    const body = JSON.stringify({
      id,
      type: 'tracking.updated',
      created: Math.floor(Date.now() / 1000),
      data: { object: { eventId: id, shipmentId: shipment.booking!.reference, reference: `${order.id}/${shipment.id}`, trackingNumber: shipment.trackingNumber, status: 'delivered', sequence: 9, occurredAt: new Date().toISOString(), description: 'Delivered' } },
    });
    const send = (signature: string) => api.request('POST', '/webhooks/orders', { body, contentType: 'application/json', headers: { 'courier-signature': signature }, token: null });
    await problem(send(signCourierWebhook(body, ['not_the_courier'])), 401, 'bad-webhook-signature');
    await problem(send(signCourierWebhook(body, [LOCAL_COURIER_WEBHOOK_SECRET], Date.now() - 600_000)), 400, 'stale-webhook');
    await problem(send(signCourierWebhook(body, [LOCAL_COURIER_WEBHOOK_SECRET], Date.now() + 600_000)), 400, 'stale-webhook');
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const after = await orderOf(order.id);
    expect(after.shipments!.find((s) => s.id === shipment.id)!.status).toBe('dispatched');
    expect(after.version).toBe(packed.version + 1);
    expect(await itemAt(keys.processedEvent(COURIER_WEBHOOK_CONSUMER, id))).toBeUndefined();
    // Signed with the platform's key, the same body is taken: the sandbox is not the only one that may report.
    expect((await send(signCourierWebhook(body, [LOCAL_COURIER_WEBHOOK_SECRET]))).status).toBe(200);
    await shipmentWhen(order.id, shipment.id, 'delivered');
  });
});
