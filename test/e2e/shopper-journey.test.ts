import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { localDynamoClient } from '../../infra/local/engines/dynamodb.js';
import type { SavedAddress } from '../../shared/accounts/address-model.js';
import type { Cart } from '../../shared/carts/model.js';
import { keys } from '../../shared/db/keys.js';
import type { OrderView } from '../../shared/orders/views.js';
import type { ErasureView } from '../../shared/personal-data/erasure.js';
import type { ExportView } from '../../shared/personal-data/exports.js';
import { ApiClient } from '../support/api-client.js';
import { eventually, problem } from '../support/e2e.js';
import { localRuntime, SandboxLedger } from '../support/payments-sandbox.js';
import { PERSONAL_VALUES } from '../support/personal-data.js';
import { sampleSkus } from '../support/sample-skus.js';

/**
 * One shopper's whole life with SmartShelf on the local platform, as issue 13 tells it: a new shopper signs up (a token
 * for a subject nobody has seen) and fills in their profile; adds an address outside every delivery area (the cart
 * refuses it) and one inside; saves a card; checks out with it; the picker hands over more than estimated, so the saved
 * card is re-authorized off session on the shopper's Customer; the order is delivered; the shopper reorders it into a
 * new cart; exports their data; and erases their account. The order and its invoice stay for the books, with no
 * personal data in them.
 */

const STORE = 'london-bridge';
const run = Date.now().toString(36);
const api = new ApiClient(inject('baseUrl'));
const runtime = await localRuntime(inject('dataDir'));
const ledger = new SandboxLedger(runtime.paymentsSandboxUrl);
const db = DynamoDBDocumentClient.from(localDynamoClient(runtime.endpoints.dynamodb));
afterAll(() => db.destroy());
const itemAt = async (key: { pk: string; sk: string }) => (await db.send(new GetCommand({ TableName: runtime.tableName, Key: key, ConsistentRead: true }))).Item;

const NAME = PERSONAL_VALUES.names[4];
const [GIVEN, FAMILY] = NAME.split(' ') as [string, string];
const INSIDE_LINE = PERSONAL_VALUES.addressLines[7];
const OUTSIDE_LINE = PERSONAL_VALUES.addressLines[1];
const subject = `e2e-journey-${run}`;
const email = `journey-${run}@example.com`;

const weighed = sampleSkus(STORE, 'weight').find((s) => s.average !== undefined && s.stock >= 10_000)!;
const filler = sampleSkus(STORE, 'each').filter((s) => s.stock >= 60 && s.price >= 300)[2]!;

let shopper: ApiClient;
let picker: ApiClient;
let manager: ApiClient;
let slot: { id: string; minimumOrder: { amount: number } };

beforeAll(async () => {
  shopper = api.as({ token: await api.mintToken(subject, ['shopper'], [], email) });
  picker = api.as({ token: await api.mintToken(`e2e-journey-picker-${run}`, ['picker'], [STORE]) });
  manager = api.as({ token: await api.mintToken(`e2e-journey-manager-${run}`, ['store-manager'], [STORE]) });
  const { body } = await api.get<{ items: { id: string; mode: string; available: boolean; remaining: number; cutoffAt: string; minimumOrder: { amount: number } }[] }>(
    `/stores/${STORE}/slots?mode=delivery`,
  );
  slot = body.items.filter((s) => s.available && s.remaining >= 2 && Date.parse(s.cutoffAt) > Date.now() + 30 * 60_000).sort((a, b) => a.minimumOrder.amount - b.minimumOrder.amount)[0]!;
});

const staffView = async (id: string) => (await manager.get<OrderView>(`/orders/${id}`)).body;

async function reached(id: string, done: (order: OrderView) => boolean): Promise<OrderView> {
  return eventually(`order ${id} to move on`, async () => {
    const order = await staffView(id);
    if (order.status === 'failed') throw new Error(`order ${id} failed: ${JSON.stringify(order)}`);
    return done(order) ? order : undefined;
  });
}

describe('a shopper from sign-up to erasure', () => {
  it('signs up, saves an address and a card, is re-authorized off session after a heavy pick, reorders, exports and is erased, the books kept', async () => {
    // Sign-up: the profile is made on first use, with the email the token carries.
    const me = await shopper.get<{ email?: string }>('/me');
    expect(me.status, JSON.stringify(me.body)).toBe(200);
    expect(me.body.email).toBe(email);
    const named = await shopper.patch<{ givenName: string; familyName: string }>('/me', { givenName: GIVEN, familyName: FAMILY, marketingConsent: { granted: false } }, { contentType: 'application/merge-patch+json' });
    expect(named.status, JSON.stringify(named.body)).toBe(200);
    expect(named.body).toMatchObject({ givenName: GIVEN, familyName: FAMILY });

    // An address no store delivers to is only an address; the cart refuses it, and takes the one inside the area.
    const outside = await shopper.post<SavedAddress>('/me/addresses', { label: 'Work', recipientName: NAME, line1: OUTSIDE_LINE, city: 'London', postcode: 'SE5 8AA', country: 'GB' }, { headers: { 'idempotency-key': `journey-outside-${run}` } });
    expect(outside.status, JSON.stringify(outside.body)).toBe(201);
    const inside = await shopper.post<SavedAddress>('/me/addresses', { label: 'Home', recipientName: NAME, line1: INSIDE_LINE, city: 'London', postcode: 'SE1 2TF', country: 'GB', isDefault: true }, { headers: { 'idempotency-key': `journey-inside-${run}` } });
    expect(inside.status, JSON.stringify(inside.body)).toBe(201);

    // A card saved through the setup route, confirmed at the provider as Stripe.js would.
    const setup = await shopper.post<{ setupIntentId: string }>('/me/payment-methods/setup', undefined, { headers: { 'idempotency-key': `journey-setup-${run}` } });
    expect(setup.status, JSON.stringify(setup.body)).toBe(200);
    const card = await ledger.saveCard(setup.body.setupIntentId, 'pm_card_visa');
    expect((await shopper.get<{ items: { id: string }[] }>('/me/payment-methods')).body.items.map((c) => c.id)).toEqual([card]);

    const { body: cart } = await shopper.post<Cart>('/carts', { storeId: STORE });
    for (const line of [
      { sku: weighed.sku, quantity: { count: 3 } },
      { sku: filler.sku, quantity: { count: Math.min(99, Math.ceil((slot.minimumOrder.amount * 1.2) / filler.price)) } },
    ]) {
      const added = await shopper.post(`/carts/${cart.id}/lines`, line);
      expect(added.status, JSON.stringify(added.body)).toBe(200);
    }
    await problem(shopper.request('PUT', `/carts/${cart.id}/fulfillment`, { body: { mode: 'delivery', slotId: slot.id, addressId: outside.body.id } }), 422, 'address-outside-delivery-area');
    const chosen = await shopper.request<Cart>('PUT', `/carts/${cart.id}/fulfillment`, { body: { mode: 'delivery', slotId: slot.id, addressId: inside.body.id } });
    expect(chosen.status, JSON.stringify(chosen.body)).toBe(200);

    // Checkout with the saved card; the hold is on the shopper's Customer.
    const started = await shopper.post<OrderView>('/checkout', { cartId: cart.id, paymentMethod: card }, { headers: { 'idempotency-key': `journey-checkout-${run}` } });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    const picking = await reached(started.body.id, (o) => o.status === 'picking');
    const customerId = picking.payment.customerId!;
    expect(customerId).toMatch(/^cus_/);
    const first = picking.payment.intentId!;
    expect(await ledger.intent(first)).toMatchObject({ status: 'requires_capture', customer: customerId, payment_method: card });

    // Heavier than estimated, beyond what the hold covers: a new hold on the same saved card, off session, is captured.
    const lines = picking.lines.map((line) => (line.estimate === undefined ? { lineId: line.lineId, quantity: line.quantity } : { lineId: line.lineId, quantity: { grams: Math.round(line.estimate.grams * 1.5) } }));
    const picked = await picker.post<{ finalTotal: number; reauthorizationRequired: boolean }>(`/orders/${picking.id}/pick`, { lines });
    expect(picked.status, JSON.stringify(picked.body)).toBe(200);
    expect(picked.body.reauthorizationRequired).toBe(true);
    const completed = await reached(picking.id, (o) => o.status === 'completed');
    const second = completed.payment.intentId!;
    expect(second).not.toBe(first);
    expect(completed.payment).toMatchObject({ captured: picked.body.finalTotal, customerId });
    expect(await ledger.intent(second)).toMatchObject({ status: 'succeeded', amount_received: picked.body.finalTotal, customer: customerId, payment_method: card });
    expect(await ledger.intent(first)).toMatchObject({ status: 'canceled', amount_received: 0 });

    // The van's driver reads who takes it in from the order's delivery snapshot, the saved address's recipient.
    expect((await staffView(completed.id)).fulfillment).toMatchObject({ mode: 'delivery', recipient: { name: NAME } });
    // Delivered by the store's own van: nothing is in flight any more.
    expect((await picker.post(`/orders/${completed.id}/pack`, { zones: [{ zone: 'ambient', bags: 2, lineIds: completed.lines.map((l) => l.lineId) }] })).status).toBe(200);
    const sent = await picker.post<{ shipment: { id: string } }>(`/orders/${completed.id}/shipments`, { carrier: 'own-van' }, { headers: { 'idempotency-key': `journey-van-${run}` } });
    expect(sent.status, JSON.stringify(sent.body)).toBe(201);
    for (const type of ['out-for-delivery', 'delivered']) expect((await picker.post(`/orders/${completed.id}/shipments/${sent.body.shipment.id}/events`, { type })).status).toBe(200);
    const invoice = await eventually('the order invoiced', async () => itemAt(keys.invoiceByOrder(completed.id)));
    expect(JSON.stringify(invoice), 'the books hold no recipient').not.toContain(NAME);

    // The same basket again, into a new cart.
    const { body: next } = await shopper.post<Cart>('/carts', { storeId: STORE });
    const reordered = await shopper.post<Cart & { skipped: unknown[] }>(`/carts/${next.id}/reorder`, { orderId: completed.id }, { headers: { 'idempotency-key': `journey-reorder-${run}` } });
    expect(reordered.status, JSON.stringify(reordered.body)).toBe(200);
    expect(reordered.body.skipped).toEqual([]);
    expect(reordered.body.lines.map((l) => l.sku).sort()).toEqual([weighed.sku, filler.sku].sort());

    // Everything the shopper is, in one file behind a short-lived link.
    const exported = await shopper.post<ExportView>('/me/exports', undefined, { headers: { 'idempotency-key': `journey-export-${run}` } });
    expect(exported.status, JSON.stringify(exported.body)).toBe(202);
    const ready = await eventually('the export ready', async () => {
      const { body } = await shopper.get<ExportView>(`/me/exports/${exported.body.id}`);
      return body.status === 'ready' ? body : undefined;
    });
    const file = await (await fetch(ready.download!.url)).text();
    for (const value of [GIVEN, INSIDE_LINE, OUTSIDE_LINE, completed.id, customerId]) expect(file).toContain(value);
    expect(file).not.toContain('secret');

    // Erased: the account is gone, the saved card detached at the provider, the books kept under a pseudonym.
    const erased = await shopper.request<ErasureView>('DELETE', '/me');
    expect(erased.status, JSON.stringify(erased.body)).toBe(202);
    const done = await eventually('the erasure done', async () => {
      const { body } = await shopper.get<ErasureView>('/me/erasure');
      return body.status === 'erased' ? body : undefined;
    });
    expect((await shopper.get<{ items: unknown[] }>('/me/addresses')).body.items).toEqual([]);
    expect((await shopper.get<{ items: unknown[] }>('/me/payment-methods')).body.items).toEqual([]);
    await problem(shopper.get(`/orders/${completed.id}`), 404);

    const kept = await staffView(completed.id);
    expect(kept).toMatchObject({ id: completed.id, status: 'completed', shopperId: done.pseudonym, payment: { captured: picked.body.finalTotal }, totals: completed.totals });
    expect(await itemAt(keys.invoiceByOrder(completed.id))).toMatchObject({ orderId: completed.id, invoiceReference: invoice.invoiceReference });
    const stored = JSON.stringify(await itemAt(keys.order(completed.id)));
    for (const personal of [subject, GIVEN, FAMILY, INSIDE_LINE, email]) expect(stored, `the kept order still holds ${personal}`).not.toContain(personal);
    expect(stored).toContain('SE1');
  });
});
