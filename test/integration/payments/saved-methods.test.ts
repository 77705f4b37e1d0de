import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPaymentsSandbox, type PaymentsSandbox } from '../../../infra/local/payments-sandbox/server.js';
import { PaymentError, idempotencyKey, type Authorization, type PaymentGateway } from '../../../shared/payments/gateway.js';
import { stripeClient, stripeGateway } from '../../../shared/payments/stripe-gateway.js';

/**
 * Saved payment methods in the payments sandbox, driven through the real stripe client and our adapter: the sandbox
 * must refuse what Stripe refuses (a method reused without a customer, a detached one, another customer's), save what
 * Stripe saves (a confirmed SetupIntent, a payment with setup_future_usage) and decline off session what Stripe
 * declines (the test cards that need authentication), so that what passes locally passes on live Stripe.
 */

let sandbox: PaymentsSandbox;
let gateway: PaymentGateway;
let stripe: Stripe;
let orders = 0;
const anOrder = () => `ordsaved${Date.now()}x${(orders += 1)}`;
const gbp = (amount: number) => ({ amount, currency: 'GBP' });

beforeAll(async () => {
  sandbox = await startPaymentsSandbox();
  gateway = stripeGateway({ ...sandbox.stripeOptions, maxNetworkRetries: 0 });
  stripe = stripeClient({ ...sandbox.stripeOptions, maxNetworkRetries: 0 });
});

afterAll(async () => {
  await sandbox.stop();
});

interface Attempt {
  paymentMethod: string;
  customerId?: string;
  offSession?: boolean;
  save?: boolean;
}

async function pay(attempt: Attempt): Promise<Authorization> {
  const orderId = anOrder();
  const offSession = attempt.offSession ?? false;
  const created = await gateway.createIntent(
    {
      orderId,
      amount: gbp(1500),
      paymentMethod: attempt.paymentMethod,
      offSession,
      ...(attempt.customerId === undefined ? {} : { customerId: attempt.customerId }),
      ...(attempt.save ? { saveForOffSession: true } : {}),
    },
    idempotencyKey(orderId, 'authorize'),
  );
  return gateway.confirm(created.intentId, idempotencyKey(orderId, 'confirm'), { offSession });
}

async function failure(call: Promise<unknown>): Promise<PaymentError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PaymentError);
  return error as PaymentError;
}

async function aCustomer(): Promise<string> {
  return (await gateway.createCustomer({ shopperId: `s${anOrder()}` }, idempotencyKey(anOrder(), 'customer'))).customerId;
}

/** What Stripe.js does when the shopper saves a card: confirm the SetupIntent with it (a test card by name here). */
async function saveCard(customerId: string, card: string): Promise<Stripe.SetupIntent> {
  const setup = await gateway.createSetupIntent(customerId, idempotencyKey(anOrder(), 'setup'));
  return stripe.setupIntents.confirm(setup.setupIntentId, { payment_method: card });
}

async function authenticateSetup(setupIntentId: string, outcome: 'approve' | 'fail'): Promise<void> {
  const response = await fetch(`${sandbox.url}/_sandbox/setup_intents/${setupIntentId}/authenticate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ outcome }),
  });
  expect(response.status).toBe(200);
}

describe('payments sandbox: saved payment methods, as on Stripe', () => {
  it('saves a card through a confirmed SetupIntent on its customer, lists it without its number, and charges it off session', async () => {
    const customerId = await aCustomer();
    const setup = await saveCard(customerId, 'pm_card_visa');
    expect(setup.status).toBe('succeeded');
    const methodId = setup.payment_method as string;
    expect(methodId).toMatch(/^pm_(?!card_)/);

    const saved = await gateway.listPaymentMethods(customerId);
    expect(saved).toEqual([{ paymentMethodId: methodId, customerId, type: 'card', card: { brand: 'visa', last4: '4242', expMonth: 12, expYear: expect.any(Number) }, isDefault: false }]);
    expect(await gateway.retrievePaymentMethod(methodId)).toMatchObject({ paymentMethodId: methodId, customerId });

    // Saved, it can be charged again and again, off session too, with its customer.
    expect((await pay({ paymentMethod: methodId, customerId })).status).toBe('authorized');
    expect((await pay({ paymentMethod: methodId, customerId, offSession: true })).status).toBe('authorized');
    // But not without the customer it belongs to, nor with another customer.
    expect(await failure(pay({ paymentMethod: methodId }))).toMatchObject({ kind: 'permanent', code: 'parameter_missing' });
    expect(await failure(pay({ paymentMethod: methodId, customerId: await aCustomer() }))).toMatchObject({ kind: 'permanent', code: 'resource_missing' });
  });

  it('refuses a second use of a method used once without a customer, with Stripe’s message', async () => {
    const made = await stripe.paymentMethods.create({ type: 'card', card: { token: 'tok_visa' } });
    expect((await pay({ paymentMethod: made.id })).status).toBe('authorized');
    const reused = await failure(pay({ paymentMethod: made.id, offSession: true }));
    expect(reused.kind).toBe('permanent');
    expect(reused.message).toContain('It may not be used again');
    // A customer given later does not bring it back either.
    expect((await failure(pay({ paymentMethod: made.id, customerId: await aCustomer() }))).message).toContain('It may not be used again');
    // Naming a test card makes a new method each time, as on Stripe, so test cards can be used over and over.
    expect((await pay({ paymentMethod: 'pm_card_visa' })).status).toBe('authorized');
    expect((await pay({ paymentMethod: 'pm_card_visa' })).status).toBe('authorized');
  });

  it('saves a new method on the customer when a payment with setup_future_usage is authorized, so it can be re-authorized off session', async () => {
    const customerId = await aCustomer();
    const made = await stripe.paymentMethods.create({ type: 'card', card: { token: 'tok_mastercard' } });
    const first = await pay({ paymentMethod: made.id, customerId, save: true });
    expect(first.status).toBe('authorized');
    if (first.status === 'authorized') expect(first.payment).toMatchObject({ paymentMethod: made.id, customerId });
    expect((await gateway.listPaymentMethods(customerId)).map((m) => m.paymentMethodId)).toEqual([made.id]);
    expect((await pay({ paymentMethod: made.id, customerId, offSession: true })).status).toBe('authorized');
  });

  it('does not save a method whose payment was declined, and spends it', async () => {
    const customerId = await aCustomer();
    const made = await stripe.paymentMethods.create({ type: 'card', card: { token: 'tok_chargeDeclined' } });
    expect(await pay({ paymentMethod: made.id, customerId, save: true })).toMatchObject({ status: 'declined', declineCode: 'generic_decline' });
    expect(await gateway.listPaymentMethods(customerId)).toEqual([]);
  });

  it('declines the authentication cards off session as Stripe does: 3184 always, 3155 only until it is set up for off-session use', async () => {
    const always = await aCustomer();
    const saved3184 = await saveCard(always, 'pm_card_authenticationRequired');
    expect(saved3184.status).toBe('requires_action');
    await authenticateSetup(saved3184.id, 'approve');
    const method3184 = saved3184.payment_method as string;
    expect(await pay({ paymentMethod: method3184, customerId: always, offSession: true })).toMatchObject({ status: 'declined', declineCode: 'authentication_required' });
    expect((await pay({ paymentMethod: method3184, customerId: always })).status).toBe('requires_action');

    const onSetup = await aCustomer();
    const saved3155 = await saveCard(onSetup, 'pm_card_authenticationRequiredOnSetup');
    expect(saved3155.status).toBe('requires_action');
    await authenticateSetup(saved3155.id, 'approve');
    const method3155 = saved3155.payment_method as string;
    expect((await gateway.listPaymentMethods(onSetup)).map((m) => m.paymentMethodId)).toEqual([method3155]);
    expect((await pay({ paymentMethod: method3155, customerId: onSetup, offSession: true })).status).toBe('authorized');
    // On session it still asks, as Stripe's 3155 does.
    expect((await pay({ paymentMethod: method3155, customerId: onSetup })).status).toBe('requires_action');

    // Attached directly (no SetupIntent), the 3155 card is saved but not set up: off session it is declined.
    const attached = await stripe.paymentMethods.create({ type: 'card', card: { token: 'tok_authenticationRequiredOnSetup' } });
    await stripe.paymentMethods.attach(attached.id, { customer: onSetup });
    expect(await pay({ paymentMethod: attached.id, customerId: onSetup, offSession: true })).toMatchObject({ status: 'declined', declineCode: 'authentication_required' });
  });

  it('leaves a SetupIntent whose authentication failed without a saved card', async () => {
    const customerId = await aCustomer();
    const setup = await saveCard(customerId, 'pm_card_authenticationRequired');
    await authenticateSetup(setup.id, 'fail');
    expect(await stripe.setupIntents.retrieve(setup.id)).toMatchObject({ status: 'requires_payment_method', last_setup_error: { code: 'setup_intent_authentication_failure' } });
    expect(await gateway.listPaymentMethods(customerId)).toEqual([]);
  });

  it('detaches a saved method for good: it is no longer listed, cannot be charged, and a second detach is refused', async () => {
    const customerId = await aCustomer();
    const methodId = (await saveCard(customerId, 'pm_card_visa')).payment_method as string;
    const detached = await gateway.detachPaymentMethod(methodId, idempotencyKey(anOrder(), 'detach'));
    expect(detached).toMatchObject({ paymentMethodId: methodId, isDefault: false });
    expect(detached.customerId).toBeUndefined();
    expect(await gateway.listPaymentMethods(customerId)).toEqual([]);
    expect((await failure(pay({ paymentMethod: methodId, customerId }))).message).toContain('It may not be used again');
    expect(await failure(gateway.detachPaymentMethod(methodId, idempotencyKey(anOrder(), 'detach')))).toMatchObject({ kind: 'permanent' });
    const reattached = await stripe.paymentMethods.attach(methodId, { customer: customerId }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(reattached).toMatchObject({ type: 'StripeInvalidRequestError' });
  });

  it('answers resource_missing for an unknown method, and lists a customer’s methods either way Stripe offers', async () => {
    expect(await failure(gateway.retrievePaymentMethod('pm_nonexistent123'))).toMatchObject({ kind: 'permanent', code: 'resource_missing' });
    const customerId = await aCustomer();
    const methodId = (await saveCard(customerId, 'pm_card_mastercard')).payment_method as string;
    const listed = await stripe.paymentMethods.list({ customer: customerId });
    expect(listed.data.map((m) => [m.id, m.card?.last4])).toEqual([[methodId, '4444']]);
  });
});
