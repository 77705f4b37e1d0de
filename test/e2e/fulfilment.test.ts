import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { localDynamoClient } from '../../infra/local/engines/dynamodb.js';
import type { Cart } from '../../shared/carts/model.js';
import { sampleCatalog } from '../../shared/catalog/seed.js';
import { keys } from '../../shared/db/keys.js';
import { sampleQuantity } from '../../shared/inventory/seed.js';
import type { OrderView } from '../../shared/orders/views.js';
import { ApiClient } from '../support/api-client.js';
import { eventually, fieldsOf, problem } from '../support/e2e.js';
import { localRuntime, SandboxLedger } from '../support/payments-sandbox.js';
import { sampleSkus } from '../support/sample-skus.js';

/**
 * After picking, end to end on the local platform: an own-van delivery, a failed delivery returned to the store, and a
 * click-and-collect of age-restricted goods with a wrong code and then the right one. Each scenario checks the stock,
 * the order's and the shipment's status, the money the payments sandbox holds, the events in the outbox
 * (`checkout.start` and `checkout.complete` of the checkout, `fulfillment.updated` for every fulfilment change) and,
 * for the delivered order, its invoice in the billing sandbox.
 */

const STORE = 'london-bridge';
const run = Date.now().toString(36);
const api = new ApiClient(inject('baseUrl'));
const runtime = (await localRuntime(inject('dataDir'))) as Awaited<ReturnType<typeof localRuntime>> & { billingSandboxUrl: string };
const ledger = new SandboxLedger(runtime.paymentsSandboxUrl);
const db = DynamoDBDocumentClient.from(localDynamoClient(runtime.endpoints.dynamodb));
afterAll(() => db.destroy());

let shopper: ApiClient;
let picker: ApiClient;
let manager: ApiClient;
const fixed = sampleSkus(STORE, 'each').filter((s) => s.stock >= 60 && s.price >= 300);
/** An age-restricted pack of beer or cider the store has in stock. */
const restricted = sampleCatalog()
  .products.filter((p) => p.ageRestricted && !p.bundle)
  .flatMap((p) => p.variants.map((v) => ({ sku: v.sku, soldBy: v.soldBy, stock: sampleQuantity(v.sku, STORE, v.soldBy) })))
  .find((v) => v.stock >= 5 && v.soldBy === 'pack')!;

type Shipment = NonNullable<OrderView['shipments']>[number];
interface Stock {
  available: number;
  reserved: number;
  committed: number;
}
interface Slot {
  id: string;
  mode: string;
  available: boolean;
  startsAt: string;
  endsAt: string;
  cutoffAt: string;
  minimumOrder: { amount: number };
}

const itemAt = async (key: { pk: string; sk: string }) => (await db.send(new GetCommand({ TableName: runtime.tableName, Key: key, ConsistentRead: true }))).Item;

/** An event's data as its outbox item holds it (what the relay puts on the bus), or undefined when none was written. */
async function outboxData(eventId: string): Promise<{ detailType: string; data: Record<string, unknown> } | undefined> {
  const item = await itemAt(keys.outboxEvent(eventId));
  return item ? { detailType: item.detailType as string, data: (JSON.parse(item.detail as string) as { data: Record<string, unknown> }).data } : undefined;
}

/** The fulfillment.updated events of the order's versions in (from, to], oldest first. */
async function fulfilmentEvents(orderId: string, from: number, to: number): Promise<Record<string, unknown>[]> {
  const found: Record<string, unknown>[] = [];
  for (let version = from + 1; version <= to; version += 1) {
    const event = await outboxData(`fulfillment-${orderId}-v${version}`);
    if (event) found.push({ detailType: event.detailType, ...event.data });
  }
  return found;
}

async function stockOf(sku: string): Promise<Stock> {
  const { body } = await manager.get<{ stores: (Stock & { storeId: string })[] }>(`/inventory/${sku}`);
  const { available, reserved, committed } = body.stores.find((s) => s.storeId === STORE)!;
  return { available, reserved, committed };
}

const staffView = async (id: string) => (await manager.get<OrderView>(`/orders/${id}`)).body;
const shopperView = async (id: string) => (await shopper.get<OrderView>(`/orders/${id}`)).body;

async function slotFor(mode: 'delivery' | 'pickup'): Promise<Slot> {
  const { body } = await api.get<{ items: Slot[] }>(`/stores/${STORE}/slots?mode=${mode}`);
  return body.items.filter((s) => s.available && Date.parse(s.cutoffAt) > Date.now() + 10 * 60_000).sort((a, b) => a.minimumOrder.amount - b.minimumOrder.amount)[0]!;
}

/** A completed order (fixed-price goods, captured at once) of `lines`, by delivery or pickup in `slot`. */
async function completedOrder(slot: Slot, lines: { sku: string; count: number }[], extra: { dateOfBirth?: string } = {}): Promise<OrderView> {
  const { body: cart } = await shopper.post<Cart>('/carts', { storeId: STORE });
  for (const { sku, count } of lines) {
    const added = await shopper.post(`/carts/${cart.id}/lines`, { sku, quantity: { count } });
    expect(added.status, JSON.stringify(added.body)).toBe(200);
  }
  const fulfillment = slot.mode === 'delivery' ? { mode: 'delivery', slotId: slot.id, address: { line1: '1 Tooley Street', city: 'London', postcode: 'SE1 2TF', country: 'GB' } } : { mode: 'pickup', slotId: slot.id };
  expect((await shopper.request('PUT', `/carts/${cart.id}/fulfillment`, { body: fulfillment })).status).toBe(200);
  const started = await shopper.post<OrderView>('/checkout', { cartId: cart.id, paymentMethod: 'pm_card_visa', ...extra }, { headers: { 'idempotency-key': `fulfilment-${cart.id}` } });
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  return eventually(`order ${started.body.id} completed`, async () => {
    const order = await staffView(started.body.id);
    if (order.status === 'failed' || order.status === 'cancelled') throw new Error(`order ${order.id} ended ${order.status}: ${order.failureReason}`);
    return order.status === 'completed' ? order : undefined;
  });
}

/** Enough of a SKU (its share of it) for the slot's minimum order, within the per-SKU hold cap. */
const countFor = (slot: Slot, price: number, share = 1) => Math.min(20, Math.ceil((slot.minimumOrder.amount * share * 1.1) / price));

/** The checkout's own events: it started, and it ended completed with the capture. */
async function expectCheckoutEvents(order: OrderView): Promise<void> {
  const start = await outboxData(`checkout-start-${order.id}`);
  expect(start).toMatchObject({ detailType: 'checkout.start', data: { orderId: order.id, cartId: order.cartId, shopperId: order.shopperId, storeId: STORE, total: order.totals.total } });
  const complete = await outboxData(`checkout-complete-${order.id}`);
  expect(complete).toMatchObject({ detailType: 'checkout.complete', data: { orderId: order.id, outcome: 'completed', captured: order.totals.total, refunded: 0 } });
}

/** What the payments sandbox says was taken: the whole total, once. */
async function expectCaptured(order: OrderView): Promise<void> {
  expect(order.payment).toMatchObject({ captured: order.totals.total, refunded: 0, status: 'captured' });
  expect(await ledger.intent(order.payment.intentId!)).toMatchObject({ status: 'succeeded', amount_received: order.totals.total });
}

beforeAll(async () => {
  shopper = api.as({ token: await api.mintToken(`e2e-fulfilment-${run}`, ['shopper']) });
  picker = api.as({ token: await api.mintToken(`e2e-fulfilment-picker-${run}`, ['picker'], [STORE]) });
  manager = api.as({ token: await api.mintToken(`e2e-fulfilment-manager-${run}`, ['store-manager'], [STORE]) });
});

describe('own-van delivery', () => {
  it('packs, dispatches, takes out and delivers: stock leaves committed, every step tracked, the invoice in billing', async () => {
    const slot = await slotFor('delivery');
    const [chilled, ambient] = [fixed[0]!, fixed[1]!];
    const counts = { chilled: countFor(slot, chilled.price, 0.5), ambient: countFor(slot, ambient.price, 0.5) };
    const before = { chilled: await stockOf(chilled.sku), ambient: await stockOf(ambient.sku) };
    const order = await completedOrder(slot, [
      { sku: chilled.sku, count: counts.chilled },
      { sku: ambient.sku, count: counts.ambient },
    ]);
    await expectCheckoutEvents(order);
    await expectCaptured(order);
    expect(await stockOf(chilled.sku)).toEqual({ ...before.chilled, available: before.chilled.available - counts.chilled, committed: before.chilled.committed + counts.chilled });
    const line = (sku: string) => order.lines.find((l) => l.sku === sku)!.lineId;

    const packed = await picker.post<OrderView>(`/orders/${order.id}/pack`, {
      zones: [
        { zone: 'chilled', bags: 1, lineIds: [line(chilled.sku)] },
        { zone: 'ambient', bags: 2, lineIds: [line(ambient.sku)] },
      ],
    });
    expect(packed.status, JSON.stringify(packed.body)).toBe(200);
    expect(packed.body.packing!.bags.map((b) => b.label)).toEqual([`${order.id}-C1/1`, `${order.id}-A1/2`, `${order.id}-A2/2`]);

    const sent = await picker.post<{ order: OrderView; shipment: Shipment }>(`/orders/${order.id}/shipments`, { carrier: 'own-van' }, { headers: { 'idempotency-key': `van-${order.id}` } });
    expect(sent.status, JSON.stringify(sent.body)).toBe(201);
    const shipment = sent.body.shipment;
    expect(shipment).toMatchObject({ carrier: 'own-van', trackingNumber: shipment.id, status: 'dispatched' });
    // The goods left the store: off committed, nothing back on the shelf.
    expect(await stockOf(chilled.sku)).toEqual({ ...before.chilled, available: before.chilled.available - counts.chilled });
    expect(await stockOf(ambient.sku)).toEqual({ ...before.ambient, available: before.ambient.available - counts.ambient });

    const out = await picker.post<{ order: OrderView; shipment: Shipment }>(`/orders/${order.id}/shipments/${shipment.id}/events`, { type: 'out-for-delivery' });
    expect(out.status, JSON.stringify(out.body)).toBe(200);
    const tracking = (await shopperView(order.id)).tracking!;
    expect(tracking.status).toBe('dispatched');
    expect(Date.parse(tracking.eta!.from)).toBeGreaterThanOrEqual(Date.parse(slot.startsAt));
    expect(Date.parse(tracking.eta!.to)).toBeLessThanOrEqual(Date.parse(slot.endsAt));

    const delivered = await picker.post<{ order: OrderView; shipment: Shipment }>(`/orders/${order.id}/shipments/${shipment.id}/events`, { type: 'delivered' });
    expect(delivered.status, JSON.stringify(delivered.body)).toBe(200);
    const seen = await shopperView(order.id);
    expect(seen).toMatchObject({ status: 'completed', fulfillmentStatus: 'delivered', tracking: { status: 'delivered', eta: null } });
    expect(seen.shipments!.map((s) => [s.status, s.timeline.map((c) => c.status)])).toEqual([['delivered', ['dispatched', 'out-for-delivery', 'delivered']]]);
    expect(seen.tracking!.timeline.map((t) => t.status)).toEqual(expect.arrayContaining(['reserved', 'completed', 'packed', 'dispatched', 'out-for-delivery', 'delivered']));
    expect(seen.shipments![0]!.timeline.every((c) => c.actor === 'smartshelf')).toBe(true);

    const events = await fulfilmentEvents(order.id, order.version, seen.version);
    expect(events.map((e) => [e.detailType, e.event, e.status, (e.shipment as { status?: string } | undefined)?.status])).toEqual([
      ['fulfillment.updated', 'pack', 'packed', undefined],
      ['fulfillment.updated', 'dispatch', 'dispatched', 'dispatched'],
      ['fulfillment.updated', 'out-for-delivery', 'dispatched', 'out-for-delivery'],
      ['fulfillment.updated', 'deliver', 'delivered', 'delivered'],
    ]);
    expect(events[1]).toMatchObject({ orderId: order.id, mode: 'delivery', shipment: { id: shipment.id, carrier: 'own-van', trackingNumber: shipment.id, attempt: 1 } });
    await expectCaptured(seen);

    const invoice = await eventually(`order ${order.id}'s invoice in billing`, async () => {
      const response = await fetch(`${runtime.billingSandboxUrl}/_sandbox/state`);
      const state = (await response.json()) as { invoices: { externalId: string; total: number; status: string }[] };
      return state.invoices.find((i) => i.externalId === order.id);
    });
    expect(invoice.total).toBe(order.totals.total);
  });
});

describe('a failed delivery returned to the store', () => {
  it('comes back: the ambient goods back on sale, the chilled ones written off, the money still captured', async () => {
    const slot = await slotFor('delivery');
    const [chilled, ambient] = [fixed[2]!, fixed[3]!];
    const counts = { chilled: countFor(slot, chilled.price, 0.5), ambient: countFor(slot, ambient.price, 0.5) };
    const before = { chilled: await stockOf(chilled.sku), ambient: await stockOf(ambient.sku) };
    const order = await completedOrder(slot, [
      { sku: chilled.sku, count: counts.chilled },
      { sku: ambient.sku, count: counts.ambient },
    ]);
    await expectCheckoutEvents(order);
    const line = (sku: string) => order.lines.find((l) => l.sku === sku)!.lineId;
    await picker.post(`/orders/${order.id}/pack`, {
      zones: [
        { zone: 'chilled', bags: 1, lineIds: [line(chilled.sku)] },
        { zone: 'ambient', bags: 1, lineIds: [line(ambient.sku)] },
      ],
    });
    const { body: sent } = await picker.post<{ shipment: Shipment }>(`/orders/${order.id}/shipments`, { carrier: 'own-van' }, { headers: { 'idempotency-key': `van-${order.id}` } });
    const events = `/orders/${order.id}/shipments/${sent.shipment.id}/events`;
    expect((await picker.post(events, { type: 'out-for-delivery' })).status).toBe(200);
    const failed = await picker.post<{ shipment: Shipment }>(events, { type: 'failed-attempt', reason: 'not-at-home', next: { action: 'return-to-store' } });
    expect(failed.status, JSON.stringify(failed.body)).toBe(200);
    expect(failed.body.shipment).toMatchObject({ status: 'returning', failure: { reason: 'not-at-home' } });
    expect((await shopperView(order.id)).tracking!.eta).toBeNull();

    const restockAll = { type: 'returned-to-store', lines: [line(chilled.sku), line(ambient.sku)].map((lineId) => ({ lineId, disposition: 'restock' })) };
    const perishable = await problem(picker.post(events, restockAll), 422, 'perishable-not-restockable');
    expect(fieldsOf(perishable)).toEqual(['body.lines.0.disposition']);
    const received = await picker.post<{ order: OrderView; shipment: Shipment }>(events, {
      type: 'returned-to-store',
      lines: [
        { lineId: line(chilled.sku), disposition: 'write-off', reason: 'perishable' },
        { lineId: line(ambient.sku), disposition: 'restock' },
      ],
    });
    expect(received.status, JSON.stringify(received.body)).toBe(200);
    expect(received.body.order).toMatchObject({ fulfillmentStatus: 'returned-to-store', status: 'completed' });
    expect(received.body.shipment.timeline.map((c) => c.status)).toEqual(['dispatched', 'out-for-delivery', 'failed-attempt', 'returning', 'returned-to-store']);

    expect(await stockOf(ambient.sku)).toEqual(before.ambient);
    expect(await stockOf(chilled.sku)).toEqual({ ...before.chilled, available: before.chilled.available - counts.chilled });
    const after = await staffView(order.id);
    const statuses = (await fulfilmentEvents(order.id, order.version, after.version)).map((e) => [e.event, e.status, (e.shipment as { status: string } | undefined)?.status]);
    expect(statuses).toEqual([
      ['pack', 'packed', undefined],
      ['dispatch', 'dispatched', 'dispatched'],
      ['out-for-delivery', 'dispatched', 'out-for-delivery'],
      ['fail-attempt', 'dispatched', 'returning'],
      ['receive-return', 'returned-to-store', 'returned-to-store'],
    ]);
    // Nothing refunds by itself: the shop decides (POST /orders/{id}/refunds).
    await expectCaptured(after);
  });
});

describe('click-and-collect with an age check', () => {
  it('hands the order over on the right code with the ID check; a wrong code and a missing check change nothing', async () => {
    const slot = await slotFor('pickup');
    const filler = fixed[4]!;
    const before = { beer: await stockOf(restricted.sku), filler: await stockOf(filler.sku) };
    const order = await completedOrder(
      slot,
      [
        { sku: restricted.sku, count: 1 },
        { sku: filler.sku, count: countFor(slot, filler.price) },
      ],
      { dateOfBirth: '1990-01-01' },
    );
    expect(order.idCheckRequired).toBe(true);
    await expectCheckoutEvents(order);
    await expectCaptured(order);
    expect(await stockOf(restricted.sku)).toMatchObject({ committed: before.beer.committed + 1 });

    expect((await picker.post(`/orders/${order.id}/pack`, { zones: [{ zone: 'ambient', bags: 2, lineIds: order.lines.map((l) => l.lineId) }] })).status).toBe(200);
    const ready = await picker.post<OrderView>(`/orders/${order.id}/collection`, {});
    expect(ready.status, JSON.stringify(ready.body)).toBe(200);
    expect(ready.body).toMatchObject({ fulfillmentStatus: 'ready-for-collection', collection: { status: 'ready', failedAttempts: 0 } });
    expect(ready.body.collection).not.toHaveProperty('handoverCode');
    expect(ready.body.collection).not.toHaveProperty('codeSalt');
    const code = (await shopperView(order.id)).collection!.handoverCode!;
    expect(code).toMatch(/^\d{6}$/);
    expect((await staffView(order.id)).collection).not.toHaveProperty('handoverCode');
    expect(JSON.stringify(await itemAt(keys.order(order.id)))).not.toContain(`"${code}"`);

    const handover = `/orders/${order.id}/collection/handover`;
    const wrong = await problem(picker.post(handover, { code: code === '000000' ? '999999' : '000000', idCheck: { document: 'driving-licence' } }), 422, 'handover-code-mismatch');
    expect(wrong).toMatchObject({ attemptsLeft: 4 });
    await problem(picker.post(handover, { code }), 422, 'id-check-required');
    expect(fieldsOf(await problem(picker.post(handover, { code: 'ABC' }), 400, 'validation-failed'))).toEqual(['body.code']);
    const waiting = await staffView(order.id);
    expect(waiting).toMatchObject({ fulfillmentStatus: 'ready-for-collection', collection: { status: 'ready', failedAttempts: 1 } });
    expect(await stockOf(restricted.sku)).toMatchObject({ committed: before.beer.committed + 1 });

    const collected = await picker.post<OrderView>(handover, { code, idCheck: { document: 'driving-licence' } });
    expect(collected.status, JSON.stringify(collected.body)).toBe(200);
    expect(collected.body).toMatchObject({ fulfillmentStatus: 'collected', collection: { status: 'collected', idCheck: { document: 'driving-licence' } } });
    expect(await stockOf(restricted.sku)).toEqual({ ...before.beer, available: before.beer.available - 1 });
    await problem(picker.post(handover, { code, idCheck: { document: 'driving-licence' } }), 409, 'invalid-fulfillment-transition');

    const after = await shopperView(order.id);
    expect(after).toMatchObject({ status: 'completed', tracking: { status: 'collected', eta: null } });
    expect(after.collection).not.toHaveProperty('handoverCode');
    const events = await fulfilmentEvents(order.id, order.version, after.version);
    expect(events.map((e) => [e.event, e.from, e.status, e.mode])).toEqual([
      ['pack', 'unfulfilled', 'packed', 'pickup'],
      ['ready-for-collection', 'packed', 'ready-for-collection', 'pickup'],
      ['collect', 'ready-for-collection', 'collected', 'pickup'],
    ]);
    await expectCaptured(after);
  });
});

describe('who may, and bad input', () => {
  it('answers another store’s picker 404 and a shopper 403, and bad bodies a 400 that changes nothing', async () => {
    const slot = await slotFor('delivery');
    const order = await completedOrder(slot, [{ sku: fixed[5]!.sku, count: countFor(slot, fixed[5]!.price) }]);
    const away = api.as({ token: await api.mintToken(`e2e-fulfilment-away-${run}`, ['picker'], ['manchester-piccadilly']) });
    const pack = { zones: [{ zone: 'ambient', bags: 1, lineIds: [order.lines[0]!.lineId] }] };
    await problem(away.post(`/orders/${order.id}/pack`, pack), 404, 'not-found');
    await problem(shopper.post(`/orders/${order.id}/pack`, pack), 403, 'insufficient-scope');
    expect(fieldsOf(await problem(picker.post(`/orders/${order.id}/pack`, { zones: [{ zone: 'lukewarm', bags: 0, lineIds: [] }] }), 400))).toEqual([
      'body.zones.0.bags',
      'body.zones.0.lineIds',
      'body.zones.0.zone',
    ]);
    await problem(picker.post(`/orders/${order.id}/shipments`, { carrier: 'own-van' }, { headers: { 'idempotency-key': `early-${order.id}` } }), 409, 'invalid-fulfillment-transition');
    expect(fieldsOf(await problem(picker.post(`/orders/${order.id}/shipments`, { carrier: 'own-van' }), 400))).toEqual(['header.idempotency-key']);
    expect(fieldsOf(await problem(picker.post(`/orders/${order.id}/collection/handover`, { code: '123456', extra: true }), 400))).toEqual(['body']);
    const unchanged = await staffView(order.id);
    expect([unchanged.version, unchanged.fulfillmentStatus, unchanged.packing]).toEqual([order.version, order.fulfillmentStatus, undefined]);
  });
});
