import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startPaymentsSandbox, type PaymentsSandbox } from '../../../infra/local/payments-sandbox/server.js';
import {
  CaptureExceedsAuthorizationError,
  IdempotencyMismatchError,
  PaymentError,
  idempotencyKey,
  type Authorization,
  type PaymentGateway,
} from '../../../shared/payments/gateway.js';
import { stripeGateway } from '../../../shared/payments/stripe-gateway.js';

const SECRET = 'whsec_sandbox_test_secret';
const gbp = (amount: number) => ({ amount, currency: 'GBP' });

interface Received {
  body: string;
  signature: string;
}

/** A webhook endpoint that records what it receives and can refuse the first deliveries. */
async function receiver(): Promise<{ url: string; received: Received[]; refuse: (n: number) => void; server: Server }> {
  const received: Received[] = [];
  let refusals = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (refusals > 0) {
        refusals -= 1;
        res.writeHead(500).end();
        return;
      }
      received.push({ body: Buffer.concat(chunks).toString('utf8'), signature: String(req.headers['stripe-signature']) });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/payments`,
    received,
    refuse: (n) => {
      refusals = n;
    },
    server,
  };
}

let sandbox: PaymentsSandbox;
let gateway: PaymentGateway;
let hook: Awaited<ReturnType<typeof receiver>>;
let orders = 0;

/** A fresh order id per test, so idempotency keys never collide across tests. */
const anOrder = () => `ord${Date.now()}x${(orders += 1)}`;

async function authorized(orderId: string, amount = 1000): Promise<Extract<Authorization, { status: 'authorized' }>> {
  const result = await gateway.authorize({ orderId, amount: gbp(amount), paymentMethod: 'pm_card_visa' }, idempotencyKey(orderId, 'authorize'));
  if (result.status !== 'authorized') throw new Error(`expected an authorization, got ${result.status}`);
  return result;
}

async function failure(call: Promise<unknown>): Promise<PaymentError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PaymentError);
  return error as PaymentError;
}

async function authenticate(intentId: string, outcome: 'approve' | 'fail'): Promise<void> {
  const response = await fetch(`${sandbox.url}/_sandbox/payment_intents/${intentId}/authenticate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ outcome }),
  });
  expect(response.status).toBe(200);
}

const intentsOf = (orderId: string) => sandbox.paymentIntents().filter((pi) => pi.metadata.orderId === orderId);

beforeAll(async () => {
  hook = await receiver();
  sandbox = await startPaymentsSandbox();
  gateway = stripeGateway({ ...sandbox.stripeOptions, maxNetworkRetries: 2 });
});

afterEach(async () => {
  sandbox.faults({});
  sandbox.webhook(undefined);
  await sandbox.webhooksIdle();
});

afterAll(async () => {
  await sandbox.stop();
  await new Promise((resolve) => hook.server.close(resolve));
});

describe('Stripe gateway against the payments sandbox', () => {
  it('authorizes with manual capture, then captures less than the hold and releases the rest', async () => {
    const orderId = anOrder();
    const { payment } = await authorized(orderId, 1000);
    expect(payment).toMatchObject({ status: 'requires_capture', amount: gbp(1000), capturable: 1000, captured: 0 });
    const captured = await gateway.capture({ intentId: payment.intentId, amount: gbp(850), authorized: gbp(1000) }, idempotencyKey(orderId, 'capture'));
    expect(captured).toMatchObject({ status: 'succeeded', captured: 850, capturable: 0 });
    expect(intentsOf(orderId)[0]).toMatchObject({ capture_method: 'manual', amount_received: 850, metadata: { orderId } });
  });

  it('refuses to capture above the authorization before calling Stripe, and Stripe refuses it too', async () => {
    const orderId = anOrder();
    const { payment } = await authorized(orderId, 1000);
    const local = await failure(gateway.capture({ intentId: payment.intentId, amount: gbp(1001), authorized: gbp(1000) }, idempotencyKey(orderId, 'capture')));
    expect(local).toBeInstanceOf(CaptureExceedsAuthorizationError);
    expect((await gateway.retrieve(payment.intentId)).status).toBe('requires_capture');
    const remote = await failure(gateway.capture({ intentId: payment.intentId, amount: gbp(1500), authorized: gbp(2000) }, idempotencyKey(orderId, 'capture')));
    expect(remote).toMatchObject({ kind: 'permanent', code: 'amount_too_large' });
    expect((await gateway.retrieve(payment.intentId)).capturable).toBe(1000);
  });

  it.each([
    ['pm_card_chargeDeclined', 'generic_decline'],
    ['pm_card_chargeDeclinedInsufficientFunds', 'insufficient_funds'],
    ['pm_card_chargeDeclinedExpiredCard', 'expired_card'],
  ])('returns a decline for %s with decline code %s and holds nothing', async (paymentMethod, declineCode) => {
    const orderId = anOrder();
    const result = await gateway.authorize({ orderId, amount: gbp(500), paymentMethod }, idempotencyKey(orderId, 'authorize'));
    expect(result).toMatchObject({ status: 'declined', declineCode });
    const [intent] = intentsOf(orderId);
    expect(intent).toMatchObject({ status: 'requires_payment_method', amount_capturable: 0, last_payment_error: { decline_code: declineCode } });
    expect(result.status === 'declined' && result.intentId).toBe(intent?.id);
  });

  it('asks for 3DS, then holds the money when the customer approves', async () => {
    const orderId = anOrder();
    const result = await gateway.authorize({ orderId, amount: gbp(700), paymentMethod: 'pm_card_authenticationRequired' }, idempotencyKey(orderId, 'authorize'));
    if (result.status !== 'requires_action') throw new Error(`expected requires_action, got ${result.status}`);
    expect(result.clientSecret).toMatch(new RegExp(`^${result.payment.intentId}_secret_`));
    expect(result.nextAction).toBe('use_stripe_sdk');
    expect(result.payment.capturable).toBe(0);
    await authenticate(result.payment.intentId, 'approve');
    expect(await gateway.retrieve(result.payment.intentId)).toMatchObject({ status: 'requires_capture', capturable: 700 });
  });

  it('asks for 3DS with a redirect when given a return URL, and holds nothing when authentication fails', async () => {
    const orderId = anOrder();
    const result = await gateway.authorize(
      { orderId, amount: gbp(700), paymentMethod: 'pm_card_authenticationRequired', returnUrl: 'https://shop.example/return' },
      idempotencyKey(orderId, 'authorize'),
    );
    if (result.status !== 'requires_action') throw new Error(`expected requires_action, got ${result.status}`);
    expect(result).toMatchObject({ nextAction: 'redirect_to_url', redirectUrl: expect.stringContaining(result.payment.intentId) });
    await authenticate(result.payment.intentId, 'fail');
    expect(await gateway.retrieve(result.payment.intentId)).toMatchObject({ status: 'requires_payment_method', capturable: 0 });
  });

  it('cancels a hold, and a second cancel is a permanent error', async () => {
    const orderId = anOrder();
    const { payment } = await authorized(orderId);
    expect(await gateway.cancel(payment.intentId, idempotencyKey(orderId, 'cancel'))).toMatchObject({ status: 'canceled', capturable: 0, captured: 0 });
    expect(await gateway.cancel(payment.intentId, idempotencyKey(orderId, 'cancel'))).toMatchObject({ status: 'canceled' });
    const again = await failure(gateway.cancel(payment.intentId, idempotencyKey(orderId, 'cancel', 'again')));
    expect(again).toMatchObject({ kind: 'permanent', code: 'payment_intent_unexpected_state' });
  });

  it('refunds part of a capture, replays a refund with the same key, and refuses more than is left', async () => {
    const orderId = anOrder();
    const { payment } = await authorized(orderId, 1000);
    await gateway.capture({ intentId: payment.intentId, amount: gbp(900), authorized: gbp(1000) }, idempotencyKey(orderId, 'capture'));
    const first = await gateway.refund({ intentId: payment.intentId, amount: gbp(300) }, idempotencyKey(orderId, 'refund', 'r1'));
    expect(first).toMatchObject({ intentId: payment.intentId, amount: gbp(300), status: 'succeeded' });
    expect(await gateway.refund({ intentId: payment.intentId, amount: gbp(300) }, idempotencyKey(orderId, 'refund', 'r1'))).toEqual(first);
    const tooMuch = await failure(gateway.refund({ intentId: payment.intentId, amount: gbp(601) }, idempotencyKey(orderId, 'refund', 'r2')));
    expect(tooMuch).toMatchObject({ kind: 'permanent', code: 'amount_too_large' });
    expect(await gateway.refund({ intentId: payment.intentId }, idempotencyKey(orderId, 'refund', 'r3'))).toMatchObject({ amount: gbp(600) });
  });

  it('replays an authorization with the same key: the same intent, and only one', async () => {
    const orderId = anOrder();
    const first = await authorized(orderId);
    const second = await authorized(orderId);
    expect(second.payment.intentId).toBe(first.payment.intentId);
    expect(intentsOf(orderId)).toHaveLength(1);
  });

  it('refuses the same key with different parameters as an idempotency mismatch', async () => {
    const orderId = anOrder();
    await authorized(orderId, 1000);
    const error = await failure(gateway.authorize({ orderId, amount: gbp(1200), paymentMethod: 'pm_card_visa' }, idempotencyKey(orderId, 'authorize')));
    expect(error).toBeInstanceOf(IdempotencyMismatchError);
    expect(intentsOf(orderId)).toHaveLength(1);
  });

  it('retries a dropped response with the same key and ends with one intent', async () => {
    const orderId = anOrder();
    sandbox.faults({ dropResponse: true, count: 1 });
    const result = await authorized(orderId);
    expect(intentsOf(orderId).map((pi) => pi.id)).toEqual([result.payment.intentId]);
  });

  it('answers a concurrent call with the same key with a 409 that the client retries into the same single intent', async () => {
    const orderId = anOrder();
    sandbox.faults({ latencyMs: 200, count: 2 });
    const [first, second] = await Promise.all([authorized(orderId), authorized(orderId)]);
    expect(second.payment.intentId).toBe(first.payment.intentId);
    expect(intentsOf(orderId)).toHaveLength(1);
  });

  it('reports 500s and 429s that outlast the client’s retries as transient, having created nothing', async () => {
    const impatient = stripeGateway({ ...sandbox.stripeOptions, maxNetworkRetries: 0 });
    for (const status of [500, 429] as const) {
      const orderId = anOrder();
      sandbox.faults({ errorRate: 1, status, count: 1 });
      const error = await failure(impatient.authorize({ orderId, amount: gbp(100), paymentMethod: 'pm_card_visa' }, idempotencyKey(orderId, 'authorize')));
      expect(error.kind).toBe('transient');
      expect(intentsOf(orderId)).toHaveLength(0);
    }
  });

  it('refuses an unknown payment method and a key that is not a test key as permanent errors', async () => {
    const orderId = anOrder();
    const unknown = await failure(gateway.authorize({ orderId, amount: gbp(100), paymentMethod: 'pm_card_nonexistent' }, idempotencyKey(orderId, 'authorize')));
    expect(unknown).toMatchObject({ kind: 'permanent', code: 'resource_missing' });
    const live = stripeGateway({ ...sandbox.stripeOptions, secretKey: 'sk_live_nope' });
    expect(await failure(live.retrieve('pi_any'))).toMatchObject({ kind: 'permanent' });
  });

  it('creates a customer and a SetupIntent to save a payment method', async () => {
    const orderId = anOrder();
    const { customerId } = await gateway.createCustomer({ shopperId: 'alice', email: 'alice@example.com' }, idempotencyKey(orderId, 'customer'));
    expect(customerId).toMatch(/^cus_/);
    const setup = await gateway.createSetupIntent(customerId, idempotencyKey(orderId, 'setup'));
    expect(setup).toMatchObject({ setupIntentId: expect.stringMatching(/^seti_/), status: 'requires_payment_method' });
    expect(setup.clientSecret).toMatch(new RegExp(`^${setup.setupIntentId}_secret_`));
    const result = await gateway.authorize({ orderId, amount: gbp(100), paymentMethod: 'pm_card_visa', customerId }, idempotencyKey(orderId, 'authorize'));
    expect(result.status).toBe('authorized');
  });
});

describe('payments sandbox webhooks', () => {
  it('sends events signed so that stripe-node’s constructEvent verifies them, retrying a refused delivery', async () => {
    hook.received.length = 0;
    hook.refuse(1);
    sandbox.webhook({ url: hook.url, secret: SECRET });
    const orderId = anOrder();
    const { payment } = await authorized(orderId);
    await gateway.capture({ intentId: payment.intentId, amount: gbp(1000), authorized: gbp(1000) }, idempotencyKey(orderId, 'capture'));
    await sandbox.webhooksIdle();
    const events = hook.received.map(({ body, signature }) => Stripe.webhooks.constructEvent(body, signature, SECRET));
    // The refused delivery is retried after a backoff, so it may arrive last: order is not promised, as on Stripe.
    expect(events.map((e) => e.type).sort()).toEqual(['payment_intent.amount_capturable_updated', 'payment_intent.created', 'payment_intent.succeeded']);
    expect(events.every((e) => (e.data.object as { id: string }).id === payment.intentId)).toBe(true);
    const first = hook.received[0] as Received;
    expect(() => Stripe.webhooks.constructEvent(first.body, first.signature, 'whsec_another')).toThrow(Stripe.errors.StripeSignatureVerificationError);
  });

  it('reports declines, cancellations and refunds, and duplicates and shuffles deliveries on request', async () => {
    hook.received.length = 0;
    sandbox.webhook({ url: hook.url, secret: SECRET });
    sandbox.faults({ duplicateWebhooks: 3, shuffleWebhooks: true });
    const declined = anOrder();
    await gateway.authorize({ orderId: declined, amount: gbp(100), paymentMethod: 'pm_card_chargeDeclined' }, idempotencyKey(declined, 'authorize'));
    const canceled = anOrder();
    await gateway.cancel((await authorized(canceled)).payment.intentId, idempotencyKey(canceled, 'cancel'));
    const refunded = anOrder();
    const { payment } = await authorized(refunded);
    await gateway.capture({ intentId: payment.intentId, amount: gbp(1000), authorized: gbp(1000) }, idempotencyKey(refunded, 'capture'));
    await gateway.refund({ intentId: payment.intentId }, idempotencyKey(refunded, 'refund', 'all'));
    await sandbox.webhooksIdle();
    const events = hook.received.map(({ body, signature }) => Stripe.webhooks.constructEvent(body, signature, SECRET));
    const counts = new Map<string, number>();
    for (const event of events) counts.set(event.id, (counts.get(event.id) ?? 0) + 1);
    expect([...counts.values()].every((n) => n === 3)).toBe(true);
    expect(new Set(events.map((e) => e.type))).toEqual(
      new Set([
        'payment_intent.created',
        'payment_intent.payment_failed',
        'payment_intent.amount_capturable_updated',
        'payment_intent.canceled',
        'payment_intent.succeeded',
        'charge.refunded',
      ]),
    );
  });
});
