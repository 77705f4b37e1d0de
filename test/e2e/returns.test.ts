import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { localDynamoClient } from '../../infra/local/engines/dynamodb.js';
import type { Cart } from '../../shared/carts/model.js';
import { sampleCatalog } from '../../shared/catalog/seed.js';
import { keys } from '../../shared/db/keys.js';
import { sampleQuantity } from '../../shared/inventory/seed.js';
import type { OrderReturn } from '../../shared/orders/returns.js';
import type { OrderView } from '../../shared/orders/views.js';
import { ApiClient } from '../support/api-client.js';
import { eventually, fieldsOf, problem } from '../support/e2e.js';
import { localRuntime, SandboxLedger } from '../support/payments-sandbox.js';

/**
 * Returns end to end on the local platform, at a store no other e2e file orders at: an order delivered by own van, then
 * a return of fresh food (refunded at once) and of household goods (collected, received, inspected and restocked), and
 * another return written off. Each checks the stock, the order's status and money, the refunds the payments sandbox
 * made, the events in the outbox, and billing's invoice and credit notes with their tax, in the billing sandbox.
 */

const STORE = 'edinburgh-leith';
const run = Date.now().toString(36);
const api = new ApiClient(inject('baseUrl'));
const runtime = (await localRuntime(inject('dataDir'))) as Awaited<ReturnType<typeof localRuntime>> & { billingSandboxUrl: string };
const ledger = new SandboxLedger(runtime.paymentsSandboxUrl);
const db = DynamoDBDocumentClient.from(localDynamoClient(runtime.endpoints.dynamodb));
afterAll(() => db.destroy());

let shopper: ApiClient;
let picker: ApiClient;
let manager: ApiClient;

interface Stock {
  available: number;
  reserved: number;
  committed: number;
}
interface Slot {
  id: string;
  available: boolean;
  cutoffAt: string;
  minimumOrder: { amount: number };
}
interface BillingLine {
  sku: string;
  quantity: number;
  amount: number;
  tax: number;
}
interface BillingState {
  invoices: { externalId: string; invoiceReference: string; total: number; tax: number; lines: BillingLine[] }[];
  creditNotes: { externalId: string; invoiceReference: string; amount: number; tax: number; lines: BillingLine[] }[];
}

/** Sample SKUs sold each, unrestricted, single, in stock at the store: `fresh` chilled dairy, `household` standard-rated. */
function sampleOf(category: string, storage?: string) {
  return sampleCatalog()
    .products.filter((p) => p.category.startsWith(category) && !p.bundle && !p.ageRestricted && (storage === undefined || p.attributes.storage === storage))
    .flatMap((p) => p.variants.filter((v) => v.soldBy === 'each').map((v) => ({ sku: v.sku, price: v.price.amount, stock: sampleQuantity(v.sku, STORE, 'each') })))
    .filter((v) => v.stock >= 30 && v.price >= 100 && v.price <= 400);
}
const fresh = sampleOf('dairy-eggs/', 'chilled');
const household = sampleOf('household/');

const itemAt = async (key: { pk: string; sk: string }) => (await db.send(new GetCommand({ TableName: runtime.tableName, Key: key, ConsistentRead: true }))).Item;

async function outboxData(eventId: string): Promise<{ detailType: string; data: Record<string, unknown> } | undefined> {
  const item = await itemAt(keys.outboxEvent(eventId));
  return item ? { detailType: item.detailType as string, data: (JSON.parse(item.detail as string) as { data: Record<string, unknown> }).data } : undefined;
}

async function stockOf(sku: string): Promise<Stock> {
  const { body } = await manager.get<{ stores: (Stock & { storeId: string })[] }>(`/inventory/${sku}`);
  const { available, reserved, committed } = body.stores.find((s) => s.storeId === STORE)!;
  return { available, reserved, committed };
}

const staffView = async (id: string) => (await manager.get<OrderView>(`/orders/${id}`)).body;

async function billing(): Promise<BillingState> {
  return (await (await fetch(`${runtime.billingSandboxUrl}/_sandbox/state`)).json()) as BillingState;
}

/** `amount` × part / whole, rounded half up: a line's share, as the returns compute it. */
const share = (amount: number, part: number, whole: number) => Math.floor((2 * amount * part + whole) / (2 * whole));

/**
 * An order of `householdCount` household goods and enough chilled milk for the slot's minimum order, completed,
 * packed (the milk chilled, the rest ambient), dispatched by own van and delivered.
 */
async function deliveredOrder(householdSku: { sku: string; price: number }, householdCount: number, freshSku: { sku: string; price: number }): Promise<OrderView> {
  const { body: slots } = await api.get<{ items: Slot[] }>(`/stores/${STORE}/slots?mode=delivery`);
  const slot = slots.items.filter((s) => s.available && Date.parse(s.cutoffAt) > Date.now() + 10 * 60_000).sort((a, b) => a.minimumOrder.amount - b.minimumOrder.amount)[0]!;
  const freshCount = Math.min(20, Math.max(2, Math.ceil(((slot.minimumOrder.amount - householdSku.price * householdCount) * 1.1) / freshSku.price)));
  const { body: cart } = await shopper.post<Cart>('/carts', { storeId: STORE });
  for (const [sku, count] of [
    [freshSku.sku, freshCount],
    [householdSku.sku, householdCount],
  ] as const) {
    const added = await shopper.post(`/carts/${cart.id}/lines`, { sku, quantity: { count } });
    expect(added.status, JSON.stringify(added.body)).toBe(200);
  }
  const address = { line1: '8 Commercial Quay', city: 'Edinburgh', postcode: 'EH6 6LX', country: 'GB' };
  expect((await shopper.request('PUT', `/carts/${cart.id}/fulfillment`, { body: { mode: 'delivery', slotId: slot.id, address } })).status).toBe(200);
  const started = await shopper.post<OrderView>('/checkout', { cartId: cart.id, paymentMethod: 'pm_card_visa' }, { headers: { 'idempotency-key': `returns-${cart.id}` } });
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  const order = await eventually(`order ${started.body.id} completed`, async () => {
    const seen = await staffView(started.body.id);
    if (seen.status === 'failed' || seen.status === 'cancelled') throw new Error(`order ${seen.id} ended ${seen.status}: ${seen.failureReason}`);
    return seen.status === 'completed' ? seen : undefined;
  });
  const line = (sku: string) => order.lines.find((l) => l.sku === sku)!.lineId;
  const packed = await picker.post(`/orders/${order.id}/pack`, {
    zones: [
      { zone: 'chilled', bags: 1, lineIds: [line(freshSku.sku)] },
      { zone: 'ambient', bags: 1, lineIds: [line(householdSku.sku)] },
    ],
  });
  expect(packed.status, JSON.stringify(packed.body)).toBe(200);
  const sent = await picker.post<{ shipment: { id: string } }>(`/orders/${order.id}/shipments`, { carrier: 'own-van' }, { headers: { 'idempotency-key': `van-${order.id}` } });
  expect(sent.status, JSON.stringify(sent.body)).toBe(201);
  const events = `/orders/${order.id}/shipments/${sent.body.shipment.id}/events`;
  expect((await picker.post(events, { type: 'out-for-delivery' })).status).toBe(200);
  expect((await picker.post(events, { type: 'delivered' })).status).toBe(200);
  const delivered = await staffView(order.id);
  expect(delivered).toMatchObject({ status: 'completed', fulfillmentStatus: 'delivered', payment: { captured: order.totals.total, refunded: 0 } });
  return delivered;
}

/** The refund events of the order's versions in (from, to], oldest first. */
async function refundEvents(orderId: string, from: number, to: number): Promise<Record<string, unknown>[]> {
  const found: Record<string, unknown>[] = [];
  for (let version = from + 1; version <= to; version += 1) {
    const event = await outboxData(`order-${orderId}-v${version}`);
    if (event?.data.event === 'refund') found.push({ detailType: event.detailType, ...event.data });
  }
  return found;
}

/** The store's audit entries of a SKU's stock written at or after `since`. */
async function stockAudit(sku: string, since: string): Promise<Record<string, unknown>[]> {
  const { Items = [] } = await db.send(
    new QueryCommand({
      TableName: runtime.tableName,
      KeyConditionExpression: 'pk = :pk AND sk >= :since',
      ExpressionAttributeValues: { ':pk': `AUDIT#stock#${STORE}/${sku}`, ':since': `AT#${since}` },
      ConsistentRead: true,
    }),
  );
  return Items;
}

/** The order's invoice, and a credit note for each refund named, once billing-sync has sent them. */
async function billed(orderId: string, refundRefs: string[]): Promise<{ invoice: BillingState['invoices'][number]; notes: BillingState['creditNotes'] }> {
  return eventually(`the invoice and ${refundRefs.length} credit note(s) of order ${orderId} in billing`, async () => {
    const state = await billing();
    const invoice = state.invoices.find((i) => i.externalId === orderId);
    const notes = refundRefs.map((ref) => state.creditNotes.find((n) => n.externalId === `${orderId}#${ref}`));
    return invoice && notes.every((n) => n !== undefined) ? { invoice, notes: notes as BillingState['creditNotes'] } : undefined;
  });
}

beforeAll(async () => {
  expect(fresh.length).toBeGreaterThan(1);
  expect(household.length).toBeGreaterThan(1);
  shopper = api.as({ token: await api.mintToken(`e2e-returns-${run}`, ['shopper']) });
  picker = api.as({ token: await api.mintToken(`e2e-returns-picker-${run}`, ['picker'], [STORE]) });
  manager = api.as({ token: await api.mintToken(`e2e-returns-manager-${run}`, ['store-manager'], [STORE]) });
});

describe('a return with restock', () => {
  it('refunds the fresh food at once, collects, receives and restocks the rest, refunds it, and credits both with their tax', async () => {
    const [milk, liquid] = [fresh[0]!, household[0]!];
    const order = await deliveredOrder(liquid, 2, milk);
    const line = (sku: string) => order.lines.find((l) => l.sku === sku)!;
    const [milkLine, liquidLine] = [line(milk.sku), line(liquid.sku)];
    const milkCount = (milkLine.quantity as { count: number }).count;
    const before = { milk: await stockOf(milk.sku), liquid: await stockOf(liquid.sku) };
    const since = new Date().toISOString();

    const body = {
      lines: [
        { lineId: milkLine.lineId, quantity: 1, reason: 'past-date' },
        { lineId: liquidLine.lineId, quantity: 1, reason: 'changed-mind', note: 'One was enough' },
      ],
      method: 'collection',
    };
    const key = `return-${order.id}`;
    const made = await shopper.post<OrderReturn>(`/orders/${order.id}/returns`, body, { headers: { 'idempotency-key': key } });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const ret = made.body;
    const amounts = {
      milk: { amount: share(milkLine.total, 1, milkCount), tax: share(milkLine.tax.amount, 1, milkCount) },
      liquid: { amount: share(liquidLine.total, 1, 2), tax: share(liquidLine.tax.amount, 1, 2) },
    };
    expect(amounts.liquid.tax).toBeGreaterThan(0);
    expect(ret).toMatchObject({ status: 'awaiting-goods', method: 'collection', refunds: [{ stage: 'on-request', ...amounts.milk }] });
    expect(ret.lines.map((l) => [l.sku, l.handling, l.amount, l.tax, l.zone])).toEqual([
      [milk.sku, 'refund-only', amounts.milk.amount, amounts.milk.tax, 'chilled'],
      [liquid.sku, 'send-back', amounts.liquid.amount, amounts.liquid.tax, 'ambient'],
    ]);
    // The same key again is the same return, answered as the first time.
    const again = await shopper.post<OrderReturn>(`/orders/${order.id}/returns`, body, { headers: { 'idempotency-key': key } });
    expect([again.status, again.body.id]).toEqual([201, ret.id]);

    const received = await manager.post<OrderReturn>(`/orders/${order.id}/returns/${ret.id}/receive`, { note: 'Collected by the van' });
    expect([received.status, received.body.status]).toEqual([200, 'received']);
    const inspected = await manager.post<OrderReturn>(`/orders/${order.id}/returns/${ret.id}/inspect`, { lines: [{ lineId: liquidLine.lineId, disposition: 'restock' }] });
    expect(inspected.status, JSON.stringify(inspected.body)).toBe(200);
    expect(inspected.body).toMatchObject({ status: 'refunded', refunds: [{ stage: 'on-request' }, { stage: 'on-inspection', ...amounts.liquid }] });
    expect((await shopper.get<OrderReturn>(`/orders/${order.id}/returns/${ret.id}`)).body.history.map((c) => [c.to, c.actor])).toEqual([
      ['requested', order.shopperId],
      ['awaiting-goods', order.shopperId],
      ['received', 'smartshelf'],
      ['inspected', 'smartshelf'],
      ['refunded', 'smartshelf'],
    ]);

    // Stock: the restocked bottle is back on sale; the milk never came back.
    expect(await stockOf(liquid.sku)).toEqual({ ...before.liquid, available: before.liquid.available + 1 });
    expect(await stockOf(milk.sku)).toEqual(before.milk);
    const [audit] = await stockAudit(liquid.sku, since);
    expect(audit).toMatchObject({ action: 'adjust', after: { delta: 1, reason: 'return' } });
    expect(await outboxData(`adjusted-${String(audit!.id)}`)).toMatchObject({ detailType: 'inventory.adjusted', data: { sku: liquid.sku, storeId: STORE, delta: 1, reason: 'return' } });

    // Money: captured once, refunded twice at the payments sandbox, the order's payment and tax say so.
    const refunded = amounts.milk.amount + amounts.liquid.amount;
    const after = await staffView(order.id);
    expect(after).toMatchObject({ status: 'partially-refunded', payment: { captured: order.totals.total, refunded, refundedTax: amounts.milk.tax + amounts.liquid.tax } });
    expect(await ledger.intent(after.payment.intentId!)).toMatchObject({ status: 'succeeded', amount_received: order.totals.total });
    expect((await ledger.refunds(after.payment.intentId!)).map((r) => [r.amount, r.status])).toEqual([
      [amounts.liquid.amount, 'succeeded'],
      [amounts.milk.amount, 'succeeded'],
    ]);
    const events = await refundEvents(order.id, order.version, after.version);
    expect(events.map((e) => [e.detailType, e.event, e.to, (e.payment as { refunded: number }).refunded])).toEqual([
      ['order.status-changed', 'refund', 'partially-refunded', amounts.milk.amount],
      ['order.status-changed', 'refund', 'partially-refunded', refunded],
    ]);

    // Billing: the invoice carries the fee's VAT on its fee line; each refund is a credit note with its tax lines.
    const { invoice, notes } = await billed(order.id, [`ret-${ret.id}-1`, `ret-${ret.id}-2`]);
    expect(invoice.total).toBe(order.totals.total);
    expect(invoice.tax).toBe(order.totals.tax);
    expect(invoice.lines.reduce((sum, l) => sum + l.amount, 0)).toBe(invoice.total);
    if (order.totals.fees > 0) expect(invoice.lines.find((l) => l.sku === 'FEES')!.tax).toBeGreaterThan(0);
    expect(notes.map((n) => [n.invoiceReference, n.amount, n.tax, n.lines.map((l) => [l.sku, l.quantity, l.amount, l.tax])])).toEqual([
      [invoice.invoiceReference, amounts.milk.amount, amounts.milk.tax, [[milk.sku, 1, amounts.milk.amount, amounts.milk.tax]]],
      [invoice.invoiceReference, amounts.liquid.amount, amounts.liquid.tax, [[liquid.sku, 1, amounts.liquid.amount, amounts.liquid.tax]]],
    ]);
  });
});

describe('a return with write-off', () => {
  it('receives the goods, writes them off (the shelf as it was, audited), and refunds them with a credit note and its tax', async () => {
    const [milk, cleaner] = [fresh[1]!, household[1]!];
    const order = await deliveredOrder(cleaner, 2, milk);
    const cleanerLine = order.lines.find((l) => l.sku === cleaner.sku)!;
    const before = await stockOf(cleaner.sku);
    const since = new Date().toISOString();
    const made = await shopper.post<OrderReturn>(
      `/orders/${order.id}/returns`,
      { lines: [{ lineId: cleanerLine.lineId, quantity: 2, reason: 'damaged', note: 'The caps leaked' }], method: 'drop-off' },
      { headers: { 'idempotency-key': `write-off-${order.id}` } },
    );
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect(made.body).toMatchObject({ status: 'awaiting-goods', amount: cleanerLine.total, tax: cleanerLine.tax.amount, refunds: [] });
    const path = `/orders/${order.id}/returns/${made.body.id}`;

    // Who may, and bad input: nothing changes.
    const away = api.as({ token: await api.mintToken(`e2e-returns-away-${run}`, ['store-manager'], ['london-bridge']) });
    await problem(away.post(`${path}/receive`, {}), 404, 'not-found');
    await problem(picker.post(`${path}/receive`, {}), 403, 'insufficient-scope');
    await problem(manager.post(`${path}/inspect`, { lines: [{ lineId: cleanerLine.lineId, disposition: 'write-off', reason: 'damaged' }] }), 409, 'return-not-received');
    expect((await manager.post<OrderReturn>(`${path}/receive`, {})).body.status).toBe('received');
    expect(fieldsOf(await problem(manager.post(`${path}/inspect`, { lines: [{ lineId: cleanerLine.lineId, disposition: 'write-off', reason: 'lost-in-post' }] }), 400))).toEqual([
      'body.lines.0.reason',
    ]);
    expect(fieldsOf(await problem(manager.post(`${path}/inspect`, { lines: [{ lineId: order.lines[0]!.lineId, disposition: 'restock' }] }), 400))).toEqual(['body.lines', 'body.lines.0.lineId']);
    expect((await shopper.get<OrderReturn>(path)).body.status).toBe('received');
    expect(fieldsOf(await problem(shopper.post(`/orders/${order.id}/returns`, { lines: [{ lineId: cleanerLine.lineId, quantity: 1, reason: 'damaged' }], method: 'drop-off' }, { headers: { 'idempotency-key': `more-${order.id}` } }), 400))).toEqual([
      'body.lines.0.quantity',
    ]);

    const done = await manager.post<OrderReturn>(`${path}/inspect`, { lines: [{ lineId: cleanerLine.lineId, disposition: 'write-off', reason: 'damaged' }] });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body).toMatchObject({ status: 'refunded', lines: [{ outcome: { disposition: 'write-off', reason: 'damaged' } }], refunds: [{ stage: 'on-inspection', amount: cleanerLine.total, tax: cleanerLine.tax.amount }] });

    expect(await stockOf(cleaner.sku)).toEqual(before);
    const audit = await stockAudit(cleaner.sku, since);
    expect(audit.map((a) => [a.action, (a.after as { writtenOff: number; reason: string }).writtenOff, (a.after as { reason: string }).reason])).toEqual([['write-off', 2, 'damaged']]);

    const after = await staffView(order.id);
    expect(after).toMatchObject({ status: 'partially-refunded', payment: { captured: order.totals.total, refunded: cleanerLine.total, refundedTax: cleanerLine.tax.amount } });
    expect((await ledger.refunds(after.payment.intentId!)).map((r) => r.amount)).toEqual([cleanerLine.total]);
    expect((await refundEvents(order.id, order.version, after.version)).map((e) => [e.event, (e.payment as { refunded: number }).refunded])).toEqual([['refund', cleanerLine.total]]);
    const { invoice, notes } = await billed(order.id, [`ret-${made.body.id}-2`]);
    expect(notes).toEqual([
      expect.objectContaining({ invoiceReference: invoice.invoiceReference, amount: cleanerLine.total, tax: cleanerLine.tax.amount, lines: [expect.objectContaining({ sku: cleaner.sku, quantity: 2, tax: cleanerLine.tax.amount })] }),
    ]);
  });
});
