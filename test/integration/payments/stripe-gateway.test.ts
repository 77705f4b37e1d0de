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
import { stripeClient, stripeGateway } from '../../../shared/payments/stripe-gateway.js';

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

interface Attempt {
  amount?: number;
  paymentMethod?: string;
  returnUrl?: string;
  customerId?: string;
  /** A re-authorization after picking: off session, under the re-authorization step keys. */
  offSession?: boolean;
}

/** The saga's two steps: create the intent (its id is known before any hold), then confirm it. */
async function authorize(orderId: string, attempt: Attempt = {}): Promise<Authorization> {
  const { amount = 1000, paymentMethod = 'pm_card_visa', returnUrl, customerId, offSession = false } = attempt;
  const created = await gateway.createIntent(
    { orderId, amount: gbp(amount), paymentMethod, ...(returnUrl === undefined ? {} : { returnUrl }), ...(customerId === undefined ? {} : { customerId }), offSession },
    idempotencyKey(orderId, offSession ? 'reauthorize' : 'authorize'),
  );
  return gateway.confirm(created.intentId, idempotencyKey(orderId, offSession ? 'reauthorize-confirm' : 'confirm'), {
    offSession,
    ...(returnUrl === undefined ? {} : { returnUrl }),
  });
}

async function authorized(orderId: string, amount = 1000): Promise<Extract<Authorization, { status: 'authorized' }>> {
  const result = await authorize(orderId, { amount });
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
  it('creates an intent that holds nothing until it is confirmed', async () => {
    const orderId = anOrder();
    const created = await gateway.createIntent({ orderId, amount: gbp(1000), paymentMethod: 'pm_card_visa' }, idempotencyKey(orderId, 'authorize'));
    expect(created).toMatchObject({ intentId: expect.stringMatching(/^pi_/), status: 'requires_confirmation', capturable: 0, captured: 0 });
    // As on Stripe, naming a test card makes a new PaymentMethod: the intent carries its own pm_ id.
    expect(intentsOf(orderId)).toEqual([
      expect.objectContaining({ id: created.intentId, capture_method: 'manual', payment_method: expect.stringMatching(/^pm_(?!card_)/), status: 'requires_confirmation' }),
    ]);
    expect(created.paymentMethod).toBe(intentsOf(orderId)[0]!.payment_method);
    const result = await gateway.confirm(created.intentId, idempotencyKey(orderId, 'confirm'));
    expect(result).toMatchObject({ status: 'authorized', payment: { intentId: created.intentId, status: 'requires_capture', capturable: 1000 } });
  });

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
    const result = await authorize(orderId, { amount: 500, paymentMethod });
    expect(result).toMatchObject({ status: 'declined', declineCode });
    const [intent] = intentsOf(orderId);
    expect(intent).toMatchObject({ status: 'requires_payment_method', amount_capturable: 0, last_payment_error: { decline_code: declineCode } });
    expect(result.status === 'declined' && result.intentId).toBe(intent?.id);
  });

  it('asks for 3DS, then holds the money when the customer approves', async () => {
    const orderId = anOrder();
    const result = await authorize(orderId, { amount: 700, paymentMethod: 'pm_card_threeDSecure2Required' });
    if (result.status !== 'requires_action') throw new Error(`expected requires_action, got ${result.status}`);
    expect(result.clientSecret).toMatch(new RegExp(`^${result.payment.intentId}_secret_`));
    expect(result.nextAction).toBe('use_stripe_sdk');
    expect(result.payment.capturable).toBe(0);
    await authenticate(result.payment.intentId, 'approve');
    expect(await gateway.retrieve(result.payment.intentId)).toMatchObject({ status: 'requires_capture', capturable: 700 });
  });

  it('asks for 3DS with a redirect when given a return URL, and holds nothing when authentication fails', async () => {
    const orderId = anOrder();
    const result = await authorize(orderId, { amount: 700, paymentMethod: 'pm_card_authenticationRequired', returnUrl: 'https://shop.example/return' });
    if (result.status !== 'requires_action') throw new Error(`expected requires_action, got ${result.status}`);
    expect(result).toMatchObject({ nextAction: 'redirect_to_url', redirectUrl: expect.stringContaining(result.payment.intentId) });
    await authenticate(result.payment.intentId, 'fail');
    expect(await gateway.retrieve(result.payment.intentId)).toMatchObject({ status: 'requires_payment_method', capturable: 0 });
  });

  it('declines a card that needs authentication when confirmed off session, as Stripe does, and holds nothing', async () => {
    for (const paymentMethod of ['pm_card_threeDSecure2Required', 'pm_card_authenticationRequiredOnSetup', 'pm_card_authenticationRequired']) {
      const orderId = anOrder();
      const result = await authorize(orderId, { paymentMethod, offSession: true });
      expect(result, paymentMethod).toMatchObject({ status: 'declined', declineCode: 'authentication_required' });
      expect(intentsOf(orderId)).toEqual([
        expect.objectContaining({ status: 'requires_payment_method', amount_capturable: 0, last_payment_error: expect.objectContaining({ code: 'authentication_required' }) }),
      ]);
    }
    const orderId = anOrder();
    expect(await authorize(orderId, { paymentMethod: 'pm_card_visa', offSession: true })).toMatchObject({ status: 'authorized', payment: { capturable: 1000 } });
  });

  it('cancels a hold; cancelling again, with the same key or another, returns the canceled intent', async () => {
    const orderId = anOrder();
    const { payment } = await authorized(orderId);
    expect(await gateway.cancel(payment.intentId, idempotencyKey(orderId, 'cancel'))).toMatchObject({ status: 'canceled', capturable: 0, captured: 0 });
    expect(await gateway.cancel(payment.intentId, idempotencyKey(orderId, 'cancel'))).toMatchObject({ status: 'canceled' });
    expect(await gateway.cancel(payment.intentId, idempotencyKey(orderId, 'cancel', 'again'))).toMatchObject({ status: 'canceled', capturable: 0 });
  });

  it('cancels an intent that was created but never confirmed, and one whose confirmation was declined', async () => {
    const orderId = anOrder();
    const created = await gateway.createIntent({ orderId, amount: gbp(1000), paymentMethod: 'pm_card_visa' }, idempotencyKey(orderId, 'authorize'));
    expect(await gateway.cancel(created.intentId, idempotencyKey(orderId, 'cancel'))).toMatchObject({ status: 'canceled' });
    const declined = anOrder();
    const result = await authorize(declined, { paymentMethod: 'pm_card_chargeDeclined' });
    if (result.status !== 'declined' || result.intentId === undefined) throw new Error(`expected a decline with its intent, got ${result.status}`);
    expect(await gateway.cancel(result.intentId, idempotencyKey(declined, 'cancel'))).toMatchObject({ status: 'canceled' });
  });

  it('captures again under another key only for the amount already captured, and never cancels a capture', async () => {
    const orderId = anOrder();
    const { payment } = await authorized(orderId, 1000);
    const capture = (amount: number, key: string) => gateway.capture({ intentId: payment.intentId, amount: gbp(amount), authorized: gbp(1000) }, key);
    const first = await capture(850, idempotencyKey(orderId, 'capture'));
    expect(await capture(850, idempotencyKey(orderId, 'capture', 'rerun'))).toEqual(first);
    expect(await failure(capture(900, idempotencyKey(orderId, 'capture', 'other')))).toMatchObject({ kind: 'permanent', code: 'payment_intent_unexpected_state' });
    expect(await failure(gateway.cancel(payment.intentId, idempotencyKey(orderId, 'cancel')))).toMatchObject({ kind: 'permanent', code: 'payment_intent_unexpected_state' });
    expect(await gateway.retrieve(payment.intentId)).toMatchObject({ status: 'succeeded', captured: 850 });
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

  it('replays creation and confirmation with the same keys: the same intent, one hold, and a new key cannot confirm twice', async () => {
    const orderId = anOrder();
    const first = await authorized(orderId);
    const second = await authorized(orderId);
    expect(second).toEqual(first);
    expect(intentsOf(orderId)).toHaveLength(1);
    const again = await failure(gateway.confirm(first.payment.intentId, idempotencyKey(orderId, 'confirm', 'again')));
    expect(again).toMatchObject({ kind: 'permanent', code: 'payment_intent_unexpected_state' });
  });

  it('replays a decline with the same confirmation key, as Stripe does', async () => {
    const orderId = anOrder();
    const first = await authorize(orderId, { paymentMethod: 'pm_card_chargeDeclinedInsufficientFunds' });
    expect(first).toMatchObject({ status: 'declined', declineCode: 'insufficient_funds' });
    expect(await authorize(orderId, { paymentMethod: 'pm_card_chargeDeclinedInsufficientFunds' })).toEqual(first);
    expect(intentsOf(orderId)).toHaveLength(1);
  });

  it('refuses the same key with different parameters as an idempotency mismatch', async () => {
    const orderId = anOrder();
    const { payment } = await authorized(orderId, 1000);
    const error = await failure(gateway.createIntent({ orderId, amount: gbp(1200), paymentMethod: 'pm_card_visa' }, idempotencyKey(orderId, 'authorize')));
    expect(error).toBeInstanceOf(IdempotencyMismatchError);
    const confirmAgain = await failure(gateway.confirm(payment.intentId, idempotencyKey(orderId, 'confirm'), { returnUrl: 'https://shop.example/return' }));
    expect(confirmAgain).toBeInstanceOf(IdempotencyMismatchError);
    expect(intentsOf(orderId)).toHaveLength(1);
  });

  it('retries a dropped response with the same key and ends with one intent and one hold, for creation and confirmation', async () => {
    for (const skip of [0, 1]) {
      const orderId = anOrder();
      // skip 1: the creation answers, the confirmation's answer is dropped.
      if (skip === 0) sandbox.faults({ dropResponse: true, count: 1 });
      const created = await gateway.createIntent({ orderId, amount: gbp(1000), paymentMethod: 'pm_card_visa' }, idempotencyKey(orderId, 'authorize'));
      if (skip === 1) sandbox.faults({ dropResponse: true, count: 1 });
      const result = await gateway.confirm(created.intentId, idempotencyKey(orderId, 'confirm'));
      expect(result).toMatchObject({ status: 'authorized', payment: { intentId: created.intentId, capturable: 1000 } });
      expect(intentsOf(orderId).map((pi) => pi.id)).toEqual([created.intentId]);
    }
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
      const error = await failure(impatient.createIntent({ orderId, amount: gbp(100), paymentMethod: 'pm_card_visa' }, idempotencyKey(orderId, 'authorize')));
      expect(error.kind).toBe('transient');
      expect(intentsOf(orderId)).toHaveLength(0);
    }
  });

  it('after a fault on confirm, capture, refund or cancel, a retry with the same key does the work once', async () => {
    const impatient = stripeGateway({ ...sandbox.stripeOptions, maxNetworkRetries: 0 });
    const faultThen = async <T>(call: () => Promise<T>): Promise<T> => {
      sandbox.faults({ errorRate: 1, status: 500, count: 1 });
      expect((await failure(call())).kind).toBe('transient');
      return call();
    };
    const orderId = anOrder();
    const created = await impatient.createIntent({ orderId, amount: gbp(1000), paymentMethod: 'pm_card_visa' }, idempotencyKey(orderId, 'authorize'));
    expect(await faultThen(() => impatient.confirm(created.intentId, idempotencyKey(orderId, 'confirm')))).toMatchObject({ status: 'authorized' });
    const capture = () => impatient.capture({ intentId: created.intentId, amount: gbp(800), authorized: gbp(1000) }, idempotencyKey(orderId, 'capture'));
    expect(await faultThen(capture)).toMatchObject({ status: 'succeeded', captured: 800 });
    expect(await faultThen(() => impatient.refund({ intentId: created.intentId, amount: gbp(300) }, idempotencyKey(orderId, 'refund', 'r1')))).toMatchObject({
      amount: gbp(300),
    });
    expect(await impatient.refund({ intentId: created.intentId }, idempotencyKey(orderId, 'refund', 'rest'))).toMatchObject({ amount: gbp(500) });

    const voided = anOrder();
    const { payment } = await authorized(voided);
    expect(await faultThen(() => impatient.cancel(payment.intentId, idempotencyKey(voided, 'cancel')))).toMatchObject({ status: 'canceled' });
  });

  it('refuses an unknown payment method and a key that is not a test key as permanent errors', async () => {
    const orderId = anOrder();
    const unknown = await failure(gateway.createIntent({ orderId, amount: gbp(100), paymentMethod: 'pm_card_nonexistent' }, idempotencyKey(orderId, 'authorize')));
    expect(unknown).toMatchObject({ kind: 'permanent', code: 'resource_missing' });
    expect(intentsOf(orderId)).toHaveLength(0);
    const live = stripeGateway({ ...sandbox.stripeOptions, secretKey: 'sk_live_nope' });
    expect(await failure(live.retrieve('pi_any'))).toMatchObject({ kind: 'permanent' });
  });

  it('refuses off_session on an intent that is not confirmed in the same call, as Stripe does', async () => {
    const stripe = stripeClient(sandbox.stripeOptions);
    const refused = await stripe.paymentIntents
      .create({ amount: 100, currency: 'gbp', payment_method: 'pm_card_visa', off_session: true })
      .then(() => undefined, (e: unknown) => e);
    expect(refused).toMatchObject({ type: 'StripeInvalidRequestError', param: 'off_session' });
  });

  it('creates a customer and a SetupIntent to save a payment method', async () => {
    const orderId = anOrder();
    const { customerId } = await gateway.createCustomer({ shopperId: 'alice', email: 'alice@example.com' }, idempotencyKey(orderId, 'customer'));
    expect(customerId).toMatch(/^cus_/);
    const setup = await gateway.createSetupIntent(customerId, idempotencyKey(orderId, 'setup'));
    expect(setup).toMatchObject({ setupIntentId: expect.stringMatching(/^seti_/), status: 'requires_payment_method' });
    expect(setup.clientSecret).toMatch(new RegExp(`^${setup.setupIntentId}_secret_`));
    const result = await authorize(orderId, { amount: 100, customerId });
    expect(result.status).toBe('authorized');
    expect(intentsOf(orderId)[0]).toMatchObject({ customer: customerId });
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
    await authorize(declined, { amount: 100, paymentMethod: 'pm_card_chargeDeclined' });
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
