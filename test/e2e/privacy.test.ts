import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { localDynamoClient } from '../../infra/local/engines/dynamodb.js';
import type { Subscription } from '../../shared/billing/subscriptions.js';
import type { Cart } from '../../shared/carts/model.js';
import { keys } from '../../shared/db/keys.js';
import type { OrderView } from '../../shared/orders/views.js';
import type { ErasureView } from '../../shared/personal-data/erasure.js';
import type { ExportView } from '../../shared/personal-data/exports.js';
import { ApiClient } from '../support/api-client.js';
import { eventually, fieldsOf, problem } from '../support/e2e.js';
import { localRuntime } from '../support/payments-sandbox.js';
import { PERSONAL_VALUES } from '../support/personal-data.js';
import { sampleSkus } from '../support/sample-skus.js';

/**
 * Privacy end to end on the local platform: a shopper with a profile, an address, a list and a collected order exports
 * their data and downloads it through the link (another shopper's token finds no such export), then erases their
 * account: the order and its invoice are still there for the books, naming a pseudonym, the shopper's own token finds
 * nothing, their delivery pass is ended at once in billing and their payment Customer deleted at the payments sandbox. Customer service erases another customer who asked by phone, audited with the reason; bad input changes
 * nothing.
 */

const STORE = 'london-bridge';
const run = Date.now().toString(36);
const api = new ApiClient(inject('baseUrl'));
const runtime = await localRuntime(inject('dataDir'));
const db = DynamoDBDocumentClient.from(localDynamoClient(runtime.endpoints.dynamodb));
const { billingSandboxUrl } = runtime as typeof runtime & { billingSandboxUrl: string };
/** The payments sandbox's Stripe API, read as an operator would read Stripe's. */
const stripeApi = (path: string) => fetch(`${runtime.paymentsSandboxUrl}${path}`, { headers: { authorization: 'Bearer sk_test_e2e' } }).then((r) => r.json() as Promise<Record<string, unknown>>);
afterAll(() => db.destroy());

const [samName, rosieName] = PERSONAL_VALUES.names.slice(2) as [string, string];
const itemAt = async (key: { pk: string; sk: string }) => (await db.send(new GetCommand({ TableName: runtime.tableName, Key: key, ConsistentRead: true }))).Item;

let manager: ApiClient;
let picker: ApiClient;
let desk: ApiClient;

beforeAll(async () => {
  manager = api.as({ token: await api.mintToken(`e2e-privacy-manager-${run}`, ['store-manager'], [STORE]) });
  picker = api.as({ token: await api.mintToken(`e2e-privacy-picker-${run}`, ['picker'], [STORE]) });
  desk = api.as({ token: await api.mintToken(`e2e-privacy-desk-${run}`, ['customer-service']) });
});

/** A shopper nobody has seen, with a profile, an address and a list. */
async function shopperWithAccount(name: string): Promise<{ client: ApiClient; subject: string }> {
  const subject = `e2e-privacy-${name.split(' ')[0]!.toLowerCase()}-${run}`;
  const client = api.as({ token: await api.mintToken(subject, ['shopper']) });
  const [givenName, familyName] = name.split(' ');
  expect((await client.get('/me')).status).toBe(200);
  const patched = await client.patch('/me', { givenName, familyName, phone: '+447700900321' }, { contentType: 'application/merge-patch+json' });
  expect(patched.status, JSON.stringify(patched.body)).toBe(200);
  const address = await client.post('/me/addresses', { label: 'Home', recipientName: name, line1: PERSONAL_VALUES.addressLines[3], city: 'London', postcode: 'SE1 2TF', country: 'GB', instructions: PERSONAL_VALUES.addressLines[6] }, { headers: { 'idempotency-key': `privacy-address-${subject}` } });
  expect(address.status, JSON.stringify(address.body)).toBe(201);
  const sku = sampleSkus(STORE, 'each')[0]!.sku;
  const list = await client.post('/me/lists', { name: `${givenName}'s weekly shop`, lines: [{ sku, quantity: { count: 1 } }] }, { headers: { 'idempotency-key': `privacy-list-${subject}` } });
  expect(list.status, JSON.stringify(list.body)).toBe(201);
  return { client, subject };
}

/** A pickup order of the shopper's, completed and collected: settled, so an erasure keeps it for the books. */
async function collectedOrder(shopper: ApiClient): Promise<OrderView> {
  const { body: slots } = await api.get<{ items: { id: string; available: boolean; cutoffAt: string; minimumOrder: { amount: number } }[] }>(`/stores/${STORE}/slots?mode=pickup`);
  const slot = slots.items.filter((s) => s.available && Date.parse(s.cutoffAt) > Date.now() + 10 * 60_000).sort((a, b) => a.minimumOrder.amount - b.minimumOrder.amount)[0]!;
  const item = sampleSkus(STORE, 'each').filter((s) => s.stock >= 60 && s.price >= 300)[1]!;
  const { body: cart } = await shopper.post<Cart>('/carts', { storeId: STORE });
  const count = Math.min(20, Math.ceil((slot.minimumOrder.amount * 1.1) / item.price));
  expect((await shopper.post(`/carts/${cart.id}/lines`, { sku: item.sku, quantity: { count } })).status).toBe(200);
  expect((await shopper.request('PUT', `/carts/${cart.id}/fulfillment`, { body: { mode: 'pickup', slotId: slot.id } })).status).toBe(200);
  const started = await shopper.post<OrderView>('/checkout', { cartId: cart.id, paymentMethod: 'pm_card_visa' }, { headers: { 'idempotency-key': `privacy-${cart.id}` } });
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  const order = await eventually(`order ${started.body.id} completed`, async () => {
    const { body } = await manager.get<OrderView>(`/orders/${started.body.id}`);
    if (body.status === 'failed' || body.status === 'cancelled') throw new Error(`order ${body.id} ended ${body.status}`);
    return body.status === 'completed' ? body : undefined;
  });
  expect((await picker.post(`/orders/${order.id}/pack`, { zones: [{ zone: 'ambient', bags: 1, lineIds: order.lines.map((l) => l.lineId) }] })).status).toBe(200);
  expect((await picker.post(`/orders/${order.id}/collection`, {})).status).toBe(200);
  const code = (await shopper.get<OrderView>(`/orders/${order.id}`)).body.collection!.handoverCode!;
  const collected = await picker.post<OrderView>(`/orders/${order.id}/collection/handover`, { code });
  expect(collected.status, JSON.stringify(collected.body)).toBe(200);
  return collected.body;
}

describe('a shopper’s own data', () => {
  it('is exported whole and downloaded through the link, then erased: the order and its invoice kept, naming nobody', async () => {
    const sam = await shopperWithAccount(samName);
    const stranger = api.as({ token: await api.mintToken(`e2e-privacy-stranger-${run}`, ['shopper']) });
    const order = await collectedOrder(sam.client);
    const invoice = await eventually('the order invoiced', async () => itemAt(keys.invoiceByOrder(order.id)));
    // Outside systems that hold something of Sam: the payment Customer the checkout put the order on, and a delivery pass in billing.
    const customerId = String((await itemAt(keys.shopperProfile(sam.subject)))?.paymentCustomerId);
    expect(customerId).toMatch(/^cus_/);
    expect(await stripeApi(`/v1/customers/${customerId}`)).toMatchObject({ id: customerId, object: 'customer' });
    const pass = await sam.client.post<Subscription>('/subscriptions', { plan: 'delivery-pass-monthly' }, { headers: { 'idempotency-key': `privacy-pass-${run}` } });
    expect(pass.status, JSON.stringify(pass.body)).toBe(201);
    const running = await eventually('the pass created in billing', async () => {
      const { body } = await sam.client.get<Subscription>(`/subscriptions/${pass.body.id}`);
      return body.status === 'active' && body.billingSubscriptionId ? body : undefined;
    });

    // An order in flight would stop the erasure; this one is collected. The export first.
    const started = await sam.client.post<ExportView>('/me/exports', undefined, { headers: { 'idempotency-key': `privacy-export-${run}` } });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    expect(started.headers.get('location')).toBe(`/me/exports/${started.body.id}`);
    await problem(stranger.get(`/me/exports/${started.body.id}`), 404);
    const ready = await eventually('the export ready', async () => {
      const { body } = await sam.client.get<ExportView>(`/me/exports/${started.body.id}`);
      return body.status === 'ready' ? body : undefined;
    });
    const file = await fetch(ready.download!.url);
    expect(file.status).toBe(200);
    const text = await file.text();
    const document = JSON.parse(text) as { shopperId: string; account: Record<string, unknown[]>; orders: { id: string; invoice?: { reference: string } }[] };
    expect(document.shopperId).toBe(sam.subject);
    expect(Object.keys(document.account)).toEqual(expect.arrayContaining(['ShopperProfile', 'ShopperAddress', 'ShoppingList']));
    expect(document.orders.map((o) => o.id)).toContain(order.id);
    for (const value of ['Samwise', '+447700900321', PERSONAL_VALUES.addressLines[3], "Samwise's weekly shop"]) expect(text).toContain(value);
    expect(text).not.toContain('clientSecret');

    // Erasure: 202 with where to follow it; asking again answers the same erasure.
    const erased = await sam.client.request<ErasureView>('DELETE', '/me');
    expect(erased.status, JSON.stringify(erased.body)).toBe(202);
    expect(erased.headers.get('location')).toBe('/me/erasure');
    const done = await eventually('the erasure done', async () => {
      const { body } = await sam.client.get<ErasureView>('/me/erasure');
      return body.status === 'erased' ? body : undefined;
    });
    expect(done).toMatchObject({ id: erased.body.id, pseudonym: `erased-${erased.body.id}`, ordersKept: 1 });
    expect((await sam.client.request<ErasureView>('DELETE', '/me')).body).toEqual(done);

    // The token still works and finds nothing of theirs.
    await problem(sam.client.get(`/orders/${order.id}`), 404);
    await problem(sam.client.get(`/me/exports/${started.body.id}`), 404);
    expect((await sam.client.get<{ items: unknown[] }>('/me/addresses')).body.items).toEqual([]);
    expect((await sam.client.get<{ items: unknown[] }>('/me/lists')).body.items).toEqual([]);
    expect(await fetch(ready.download!.url).then((r) => r.status)).toBe(404);

    // Billing ended the pass at once (not at its period's end), and the payment provider keeps only the deleted Customer's stub.
    expect(await itemAt(keys.subscription(pass.body.id))).toMatchObject({ shopperId: done.pseudonym, status: 'cancelled', cancelAtPeriodEnd: false });
    const billing = await fetch(`${billingSandboxUrl}/_sandbox/state`).then((r) => r.json() as Promise<{ subscriptions: { billingSubscriptionId: string; status: string }[] }>);
    expect(billing.subscriptions.find((s) => s.billingSubscriptionId === running.billingSubscriptionId)).toMatchObject({ status: 'cancelled' });
    expect(await stripeApi(`/v1/customers/${customerId}`)).toEqual({ id: customerId, object: 'customer', deleted: true });
    expect(await stripeApi(`/v1/customers/${customerId}/payment_methods`)).toMatchObject({ error: { code: 'resource_missing' } });

    // The books keep the order and its invoice, with nothing that names the shopper.
    const kept = await manager.get<OrderView>(`/orders/${order.id}`);
    expect(kept.status).toBe(200);
    expect(kept.body).toMatchObject({ id: order.id, shopperId: done.pseudonym, totals: order.totals, status: 'completed', fulfillmentStatus: 'collected' });
    expect(await itemAt(keys.invoiceByOrder(order.id))).toMatchObject({ orderId: order.id, invoiceReference: invoice.invoiceReference });
    const stored = JSON.stringify(await itemAt(keys.order(order.id)));
    for (const personal of [sam.subject, 'Samwise', PERSONAL_VALUES.addressLines[3]]) expect(stored).not.toContain(personal);
    const announced = await itemAt(keys.outboxEvent(`customer-erased-${sam.subject}`));
    expect(JSON.parse(String(announced!.detail))).toMatchObject({ data: { shopperId: sam.subject, pseudonym: done.pseudonym, ordersKept: 1 } });
  });
});

describe('customer service', () => {
  it('erases a customer who asked by phone, audited with the reason; without a reason nothing happens', async () => {
    const rosie = await shopperWithAccount(rosieName);
    const path = `/customers/${rosie.subject}/erasure`;
    expect(fieldsOf(await problem(desk.post(path, {}), 400))).toEqual(['body.reason']);
    expect(fieldsOf(await problem(desk.post(path, { reason: 'x' }), 400))).toEqual(['body.reason']);
    await problem(desk.get(`/customers/${rosie.subject}/exports/not-a-ulid`), 400);
    expect((await rosie.client.get<{ items: unknown[] }>('/me/addresses')).body.items).toHaveLength(1);
    // A shopper cannot do it for someone else.
    await problem(rosie.client.post(`/customers/e2e-privacy-someone-${run}/erasure`, { reason: 'Not allowed to' }), 403, 'insufficient-scope');

    const accepted = await desk.post<ErasureView>(path, { reason: 'Customer asked by phone, ticket 8812' });
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(202);
    expect(accepted.headers.get('location')).toBe(path);
    await eventually('the erasure done', async () => ((await desk.post<ErasureView>(path, { reason: 'Checking progress, ticket 8812' })).body.status === 'erased' ? true : undefined));
    expect((await rosie.client.get<{ items: unknown[] }>('/me/addresses')).body.items).toEqual([]);

    const { Items: audit = [] } = await db.send(
      new QueryCommand({ TableName: runtime.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `AUDIT#shopper#${rosie.subject}` } }),
    );
    // Once, however often the desk asked for its progress afterwards.
    expect(audit).toEqual([
      expect.objectContaining({ action: 'erase-personal-data', actor: `e2e-privacy-desk-${run}`, after: { erasureId: accepted.body.id, reason: 'Customer asked by phone, ticket 8812' } }),
    ]);
  });

  it('exports a customer’s data for them, with the link once ready', async () => {
    const subject = `e2e-privacy-caller-${run}`;
    const started = await desk.post<ExportView>(`/customers/${subject}/exports`, { reason: 'Customer asked by letter, ticket 8813' }, { headers: { 'idempotency-key': `privacy-desk-export-${run}` } });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    await problem(desk.post(`/customers/${subject}/exports`, { reason: 'Asked again, ticket 8814' }), 409, 'export-in-progress');
    const ready = await eventually('the export ready', async () => {
      const { body } = await desk.get<ExportView>(`/customers/${subject}/exports/${started.body.id}`);
      return body.status === 'ready' ? body : undefined;
    });
    expect(await fetch(ready.download!.url).then((r) => r.json())).toMatchObject({ format: 'smartshelf.personal-data', shopperId: subject });
  });
});
