import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { Cart } from '../../shared/carts/model.js';
import type { Order } from '../../shared/orders/model.js';
import { ApiClient } from '../support/api-client.js';
import { eventually, problem } from '../support/e2e.js';
import { localRuntime, SandboxLedger } from '../support/payments-sandbox.js';
import { sampleSkus } from '../support/sample-skus.js';

/**
 * Saved cards end to end on the local platform: a card saved through POST /me/payment-methods/setup and the payments
 * sandbox (playing Stripe.js), listed, checked out with, re-authorized off session after a pick heavier than the hold
 * (which the sandbox, like Stripe, allows only for a method saved on the order's Customer), and removed; a second
 * shopper can neither see nor remove it. A card the bank wants authenticated off session makes the order ask its
 * shopper, who authenticates it, and the order completes.
 */

const STORE = 'london-bridge';
const run = Date.now().toString(36);
const api = new ApiClient(inject('baseUrl'));
const runtime = await localRuntime(inject('dataDir'));
const ledger = new SandboxLedger(runtime.paymentsSandboxUrl);
const authenticationTimeoutMs = inject('authenticationTimeoutSeconds') * 1000;
const address = { line1: '1 Tooley Street', city: 'London', postcode: 'SE1 2TF', country: 'GB' };
const weighed = sampleSkus(STORE, 'weight').filter((s) => s.average !== undefined && s.stock >= 10_000);
const filler = sampleSkus(STORE, 'each').filter((s) => s.stock >= 60 && s.price >= 300);
let staff: ApiClient;
let picker: ApiClient;
let slot: { id: string; minimumOrder: { amount: number } };

interface SavedCard {
  id: string;
  type: string;
  brand?: string;
  last4?: string;
  expMonth?: number;
  expYear?: number;
  isDefault: boolean;
}

async function aShopper(name: string): Promise<ApiClient> {
  return api.as({ token: await api.mintToken(`e2e-cards-${name}-${run}`, ['shopper']) });
}

/** The app's way: the setup route's SetupIntent, confirmed at the provider with the card (here by the sandbox). */
async function saveCard(shopper: ApiClient, card: string): Promise<string> {
  const setup = await shopper.post<{ setupIntentId: string; clientSecret: string; customerId: string }>('/me/payment-methods/setup', undefined, {
    headers: { 'idempotency-key': `cards-setup-${run}-${card}-${Math.random().toString(36).slice(2)}` },
  });
  expect(setup.status, JSON.stringify(setup.body)).toBe(200);
  expect(setup.body.clientSecret).toMatch(/^seti_.+_secret_/);
  return ledger.saveCard(setup.body.setupIntentId, card);
}

const savedCards = async (shopper: ApiClient) => (await shopper.get<{ items: SavedCard[] }>('/me/payment-methods')).body.items;

/** A cart with 3 of a weighed item (estimated by its average weight) and a fixed-price filler over the slot's minimum. */
async function weighedCart(shopper: ApiClient, index: number): Promise<{ cartId: string }> {
  const item = weighed[index % weighed.length]!;
  const other = filler[index % filler.length]!;
  const { body: cart } = await shopper.post<Cart>('/carts', { storeId: STORE });
  for (const line of [
    { sku: item.sku, quantity: { count: 3 } },
    { sku: other.sku, quantity: { count: Math.min(99, Math.ceil((slot.minimumOrder.amount * 1.2) / other.price)) } },
  ]) {
    const added = await shopper.post(`/carts/${cart.id}/lines`, line);
    expect([200, 201], JSON.stringify(added.body)).toContain(added.status);
  }
  expect((await shopper.request('PUT', `/carts/${cart.id}/fulfillment`, { body: { mode: 'delivery', slotId: slot.id, address } })).status).toBe(200);
  return { cartId: cart.id };
}

async function orderAs(reader: ApiClient, id: string): Promise<Order> {
  return (await reader.get<Order>(`/orders/${id}`)).body;
}

async function reached(reader: ApiClient, id: string, done: (order: Order) => boolean, timeoutMs = 60_000): Promise<Order> {
  return eventually(`order ${id} to move on`, async () => {
    const order = await orderAs(reader, id);
    return done(order) ? order : undefined;
  }, timeoutMs);
}

/** The picker hands over the weighed line at 1.5 times its estimate, above the 15 % the hold allows for, and all the rest. */
async function pickHeavy(order: Order): Promise<{ finalTotal: number }> {
  const lines = order.lines.map((line) =>
    line.estimate === undefined ? { lineId: line.lineId, quantity: line.quantity } : { lineId: line.lineId, quantity: { grams: Math.round(line.estimate.grams * 1.5) } },
  );
  const picked = await picker.post<{ finalTotal: number; reauthorizationRequired: boolean }>(`/orders/${order.id}/pick`, { lines });
  expect(picked.status, JSON.stringify(picked.body)).toBe(200);
  expect(picked.body.reauthorizationRequired).toBe(true);
  return picked.body;
}

beforeAll(async () => {
  staff = api.as({ token: await api.mintToken(`e2e-cards-staff-${run}`, ['store-manager'], [STORE]) });
  picker = api.as({ token: await api.mintToken(`e2e-cards-picker-${run}`, ['picker'], [STORE]) });
  const { body } = await api.get<{ items: { id: string; mode: string; available: boolean; remaining: number; cutoffAt: string; minimumOrder: { amount: number } }[] }>(`/stores/${STORE}/slots`);
  // Other files order at this store too: a slot with room for this file's orders, open for longer than it runs.
  const open = body.items.filter((s) => s.mode === 'delivery' && s.available && s.remaining >= 4 && Date.parse(s.cutoffAt) > Date.now() + 30 * 60_000);
  slot = open.sort((a, b) => a.minimumOrder.amount - b.minimumOrder.amount)[0]!;
});

describe('saved cards', () => {
  it('saves a card, lists it, checks out with it, re-authorizes it off session after a heavy pick, and removes it; another shopper reaches none of it', async () => {
    const alice = await aShopper('alice');
    const mallory = await aShopper('mallory');
    expect(await savedCards(alice)).toEqual([]);

    const card = await saveCard(alice, 'pm_card_visa');
    expect(await savedCards(alice)).toEqual([{ id: card, type: 'card', brand: 'visa', last4: '4242', expMonth: 12, expYear: expect.any(Number), isDefault: false }]);
    // Another shopper sees nothing of it, cannot remove it, and cannot pay with it.
    expect(await savedCards(mallory)).toEqual([]);
    await problem(mallory.request('DELETE', `/me/payment-methods/${card}`), 404, 'payment-method-not-found');
    const { cartId: malloryCart } = await weighedCart(mallory, 1);
    await problem(mallory.post('/checkout', { cartId: malloryCart, paymentMethod: card }, { headers: { 'idempotency-key': `cards-steal-${run}` } }), 404, 'payment-method-not-found');
    expect((await mallory.get<Cart>(`/carts/${malloryCart}`)).body.status).toBe('open');

    const { cartId } = await weighedCart(alice, 0);
    const started = await alice.post<Order>('/checkout', { cartId, paymentMethod: card }, { headers: { 'idempotency-key': `cards-checkout-${run}` } });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    const picking = await reached(staff, started.body.id, (o) => o.status === 'picking' || o.status === 'failed');
    expect(picking.status).toBe('picking');
    const customerId = picking.payment.customerId!;
    const first = picking.payment.intentId!;
    expect(await ledger.intent(first)).toMatchObject({ status: 'requires_capture', customer: customerId, payment_method: card });

    const { finalTotal } = await pickHeavy(picking);
    const completed = await reached(staff, picking.id, (o) => o.status === 'completed' || o.status === 'failed');
    expect(completed).toMatchObject({ status: 'completed', payment: { captured: finalTotal, customerId } });
    const second = completed.payment.intentId!;
    expect(second).not.toBe(first);
    expect(await ledger.intent(second)).toMatchObject({ status: 'succeeded', amount_received: finalTotal, customer: customerId, payment_method: card });
    expect(await ledger.intent(first)).toMatchObject({ status: 'canceled', amount_received: 0 });

    const removed = await alice.request('DELETE', `/me/payment-methods/${card}`);
    expect(removed.status).toBe(204);
    expect(await savedCards(alice)).toEqual([]);
    await problem(alice.request('DELETE', `/me/payment-methods/${card}`), 404, 'payment-method-not-found');
    // The order paid with it stays as it was.
    expect((await orderAs(alice, completed.id)).status).toBe('completed');
  });

  it('asks the shopper when the bank wants the off-session re-authorization authenticated, and completes once they did', async () => {
    const bob = await aShopper('bob');
    const card = await saveCard(bob, 'pm_card_authenticationRequired');
    const { cartId } = await weighedCart(bob, 2);
    const started = await bob.post<Order>('/checkout', { cartId, paymentMethod: card }, { headers: { 'idempotency-key': `cards-auth-${run}` } });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    // The first hold wants 3-D Secure too, with the shopper there: they pass it.
    const pending = await reached(bob, started.body.id, (o) => o.status === 'payment-pending' || o.status === 'failed');
    await ledger.authenticate(pending.payment.intentId!, 'approve');
    const picking = await reached(staff, pending.id, (o) => o.status === 'picking' || o.status === 'failed', authenticationTimeoutMs + 30_000);
    expect(picking.status).toBe('picking');

    const { finalTotal } = await pickHeavy(picking);
    const asking = await reached(bob, picking.id, (o) => o.payment.action?.type === 'confirm_payment' || o.status === 'failed');
    expect(asking).toMatchObject({ status: 'picked', payment: { status: 'requires-action', intentId: picking.payment.intentId } });
    const action = asking.payment.action!;
    expect(action.clientSecret).toMatch(/_secret_/);
    // Staff see that the order waits on its shopper, never the client secret.
    expect((await orderAs(staff, picking.id)).payment.action).toEqual({ type: 'confirm_payment', intentId: action.intentId });

    // The shopper's app confirms it with Stripe.js, on session, and passes 3-D Secure; the webhook resumes the saga.
    expect((await ledger.confirmOnSession(action.intentId!)).status).toBe('requires_action');
    await ledger.authenticate(action.intentId!, 'approve');
    const completed = await reached(staff, picking.id, (o) => o.status === 'completed' || o.status === 'failed');
    expect(completed).toMatchObject({ status: 'completed', payment: { intentId: action.intentId, captured: finalTotal } });
    expect(completed.payment.action).toBeUndefined();
    expect(await ledger.intent(action.intentId!)).toMatchObject({ status: 'succeeded', amount_received: finalTotal });
    expect(await ledger.intent(picking.payment.intentId!)).toMatchObject({ status: 'canceled', amount_received: 0 });
  });

  it('refuses bad input to the saved-card routes with a 400 naming it, changing nothing', async () => {
    const carol = await aShopper('carol');
    await problem(carol.post('/me/payment-methods/setup', undefined), 400, 'idempotency-key-required');
    await problem(carol.request('DELETE', '/me/payment-methods/not-a-method'), 400);
    expect(await savedCards(carol)).toEqual([]);
  });
});
