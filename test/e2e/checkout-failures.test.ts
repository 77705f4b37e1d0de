import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../infra/local/engines/credentials.js';
import { localDynamoClient } from '../../infra/local/engines/dynamodb.js';
import { LOCAL_WEBHOOK_SECRET } from '../../infra/local/resources.js';
import { injectTaskFailure } from '../../infra/local/step-functions.js';
import type { Cart } from '../../shared/carts/model.js';
import { keys } from '../../shared/db/keys.js';
import type { Order } from '../../shared/orders/model.js';
import { idempotencyKey } from '../../shared/payments/gateway.js';
import { WEBHOOK_CONSUMER } from '../../shared/payments/payment-records.js';
import { HOLD_LIMITS } from '../../shared/carts/hold-limits.js';
import { ApiClient, type ApiResponse } from '../support/api-client.js';
import { eventually, problem } from '../support/e2e.js';
import { localRuntime, SandboxLedger, signedEvent, type SandboxIntent } from '../support/payments-sandbox.js';
import { sampleSkus } from '../support/sample-skus.js';

/**
 * Checkout when things go wrong, end to end on the local platform: 3-D Secure approved, abandoned and timed out, a
 * failure injected at each step of the saga (LocalInjectTaskFailure on the local Step Functions), duplicated and
 * shuffled payment webhooks, forged ones, cancels at each stage, and picks above the hold. Every scenario asserts the
 * order, the stock and the money as the payments sandbox holds it afterwards.
 */

const STORE = 'london-bridge';
const run = Date.now().toString(36);
const api = new ApiClient(inject('baseUrl'));
const runtime = await localRuntime(inject('dataDir'));
const ledger = new SandboxLedger(runtime.paymentsSandboxUrl);
const checkoutMachine = runtime.stateMachineArns.checkout!;
const authenticationTimeoutMs = inject('authenticationTimeoutSeconds') * 1000;
const db = DynamoDBDocumentClient.from(localDynamoClient(runtime.endpoints.dynamodb));
const sfn = new SFNClient({ endpoint: runtime.endpoints.sfn, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
let shopper: ApiClient;
let otherShopper: ApiClient;
let staff: ApiClient;
let picker: ApiClient;

interface StockView {
  stores: { storeId: string; available: number; reserved: number; committed: number }[];
}
type Stock = { available: number; reserved: number; committed: number };
interface SlotView {
  id: string;
  mode: 'delivery' | 'pickup';
  available: boolean;
  minimumOrder: { amount: number };
}
interface PickResponse {
  order: Order;
  finalTotal: number;
  reauthorizationRequired: boolean;
}

// checkout.test.ts uses the first three fixed-price SKUs and the first weighed one; each scenario here takes its own.
const fixedSkus = sampleSkus(STORE, 'each')
  .filter((s) => s.stock >= 60 && s.price >= 150)
  .slice(3);
/** The most a slot asks as its minimum order (the slot policy's), which a basket must pass by a fifth. */
const HIGHEST_MINIMUM_ORDER = 2500;
const weighedSkus = sampleSkus(STORE, 'weight')
  .filter((s) => s.average !== undefined && s.stock >= 20_000)
  .slice(1)
  // A basket of one weighed good stays within what a shopper may hold of it (issue 11): no 13 kg of sweet potatoes.
  .filter((s) => Math.ceil((HIGHEST_MINIMUM_ORDER * 1.2) / ((s.price * s.average!) / 1000)) * s.average! <= HOLD_LIMITS.perSku.grams);
let nextFixedSku = 0;
let nextWeighedSku = 0;
const takeFixed = () => fixedSkus[nextFixedSku++ % fixedSkus.length]!;
const takeWeighed = () => weighedSkus[nextWeighedSku++ % weighedSkus.length]!;

const address = { line1: '1 Tooley Street', city: 'London', postcode: 'SE1 2TF', country: 'GB' };

/** The bookable slot with the lowest minimum order, looked up per cart: completed orders use up slots' capacity. */
async function cheapestSlot(): Promise<SlotView> {
  const { body } = await api.get<{ items: SlotView[] }>(`/stores/${STORE}/slots`);
  return body.items.filter((s) => s.available).sort((a, b) => a.minimumOrder.amount - b.minimumOrder.amount)[0]!;
}

async function stockOf(sku: string): Promise<Stock> {
  const { body } = await staff.get<StockView>(`/inventory/${sku}`);
  const here = body.stores.find((s) => s.storeId === STORE)!;
  return { available: here.available, reserved: here.reserved, committed: here.committed };
}

interface Basket {
  cartId: string;
  sku: string;
  before: Stock;
  /** Units for a fixed-price line, the estimated grams for a weighed one. */
  quantity: number;
}

/** A cart with one line sized above the slot's minimum order, and the stock of its SKU before checkout. */
async function basket(kind: 'fixed' | 'weighed'): Promise<Basket> {
  const slot = await cheapestSlot();
  const minimum = slot.minimumOrder.amount;
  const item = kind === 'fixed' ? takeFixed() : takeWeighed();
  // Weighed goods are asked for by the item; the cart estimates their grams from the average weight.
  const count = kind === 'fixed' ? Math.max(2, Math.ceil((minimum * 1.2) / item.price)) : Math.max(2, Math.ceil((minimum * 1.2) / ((item.price * item.average!) / 1000)));
  const before = await stockOf(item.sku);
  const { body: cart } = await shopper.post<Cart>('/carts', { storeId: STORE });
  await shopper.post(`/carts/${cart.id}/lines`, { sku: item.sku, quantity: { count } });
  const fulfillment = slot.mode === 'delivery' ? { mode: 'delivery', slotId: slot.id, address } : { mode: 'pickup', slotId: slot.id };
  await shopper.request('PUT', `/carts/${cart.id}/fulfillment`, { body: fulfillment });
  return { cartId: cart.id, sku: item.sku, before, quantity: kind === 'fixed' ? count : count * item.average! };
}

let keySeq = 0;
async function checkout(cartId: string, paymentMethod: string): Promise<ApiResponse<Order>> {
  const send = (key: string) => shopper.post<Order>('/checkout', { cartId, paymentMethod }, { headers: { 'idempotency-key': key } });
  const key = `failures-${run}-${++keySeq}`;
  const response = await send(key);
  // One shopper checks out at most 10 times a minute (issue 11), fewer than this file does: it waits as told and sends again.
  if (response.status !== 429) return response;
  await new Promise((resolve) => setTimeout(resolve, Number(response.headers.get('retry-after')) * 1000 + 100));
  return send(key);
}

/** POST /checkout that must be accepted: the order as it came back. */
async function started(cartId: string, paymentMethod: string): Promise<Order> {
  const response = await checkout(cartId, paymentMethod);
  expect(response.status, JSON.stringify(response.body)).toBe(202);
  return response.body;
}

async function orderOf(id: string): Promise<Order> {
  return (await staff.get<Order>(`/orders/${id}`)).body;
}

async function settled(id: string, statuses: readonly Order['status'][], timeoutMs = 60_000): Promise<Order> {
  return eventually(
    `order ${id} to be ${statuses.join(' or ')}`,
    async () => {
      const order = await orderOf(id);
      return statuses.includes(order.status) ? order : undefined;
    },
    timeoutMs,
  );
}

const FINAL: readonly Order['status'][] = ['completed', 'failed', 'cancelled', 'refunded'];
const eventsOf = (order: Order, event: string) => order.statusHistory.filter((change) => change.event === event);

async function itemAt(key: { pk: string; sk: string }): Promise<Record<string, unknown> | undefined> {
  return (await db.send(new GetCommand({ TableName: runtime.tableName, Key: key, ConsistentRead: true }))).Item;
}

/** Once the platform's record of the intent (fed by the sandbox's webhooks) says `amountRefunded`: the refund the sandbox made. */
async function refundedPerWebhooks(intentId: string, amountRefunded: number): Promise<Record<string, unknown>> {
  return eventually(`a refund of ${amountRefunded} on ${intentId} reported by the sandbox`, async () => {
    const record = await itemAt(keys.payment(intentId));
    return record?.amountRefunded === amountRefunded ? record : undefined;
  }, 30_000);
}

interface SagaEnd {
  status: string;
  error?: string;
  cause?: string;
  /** The saga's state at its end: `payment.intentId` names the intent even when the order never recorded it. */
  output?: { payment?: { intentId?: string }; failure?: { Error: string } };
}

/** The checkout execution of an order (named by it) once it has ended. */
async function sagaEnded(orderId: string, timeoutMs = 90_000): Promise<SagaEnd> {
  const executionArn = `${checkoutMachine.replace(':stateMachine:', ':execution:')}:${orderId}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (described.status !== 'RUNNING') {
      return {
        status: described.status!,
        ...(described.error ? { error: described.error } : {}),
        ...(described.cause ? { cause: described.cause } : {}),
        ...(described.output ? { output: JSON.parse(described.output) as SagaEnd['output'] } : {}),
      };
    }
    if (Date.now() > deadline) throw new Error(`the checkout of ${orderId} is still running; the order: ${JSON.stringify(await orderOf(orderId))}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/**
 * The order once its checkout has ended, which must have ended in `CheckoutEnded` (completed, or compensated with the
 * money released), never `PaymentNotReleased` or a failed compensation; the saga's own failure is in the message.
 */
async function ended(orderId: string, timeoutMs?: number): Promise<{ saga: SagaEnd; order: Order }> {
  const saga = await sagaEnded(orderId, timeoutMs);
  const order = await orderOf(orderId);
  expect(saga, `the checkout ended ${saga.status} ${saga.error ?? ''}: ${saga.cause ?? ''}; the order: ${JSON.stringify(order)}`).toMatchObject({ status: 'SUCCEEDED' });
  return { saga, order };
}

/** Every intent an order's checkout created, per the order and the saga. */
function intentsOf(order: Order, saga: SagaEnd): string[] {
  return [...new Set([saga.output?.payment?.intentId, order.payment.intentId].filter((id): id is string => id !== undefined))];
}

/** Nothing is held on the intent and nothing kept: voided before capture, or captured and refunded in full. */
async function expectNoMoneyKept(intentId: string): Promise<SandboxIntent> {
  const intent = await ledger.intent(intentId);
  expect(intent.amount_capturable, `${intentId} still holds money`).toBe(0);
  if (intent.status === 'succeeded') await refundedPerWebhooks(intentId, intent.amount_received);
  else expect(intent).toMatchObject({ status: 'canceled', amount_received: 0 });
  return intent;
}

const send = (body: string, signature: string) =>
  api.request('POST', '/webhooks/payments', { body, contentType: 'application/json', headers: { 'stripe-signature': signature }, token: null });

/** A signed event for an intent nobody has, sent last and awaited: what the webhook queue held before it is applied too. */
async function drainWebhooks(name: string): Promise<void> {
  const intentId = `pi_e2e_${run}_${name}`;
  const event = signedEvent(
    { id: `evt_e2e_${run}_${name}`, type: 'payment_intent.created', object: { id: intentId, object: 'payment_intent', amount: 100, amount_received: 0, currency: 'gbp', status: 'requires_payment_method', metadata: {} } },
    LOCAL_WEBHOOK_SECRET,
  );
  expect((await send(event.body, event.signature)).status).toBe(200);
  await eventually(`the sentinel webhook ${name} applied`, () => itemAt(keys.payment(intentId)), 30_000);
}

beforeAll(async () => {
  shopper = api.as({ token: await api.mintToken(`e2e-failures-${run}`, ['shopper']) });
  otherShopper = api.as({ token: await api.mintToken(`e2e-failures-other-${run}`, ['shopper']) });
  staff = api.as({ token: await api.mintToken(`e2e-failures-staff-${run}`, ['store-manager'], [STORE]) });
  picker = api.as({ token: await api.mintToken(`e2e-failures-picker-${run}`, ['picker'], [STORE]) });
  expect(fixedSkus.length).toBeGreaterThanOrEqual(15);
  expect(weighedSkus.length).toBeGreaterThanOrEqual(4);
});

afterEach(async () => {
  await ledger.faults({});
  // A scenario that failed half-way may leave an injected failure behind for the next one.
  for (const stateName of ['Reserve', 'CreatePayment', 'AuthorizePayment', 'ConfirmOrder', 'CapturePayment', 'CommitStock', 'CompleteOrder']) {
    await injectTaskFailure(runtime.endpoints.sfn, { stateMachineArn: checkoutMachine, stateName, error: 'InjectedFault', count: 0 });
  }
});

afterAll(() => {
  db.destroy();
  sfn.destroy();
});

describe('3-D Secure', () => {
  it('waits in payment-pending with the action, and completes once the customer approves', async () => {
    const { cartId, sku, before, quantity } = await basket('fixed');
    const { id } = await started(cartId, 'pm_card_threeDSecure2Required');
    const pending = await settled(id, ['payment-pending', ...FINAL]);
    expect(pending).toMatchObject({ status: 'payment-pending', payment: { status: 'requires-action', authorized: 0, action: { type: expect.any(String) } } });
    // The client secret finishing 3-D Secure is the shopper's alone: staff read the order without it.
    expect(pending.payment.action).not.toHaveProperty('clientSecret');
    expect((await shopper.get<Order>(`/orders/${id}`)).body.payment.action).toMatchObject({ clientSecret: expect.any(String) });
    expect(pending.payment.action!.type).toBeTruthy();
    const intentId = pending.payment.intentId!;
    expect(await ledger.intent(intentId)).toMatchObject({ status: 'requires_action', amount_capturable: 0 });

    await ledger.authenticate(intentId, 'approve');
    const { order } = await ended(id, authenticationTimeoutMs + 30_000);
    expect(order).toMatchObject({ status: 'completed', payment: { intentId, authorized: order.totals.authorizationTotal, captured: order.totals.total, refunded: 0, status: 'captured' } });
    expect(order.payment.action).toBeUndefined();
    expect(eventsOf(order, 'capture')).toHaveLength(1);
    expect(await ledger.intent(intentId)).toMatchObject({ status: 'succeeded', amount_received: order.totals.total, amount_capturable: 0 });
    expect(await stockOf(sku)).toEqual({ available: before.available - quantity, reserved: before.reserved, committed: before.committed + quantity });
  });

  it('fails payment-declined when authentication fails: the intent is voided, the stock back, the cart open', async () => {
    const { cartId, sku, before } = await basket('fixed');
    const { id } = await started(cartId, 'pm_card_threeDSecure2Required');
    const pending = await settled(id, ['payment-pending', ...FINAL]);
    expect(pending.status).toBe('payment-pending');
    await ledger.authenticate(pending.payment.intentId!, 'fail');

    const { order } = await ended(id, authenticationTimeoutMs + 30_000);
    expect(order).toMatchObject({ status: 'failed', failureCode: 'payment-declined', payment: { captured: 0 } });
    expect(await ledger.intent(pending.payment.intentId!)).toMatchObject({ status: 'canceled', amount_capturable: 0, amount_received: 0 });
    expect(await stockOf(sku)).toEqual(before);
    expect((await shopper.get<Cart>(`/carts/${cartId}`)).body.status).toBe('open');
  });

  it('fails authentication-timeout when the customer never acts: the intent is canceled, the stock back', async () => {
    const { cartId, sku, before } = await basket('fixed');
    const { id } = await started(cartId, 'pm_card_threeDSecure2Required');
    const pending = await settled(id, ['payment-pending', ...FINAL]);
    expect(pending.status).toBe('payment-pending');

    const { order } = await ended(id, authenticationTimeoutMs + 30_000);
    expect(order).toMatchObject({ status: 'failed', failureCode: 'authentication-timeout', payment: { captured: 0 } });
    expect(await ledger.intent(pending.payment.intentId!)).toMatchObject({ status: 'canceled', amount_capturable: 0, amount_received: 0 });
    expect(await stockOf(sku)).toEqual(before);
    expect((await shopper.get<Cart>(`/carts/${cartId}`)).body.status).toBe('open');
  });
});

describe('a failure injected at each step of the saga', () => {
  it('fails at Reserve: nothing is held, the stock back, the cart reopens', async () => {
    const { cartId, sku, before } = await basket('fixed');
    await injectTaskFailure(runtime.endpoints.sfn, { stateMachineArn: checkoutMachine, stateName: 'Reserve', error: 'InjectedFault', cause: 'injected at Reserve' });
    // POST /checkout either waits for the saga's Reserve (a 409 naming the order) or reserves itself and answers 202.
    const response = await checkout(cartId, 'pm_card_visa');
    let orderId = response.body.id;
    if (response.status === 409) orderId = String((await problem(Promise.resolve(response), 409, 'checkout-error')).orderId);
    else expect(response.status, JSON.stringify(response.body)).toBe(202);
    const { saga, order } = await ended(orderId);
    expect(saga.output?.failure?.Error).toBe('InjectedFault');
    expect(order).toMatchObject({ status: 'failed', failureCode: 'checkout-error', payment: { authorized: 0, captured: 0 } });
    expect(order.payment.intentId).toBeUndefined();
    expect(await stockOf(sku)).toEqual(before);
    expect((await shopper.get<Cart>(`/carts/${cartId}`)).body.status).toBe('open');
  });

  it.each(['CreatePayment', 'AuthorizePayment', 'ConfirmOrder', 'CapturePayment', 'CommitStock', 'CompleteOrder'])(
    'fails at %s: the compensations leave no money held or kept, the stock back, the cart open',
    async (stateName) => {
      const { cartId, sku, before } = await basket('fixed');
      await injectTaskFailure(runtime.endpoints.sfn, { stateMachineArn: checkoutMachine, stateName, error: 'InjectedFault', cause: `injected at ${stateName}` });
      const { id } = await started(cartId, 'pm_card_visa');
      const { saga, order } = await ended(id);
      expect(saga.output?.failure?.Error).toBe('InjectedFault');
      expect(order).toMatchObject({ status: 'failed', failureCode: 'checkout-error' });
      const intents = intentsOf(order, saga);
      expect(intents).toHaveLength(stateName === 'CreatePayment' ? 0 : 1);
      for (const intentId of intents) await expectNoMoneyKept(intentId);
      expect(order.payment.refunded).toBe(order.payment.captured);
      expect(await stockOf(sku)).toEqual(before);
      expect((await shopper.get<Cart>(`/carts/${cartId}`)).body.status).toBe('open');
    },
  );

  it('retries a transient failure at CapturePayment: the order completes, captured once', async () => {
    const { cartId, sku, before, quantity } = await basket('fixed');
    await injectTaskFailure(runtime.endpoints.sfn, { stateMachineArn: checkoutMachine, stateName: 'CapturePayment', error: 'TransientPaymentError', count: 2 });
    const { id } = await started(cartId, 'pm_card_visa');
    const { order } = await ended(id);
    expect(order).toMatchObject({ status: 'completed', payment: { captured: order.totals.total, refunded: 0, status: 'captured' } });
    expect(eventsOf(order, 'capture')).toHaveLength(1);
    expect(await ledger.intent(order.payment.intentId!)).toMatchObject({ status: 'succeeded', amount_received: order.totals.total, amount_capturable: 0 });
    expect(await stockOf(sku)).toEqual({ available: before.available - quantity, reserved: before.reserved, committed: before.committed + quantity });
  });
});

describe('payment webhooks', () => {
  it('applies the sandbox’s events once however often and in whatever order they come, and the checkout completes once', async () => {
    const { cartId, sku, before, quantity } = await basket('fixed');
    // The sandbox itself sends each of its events five times, shuffled, for the whole of this 3-D Secure checkout.
    await ledger.faults({ duplicateWebhooks: 5, shuffleWebhooks: true });
    const { id } = await started(cartId, 'pm_card_threeDSecure2Required');
    const pending = await settled(id, ['payment-pending', ...FINAL]);
    expect(pending.status).toBe('payment-pending');
    const intentId = pending.payment.intentId!;
    await ledger.authenticate(intentId, 'approve');
    const { order } = await ended(id, authenticationTimeoutMs + 30_000);
    expect(order).toMatchObject({ status: 'completed', payment: { captured: order.totals.total, refunded: 0 } });
    await ledger.faults({});

    // Then its events for the intent again, five copies of each under the same event ids, shuffled.
    const intent = await ledger.intent(intentId);
    const snapshots: [string, Record<string, unknown>][] = [
      ['payment_intent.created', { ...intent, status: 'requires_payment_method', amount_capturable: 0, amount_received: 0 }],
      ['payment_intent.requires_action', { ...intent, status: 'requires_action', amount_capturable: 0, amount_received: 0 }],
      ['payment_intent.amount_capturable_updated', { ...intent, status: 'requires_capture', amount_capturable: intent.amount, amount_received: 0 }],
      ['payment_intent.succeeded', { ...intent }],
    ];
    const replays = snapshots.flatMap(([type, object], n) => Array.from({ length: 5 }, () => ({ id: `evt_replay_${run}_${n}`, type, object })));
    replays.sort(() => Math.random() - 0.5);
    for (const replay of replays) {
      const { body, signature } = signedEvent(replay, LOCAL_WEBHOOK_SECRET);
      expect((await send(body, signature)).status).toBe(200);
    }
    await drainWebhooks('after-replay');

    expect(await itemAt(keys.payment(intentId))).toMatchObject({
      status: 'succeeded',
      orderId: id,
      amount: order.payment.authorized,
      amountReceived: order.totals.total,
      amountRefunded: 0,
    });
    const after = await orderOf(id);
    expect(after).toMatchObject({ status: 'completed', version: order.version, payment: order.payment });
    expect(eventsOf(after, 'capture')).toHaveLength(1);
    expect(eventsOf(after, 'authorize')).toHaveLength(1);
    expect(await ledger.intent(intentId)).toMatchObject({ status: 'succeeded', amount_received: order.totals.total, amount_capturable: 0 });
    expect(await stockOf(sku)).toEqual({ available: before.available - quantity, reserved: before.reserved, committed: before.committed + quantity });
  });

  it('refuses a webhook with a bad signature with 401 and queues nothing', async () => {
    const intentId = `pi_e2e_${run}_forged`;
    const forged = signedEvent(
      { id: `evt_e2e_${run}_forged`, type: 'payment_intent.succeeded', object: { id: intentId, object: 'payment_intent', amount: 900, amount_received: 900, currency: 'gbp', status: 'succeeded', metadata: {} } },
      'whsec_not_ours',
    );
    expect((await problem(send(forged.body, forged.signature), 401)).type).toMatch(/bad-webhook-signature$/);
    await drainWebhooks('after-forged');
    expect(await itemAt(keys.payment(intentId))).toBeUndefined();
    expect(await itemAt(keys.processedEvent(WEBHOOK_CONSUMER, `evt_e2e_${run}_forged`))).toBeUndefined();
  });
});

describe('cancel', () => {
  it('right after POST /checkout: cancelled between steps, the stock back, the intent voided', async () => {
    const { cartId, sku, before } = await basket('fixed');
    // A slow payment provider keeps the saga at CreatePayment long enough to cancel in between.
    await ledger.faults({ latencyMs: 1500, count: 3 });
    const { id, status } = await started(cartId, 'pm_card_visa');
    expect(['reserved', 'authorized']).toContain(status);
    // Cancelled while CreatePayment waits on the provider: before it, no intent would exist to void.
    await eventually(`the checkout of ${id} to be creating its payment`, async () => ((await ledger.inFlight()).includes(idempotencyKey(id, 'authorize')) ? true : undefined), 10_000, 20);
    const cancelled = await shopper.post<Order>(`/orders/${id}/cancel`, { reason: 'changed my mind' });
    expect(cancelled.status).toBe(202);
    expect(cancelled.body.status).toBe('cancelled');

    // The order reads cancelled before the saga has compensated: its end is when the stock and the hold are released.
    const { saga, order } = await ended(id);
    expect(order).toMatchObject({ status: 'cancelled', payment: { captured: 0 } });
    const intents = intentsOf(order, saga);
    expect(intents).toHaveLength(1);
    for (const intentId of intents) expect(await ledger.intent(intentId)).toMatchObject({ status: 'canceled', amount_capturable: 0, amount_received: 0 });
    expect(await stockOf(sku)).toEqual(before);
  });

  it('while waiting for 3-D Secure: the wait ends, the intent is canceled, the stock back', async () => {
    const { cartId, sku, before } = await basket('fixed');
    const { id } = await started(cartId, 'pm_card_threeDSecure2Required');
    const pending = await settled(id, ['payment-pending', ...FINAL]);
    expect(pending.status).toBe('payment-pending');
    expect((await shopper.post<Order>(`/orders/${id}/cancel`, { reason: 'no card reader' })).status).toBe(202);

    const { order } = await ended(id, authenticationTimeoutMs + 30_000);
    expect(order).toMatchObject({ status: 'cancelled', payment: { captured: 0 } });
    expect(order.failureCode).not.toBe('authentication-timeout');
    expect(await ledger.intent(pending.payment.intentId!)).toMatchObject({ status: 'canceled', amount_capturable: 0, amount_received: 0 });
    expect(await stockOf(sku)).toEqual(before);
  });

  it('while picking: only staff may, the hold is voided, the stock back', async () => {
    const { cartId, sku, before } = await basket('weighed');
    const { id } = await started(cartId, 'pm_card_visa');
    const picking = await settled(id, ['picking', ...FINAL]);
    expect(picking.status).toBe('picking');
    const intentId = picking.payment.intentId!;
    expect((await ledger.intent(intentId)).amount_capturable).toBe(picking.payment.authorized);

    await problem(shopper.post(`/orders/${id}/cancel`, { reason: 'too late' }), 409, 'invalid-order-transition');
    expect((await staff.post<Order>(`/orders/${id}/cancel`, { reason: 'out of van capacity' })).status).toBe(202);
    const { order } = await ended(id);
    expect(order).toMatchObject({ status: 'cancelled', payment: { captured: 0 } });
    expect(await ledger.intent(intentId)).toMatchObject({ status: 'canceled', amount_capturable: 0, amount_received: 0 });
    expect(await stockOf(sku)).toEqual(before);
  });

  it('after completion: 409, and a refund gives the money back instead', async () => {
    const { cartId } = await basket('fixed');
    const { id } = await started(cartId, 'pm_card_visa');
    const { order: completed } = await ended(id);
    expect(completed.status).toBe('completed');
    await problem(shopper.post(`/orders/${id}/cancel`, { reason: 'too late' }), 409, 'invalid-order-transition');
    await problem(staff.post(`/orders/${id}/cancel`, { reason: 'too late' }), 409, 'invalid-order-transition');
    expect(await orderOf(id)).toMatchObject({ status: 'completed', version: completed.version });

    const refund = await staff.post(`/orders/${id}/refunds`, { reason: 'cancelled after delivery' }, { headers: { 'idempotency-key': `refund-${run}` } });
    expect(refund.status, JSON.stringify(refund.body)).toBe(200);
    expect(await orderOf(id)).toMatchObject({ status: 'refunded', payment: { captured: completed.totals.total, refunded: completed.totals.total } });
    await refundedPerWebhooks(completed.payment.intentId!, completed.totals.total);
  });

  it('by another shopper: 404, and the order carries on', async () => {
    const { cartId } = await basket('weighed');
    const { id } = await started(cartId, 'pm_card_visa');
    await problem(otherShopper.post(`/orders/${id}/cancel`, { reason: 'not mine' }), 404);
    const picking = await settled(id, ['picking', ...FINAL]);
    expect(picking.status).toBe('picking');
    expect((await staff.post(`/orders/${id}/cancel`, { reason: 'test clean-up' })).status).toBe(202);
    expect((await ended(id)).order.status).toBe('cancelled');
  });
});

describe('a pick above the hold', () => {
  /** Checks out a weighed basket with `paymentMethod` and picks 1.5 times the estimate. */
  async function pickAboveHold(paymentMethod: string) {
    const basketOf = await basket('weighed');
    const { id } = await started(basketOf.cartId, paymentMethod);
    let picking = await settled(id, ['picking', 'payment-pending', ...FINAL]);
    if (picking.status === 'payment-pending') {
      await ledger.authenticate(picking.payment.intentId!, 'approve');
      picking = await settled(id, ['picking', ...FINAL], authenticationTimeoutMs + 30_000);
    }
    expect(picking.status).toBe('picking');
    const grams = Math.round(basketOf.quantity * 1.5);
    const picked = await picker.post<PickResponse>(`/orders/${id}/pick`, { lines: [{ lineId: picking.lines[0]!.lineId, quantity: { grams } }] });
    expect(picked.status, JSON.stringify(picked.body)).toBe(200);
    expect(picked.body.reauthorizationRequired).toBe(true);
    expect(picked.body.finalTotal).toBeGreaterThan(picking.payment.authorized);
    return { ...basketOf, id, picking, picked: picked.body, grams };
  }

  it('re-authorizes off session for the final amount, captures the new intent and voids the old one', async () => {
    const { id, sku, before, picking, picked, grams } = await pickAboveHold('pm_card_visa');
    const { order } = await ended(id);
    const oldIntent = picking.payment.intentId!;
    expect(order).toMatchObject({ status: 'completed', payment: { captured: picked.finalTotal, refunded: 0 } });
    expect(order.payment.intentId).not.toBe(oldIntent);
    expect(order.payment.authorized).toBeGreaterThanOrEqual(picked.finalTotal);
    expect(await ledger.intent(order.payment.intentId!)).toMatchObject({ status: 'succeeded', amount_received: picked.finalTotal, amount_capturable: 0 });
    expect(await ledger.intent(oldIntent)).toMatchObject({ status: 'canceled', amount_capturable: 0, amount_received: 0 });
    expect(await stockOf(sku)).toEqual({ available: before.available - grams, reserved: before.reserved, committed: before.committed + grams });
  });

  it('asks the shopper when the bank wants the off-session re-authorization authenticated; failing it fails the order payment-declined, nothing captured, both intents voided, the stock back', async () => {
    const { id, sku, before, picking } = await pickAboveHold('pm_card_authenticationRequired');
    const asking = await eventually(`order ${id} to ask its shopper`, async () => {
      const order = (await shopper.get<Order>(`/orders/${id}`)).body;
      return order.payment.action?.type === 'confirm_payment' ? order : undefined;
    });
    expect(asking).toMatchObject({ status: 'picked', payment: { status: 'requires-action', intentId: picking.payment.intentId } });
    const asked = asking.payment.action!.intentId!;
    await ledger.confirmOnSession(asked);
    await ledger.authenticate(asked, 'fail');
    const { order } = await ended(id, authenticationTimeoutMs + 30_000);
    expect(order).toMatchObject({ status: 'failed', failureCode: 'payment-declined', payment: { captured: 0 } });
    expect(await ledger.intent(picking.payment.intentId!)).toMatchObject({ status: 'canceled', amount_capturable: 0, amount_received: 0 });
    expect(await ledger.intent(asked)).toMatchObject({ status: 'canceled', amount_capturable: 0, amount_received: 0 });
    expect(await stockOf(sku)).toEqual(before);
  });

  it('ends the wait at once when the shopper asked to authenticate cancels instead: cancelled, both intents voided, the stock back', async () => {
    const { id, sku, before, picking } = await pickAboveHold('pm_card_authenticationRequired');
    const asking = await eventually(`order ${id} to ask its shopper`, async () => {
      const order = (await shopper.get<Order>(`/orders/${id}`)).body;
      return order.payment.action?.type === 'confirm_payment' ? order : undefined;
    });
    const asked = asking.payment.action!.intentId!;
    const cancelled = await shopper.post<Order>(`/orders/${id}/cancel`, { reason: 'not at that price' });
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(202);
    const { saga, order } = await ended(id, 30_000);
    // Ended by the cancel (the wait failed with OrderCancelled), not by AwaitReauthentication's timeout.
    expect(saga.output?.failure?.Error).toBe('OrderCancelled');
    expect(order).toMatchObject({ status: 'cancelled', payment: { captured: 0 } });
    expect(await ledger.intent(picking.payment.intentId!)).toMatchObject({ status: 'canceled', amount_capturable: 0, amount_received: 0 });
    expect(await ledger.intent(asked)).toMatchObject({ status: 'canceled', amount_capturable: 0, amount_received: 0 });
    expect(await stockOf(sku)).toEqual(before);
  });
});
