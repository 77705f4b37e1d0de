import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { localDynamoClient } from '../../infra/local/engines/dynamodb.js';
import type { Cart } from '../../shared/carts/model.js';
import { keys } from '../../shared/db/keys.js';
import type { OrderView } from '../../shared/orders/views.js';
import { ApiClient } from '../support/api-client.js';
import { eventually, problem } from '../support/e2e.js';
import { localRuntime, SandboxLedger } from '../support/payments-sandbox.js';

/**
 * Substitutions end to end on the local platform: a cheese counter of this run's own (a category of cheeses of two
 * brands at several prices), and three orders whose picker finds the ordered cheese spoilt and proposes another. One
 * substitute the shopper accepts (dearer: paid at its own price, the card authorized again for it), one they reject
 * (nothing handed over for the line), one nobody answers (the cut-off, 30 s on the e2e platform, decides by the
 * preference: a best match accepted at the protected price, another brand for same-brand rejected). Each asserts the
 * order, the money the payments sandbox took (never more than ordered without the shopper's yes), the stock of the
 * ordered cheese and of the substitute, and the events in the outbox.
 */

const STORE = 'london-bridge';
const run = Date.now().toString(36);
const api = new ApiClient(inject('baseUrl'));
const admin = api.as({ apiKey: inject('adminApiKey') });
const responseMs = inject('substitutionResponseSeconds') * 1000;
const runtime = await localRuntime(inject('dataDir'));
const ledger = new SandboxLedger(runtime.paymentsSandboxUrl);
const db = DynamoDBDocumentClient.from(localDynamoClient(runtime.endpoints.dynamodb));
afterAll(() => db.destroy());

let shopper: ApiClient;
let picker: ApiClient;
let manager: ApiClient;

interface Cheese {
  sku: string;
  productId: string;
  name: string;
  price: number;
}
/** The counter: the cheeses this file orders and substitutes, each 400 g, sold each, in one category. */
const cheeses: Record<'cheddar' | 'leicester' | 'mild' | 'gouda' | 'edam', Cheese> = {} as never;
const SPECS = {
  cheddar: { name: 'Farmhouse cheddar 400 g', brand: 'Dale Farm', price: 500 },
  leicester: { name: 'Red Leicester 400 g', brand: 'Dale Farm', price: 480 },
  mild: { name: 'Mild cheddar 400 g', brand: 'Dale Farm', price: 400 },
  gouda: { name: 'Gouda 400 g', brand: 'Polder', price: 650 },
  edam: { name: 'Edam 400 g', brand: 'Polder', price: 450 },
} as const;

interface Stock {
  available: number;
  reserved: number;
  committed: number;
}
interface Slot {
  id: string;
  mode: string;
  available: boolean;
  cutoffAt: string;
  minimumOrder: { amount: number };
}
type Line = OrderView['lines'][number];
interface PickAnswer {
  order: OrderView;
  finalTotal: number;
  reauthorizationRequired: boolean;
  substitutionsPending: number;
}

const itemAt = async (key: { pk: string; sk: string }) => (await db.send(new GetCommand({ TableName: runtime.tableName, Key: key, ConsistentRead: true }))).Item;

/** An event's detail-type and data as its outbox item holds them (what the relay puts on the bus), or undefined. */
async function outboxData(eventId: string): Promise<{ detailType: string; data: Record<string, unknown> } | undefined> {
  const item = await itemAt(keys.outboxEvent(eventId));
  return item ? { detailType: item.detailType as string, data: (JSON.parse(item.detail as string) as { data: Record<string, unknown> }).data } : undefined;
}

async function stockOf(cheese: Cheese): Promise<Stock> {
  const { body } = await manager.get<{ stores: (Stock & { storeId: string })[] }>(`/inventory/${cheese.sku}`);
  const { available, reserved, committed } = body.stores.find((s) => s.storeId === STORE)!;
  return { available, reserved, committed };
}

const staffView = async (id: string) => (await manager.get<OrderView>(`/orders/${id}`)).body;

async function pickupSlot(): Promise<Slot> {
  const { body } = await api.get<{ items: Slot[] }>(`/stores/${STORE}/slots?mode=pickup`);
  return body.items.filter((s) => s.available && Date.parse(s.cutoffAt) > Date.now() + 10 * 60_000).sort((a, b) => a.minimumOrder.amount - b.minimumOrder.amount)[0]!;
}

/** An order of `lines` (each with its preference) for pickup, checked out with the sandbox's visa, waiting to be picked. */
async function pickingOrder(lines: { cheese: Cheese; count: number; substitution: string }[]): Promise<OrderView> {
  const { body: cart } = await shopper.post<Cart>('/carts', { storeId: STORE });
  for (const { cheese, count, substitution } of lines) {
    const added = await shopper.post(`/carts/${cart.id}/lines`, { sku: cheese.sku, quantity: { count }, substitution });
    expect(added.status, JSON.stringify(added.body)).toBe(200);
  }
  expect((await shopper.request('PUT', `/carts/${cart.id}/fulfillment`, { body: { mode: 'pickup', slotId: (await pickupSlot()).id } })).status).toBe(200);
  const started = await shopper.post<OrderView>('/checkout', { cartId: cart.id, paymentMethod: 'pm_card_visa' }, { headers: { 'idempotency-key': `substitutions-${cart.id}` } });
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  return settled(started.body.id, ['picking']);
}

async function settled(id: string, statuses: string[], timeoutMs = 60_000): Promise<OrderView> {
  return eventually(
    `order ${id} to be ${statuses.join(' or ')}`,
    async () => {
      const order = await staffView(id);
      if (!statuses.includes(order.status) && (order.status === 'failed' || order.status === 'cancelled')) throw new Error(`order ${id} ended ${order.status}: ${order.failureReason}`);
      return statuses.includes(order.status) ? order : undefined;
    },
    timeoutMs,
  );
}

/** The picker hands over `substitutes[i]` (or, where none is given, the ordered cheese) for each line, in full. */
async function pick(order: OrderView, substitutes: (Cheese | undefined)[]): Promise<PickAnswer> {
  const lines = order.lines.map((line, i) => {
    const substitute = substitutes[i];
    return { lineId: line.lineId, quantity: line.quantity, ...(substitute ? { substitute: { sku: substitute.sku } } : {}) };
  });
  const picked = await picker.post<PickAnswer>(`/orders/${order.id}/pick`, { lines });
  expect(picked.status, JSON.stringify(picked.body)).toBe(200);
  return picked.body;
}

const lineOf = (order: OrderView, i: number): Line => order.lines[i]!;

/** The substitution events of a line: proposed and decided, as the outbox holds them. */
async function substitutionEvents(orderId: string, lineId: string) {
  return { proposed: await outboxData(`substitution-proposed-${orderId}-${lineId}`), decided: await outboxData(`substitution-decided-${orderId}-${lineId}`) };
}

/** The checkout ended completed with the capture; the payments sandbox took exactly that on the order's intent. */
async function expectCaptured(order: OrderView, amount: number): Promise<void> {
  expect(order).toMatchObject({ status: 'completed', payment: { captured: amount, refunded: 0, status: 'captured' } });
  expect(await ledger.intent(order.payment.intentId!)).toMatchObject({ status: 'succeeded', amount_received: amount, amount_capturable: 0 });
  expect(await outboxData(`checkout-complete-${order.id}`)).toMatchObject({ detailType: 'checkout.complete', data: { orderId: order.id, outcome: 'completed', captured: amount } });
}

beforeAll(async () => {
  shopper = api.as({ token: await api.mintToken(`e2e-subs-${run}`, ['shopper']) });
  picker = api.as({ token: await api.mintToken(`e2e-subs-picker-${run}`, ['picker'], [STORE]) });
  manager = api.as({ token: await api.mintToken(`e2e-subs-manager-${run}`, ['store-manager'], [STORE]) });
  const category = await admin.post<{ id: string }>('/categories', { slug: `e2e-cheese-${run}`, name: `Cheese ${run}` });
  expect(category.status, JSON.stringify(category.body)).toBe(201);
  for (const [key, spec] of Object.entries(SPECS) as [keyof typeof SPECS, (typeof SPECS)[keyof typeof SPECS]][]) {
    const sku = `SUBS-${key.toUpperCase()}-${run.toUpperCase()}`;
    const variant = { sku, name: '400 g', soldBy: 'each', price: { amount: spec.price, currency: 'GBP' } };
    const created = await admin.post<{ id: string }>('/products', { name: `${spec.name} ${run}`, brand: spec.brand, categoryId: category.body.id, taxCategory: 'food', variants: [variant] });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const stocked = await admin.post('/inventory/adjustments', { sku, storeId: STORE, setTo: 60, reason: 'stock-take' });
    expect(stocked.status, JSON.stringify(stocked.body)).toBe(201);
    cheeses[key] = { sku, productId: created.body.id, name: `${spec.name} ${run}`, price: spec.price };
  }
});

describe('a substitute the shopper accepts', () => {
  it('costs its own price, more than ordered once accepted: the card is authorized again for it, the substitute’s stock is taken, the original’s goes back', async () => {
    const { cheddar, gouda } = cheeses;
    const before = { cheddar: await stockOf(cheddar), gouda: await stockOf(gouda) };
    const order = await pickingOrder([{ cheese: cheddar, count: 4, substitution: 'best-match' }]);
    const held = order.payment.authorized;
    expect(held).toBe(order.totals.authorizationTotal);

    const picked = await pick(order, [gouda]);
    expect(picked).toMatchObject({ substitutionsPending: 1, finalTotal: order.totals.total, reauthorizationRequired: false });
    const line = lineOf(picked.order, 0);
    expect(line.picked).toMatchObject({
      quantity: { count: 4 },
      substitute: { sku: gouda.sku, productId: gouda.productId, name: gouda.name },
      total: 2000,
      proposal: { status: 'proposed', unitPrice: 650, price: { total: 2600 }, protectedPrice: { total: 2000 }, acceptedAtCutoff: true },
    });
    // Its stock is off the shelf into the order's reservation while the shopper decides.
    expect(await stockOf(gouda)).toEqual({ ...before.gouda, available: before.gouda.available - 4, reserved: before.gouda.reserved + 4 });

    // The shopper sees the proposal with the price they would pay, and accepts it.
    const seen = (await shopper.get<OrderView>(`/orders/${order.id}`)).body;
    expect(lineOf(seen, 0).picked?.proposal).toMatchObject({ status: 'proposed', price: { total: 2600 } });
    const accepted = await shopper.post<OrderView>(`/orders/${order.id}/substitutions/${line.lineId}`, { decision: 'accept' });
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
    expect(lineOf(accepted.body, 0).picked).toMatchObject({ total: 2600, proposal: { status: 'accepted', decidedBy: 'shopper' } });

    // The last answer resumes the saga at once, well before the cut-off.
    const done = await settled(order.id, ['completed'], responseMs);
    const final = 2600 + order.totals.fees;
    await expectCaptured(done, final);
    expect(done.payment.intentId).not.toBe(order.payment.intentId);
    expect(done.statusHistory.map((c) => c.event)).toEqual(expect.arrayContaining(['record-pick', 'decide-substitutions', 'reauthorize', 'capture', 'complete']));
    expect(await ledger.intent(order.payment.intentId!)).toMatchObject({ status: 'canceled', amount_received: 0 });

    expect(await stockOf(gouda)).toEqual({ available: before.gouda.available - 4, reserved: before.gouda.reserved, committed: before.gouda.committed + 4 });
    expect(await stockOf(cheddar)).toEqual(before.cheddar);

    const events = await substitutionEvents(order.id, line.lineId);
    expect(events.proposed).toMatchObject({ detailType: 'order.substitution-proposed', data: { sku: cheddar.sku, substitute: { sku: gouda.sku }, quantity: 4, price: { total: 2600 }, protectedPrice: { total: 2000 } } });
    expect(events.decided).toMatchObject({ detailType: 'order.substitution-decided', data: { outcome: 'accepted', decidedBy: 'shopper', charged: { total: 2600 } } });
    // Each change moved the version on by one: the decision's version is the one its history entry made.
    const decision = done.statusHistory.findIndex((c) => c.event === 'decide-substitutions');
    const changed = await outboxData(`order-${order.id}-v${done.version - done.statusHistory.length + decision + 1}`);
    expect(changed).toMatchObject({ detailType: 'order.status-changed', data: { event: 'decide-substitutions', from: 'picked', to: 'picked' } });
    expect(await outboxData(`order-completed-${order.id}`)).toMatchObject({ data: { lines: [{ sku: gouda.sku, productId: gouda.productId, quantity: 4, total: 2600 }], total: final } });
  });
});

describe('a substitute the shopper rejects', () => {
  it('hands nothing over for the line: the rest is captured, both cheeses’ stock goes back, and the answer cannot be changed', async () => {
    const { cheddar, leicester, mild } = cheeses;
    const before = { cheddar: await stockOf(cheddar), leicester: await stockOf(leicester), mild: await stockOf(mild) };
    const order = await pickingOrder([
      { cheese: cheddar, count: 3, substitution: 'best-match' },
      { cheese: leicester, count: 2, substitution: 'none' },
    ]);
    const picked = await pick(order, [mild, undefined]);
    const line = lineOf(picked.order, 0);
    // Cheaper: its own price is what it costs.
    expect(line.picked).toMatchObject({ total: 1200, proposal: { price: { total: 1200 }, protectedPrice: { total: 1200 } } });

    // A substitute on a line whose shopper wants none is refused, and the other shopper reaches nothing.
    const other = api.as({ token: await api.mintToken(`e2e-subs-other-${run}`, ['shopper']) });
    await problem(other.post(`/orders/${order.id}/substitutions/${line.lineId}`, { decision: 'accept' }), 404);
    await problem(shopper.post(`/orders/${order.id}/substitutions/${lineOf(order, 1).lineId}`, { decision: 'accept' }), 409, 'no-substitution-proposed');
    await problem(shopper.post(`/orders/${order.id}/substitutions/${line.lineId}`, { decision: 'perhaps' }), 400);
    await problem(picker.post(`/orders/${order.id}/substitutions/${line.lineId}`, { decision: 'accept' }), 403);

    const rejected = await shopper.post<OrderView>(`/orders/${order.id}/substitutions/${line.lineId}`, { decision: 'reject' });
    expect(rejected.status, JSON.stringify(rejected.body)).toBe(200);
    expect(lineOf(rejected.body, 0).picked).toEqual({ total: 0, tax: 0, proposal: expect.objectContaining({ status: 'rejected', decidedBy: 'shopper' }) });
    await problem(shopper.post(`/orders/${order.id}/substitutions/${line.lineId}`, { decision: 'accept' }), 409, 'substitution-decided');

    const done = await settled(order.id, ['completed'], responseMs);
    const final = 2 * leicester.price + order.totals.fees;
    await expectCaptured(done, final);
    expect(done.payment.intentId).toBe(order.payment.intentId);
    expect(await stockOf(cheddar)).toEqual(before.cheddar);
    expect(await stockOf(mild)).toEqual(before.mild);
    expect(await stockOf(leicester)).toEqual({ ...before.leicester, available: before.leicester.available - 2, committed: before.leicester.committed + 2 });

    const events = await substitutionEvents(order.id, line.lineId);
    expect(events.proposed?.data).toMatchObject({ substitute: { sku: mild.sku }, quantity: 3 });
    expect(events.decided?.data).toMatchObject({ outcome: 'rejected', decidedBy: 'shopper', charged: { total: 0, tax: 0 } });
    expect(await outboxData(`order-completed-${order.id}`)).toMatchObject({ data: { lines: [{ sku: leicester.sku, quantity: 2 }], total: final } });
  });
});

describe('a substitute nobody answers', () => {
  it('is decided at the cut-off by the preference: a best match accepted at no more than ordered, another brand for same-brand rejected', async () => {
    const { cheddar, leicester, gouda, edam } = cheeses;
    const before = { cheddar: await stockOf(cheddar), leicester: await stockOf(leicester), gouda: await stockOf(gouda), edam: await stockOf(edam) };
    const order = await pickingOrder([
      { cheese: cheddar, count: 3, substitution: 'best-match' },
      { cheese: leicester, count: 3, substitution: 'same-brand' },
    ]);
    const picked = await pick(order, [gouda, edam]);
    expect(picked.substitutionsPending).toBe(2);
    const [first, second] = [lineOf(picked.order, 0), lineOf(picked.order, 1)];
    expect(first.picked?.proposal).toMatchObject({ acceptedAtCutoff: true, price: { total: 1950 }, protectedPrice: { total: 1500 } });
    expect(second.picked?.proposal).toMatchObject({ acceptedAtCutoff: false, price: { total: 1350 }, protectedPrice: { total: 1350 } });
    const respondBy = Date.parse(first.picked!.proposal!.respondBy);
    expect(respondBy - Date.parse(first.picked!.proposal!.proposedAt)).toBe(responseMs);
    // Nothing is captured while the shopper may still answer.
    expect((await staffView(order.id)).payment.captured).toBe(0);

    const done = await settled(order.id, ['completed'], responseMs + 60_000);
    expect(Date.now()).toBeGreaterThanOrEqual(respondBy);
    expect(lineOf(done, 0).picked).toMatchObject({ substitute: { sku: gouda.sku }, total: 1500, proposal: { status: 'accepted', decidedBy: 'cut-off' } });
    expect(lineOf(done, 1).picked).toEqual({ total: 0, tax: 0, proposal: expect.objectContaining({ status: 'rejected', decidedBy: 'cut-off' }) });
    expect(done.statusHistory.find((c) => c.event === 'decide-substitutions')).toMatchObject({ actor: 'checkout-saga' });
    // Never more than ordered without the shopper's yes: the dearer gouda at the cheddar's price.
    const final = 1500 + order.totals.fees;
    await expectCaptured(done, final);
    expect(final).toBeLessThanOrEqual(order.totals.total);
    await problem(shopper.post(`/orders/${order.id}/substitutions/${first.lineId}`, { decision: 'reject' }), 409, 'substitution-decided');

    expect(await stockOf(gouda)).toEqual({ ...before.gouda, available: before.gouda.available - 3, committed: before.gouda.committed + 3 });
    for (const cheese of ['cheddar', 'leicester', 'edam'] as const) expect(await stockOf(cheeses[cheese]), cheese).toEqual(before[cheese]);

    expect((await substitutionEvents(order.id, first.lineId)).decided?.data).toMatchObject({ outcome: 'accepted', decidedBy: 'cut-off', charged: { total: 1500 } });
    expect((await substitutionEvents(order.id, second.lineId)).decided?.data).toMatchObject({ outcome: 'rejected', decidedBy: 'cut-off', charged: { total: 0 } });
  });
});
