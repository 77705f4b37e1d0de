import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPaymentsSandbox, type PaymentsSandbox } from '../../../infra/local/payments-sandbox/server.js';
import { PermanentPaymentError, type PaymentGateway } from '../../../shared/payments/gateway.js';
import { stripeClient, stripeGateway } from '../../../shared/payments/stripe-gateway.js';

/**
 * Deleting a provider Customer (a shopper's erasure), through our adapter and the real stripe client against the
 * payments sandbox, which must answer as Stripe does: the stub `{ id, object, deleted: true }`, its saved methods
 * unusable, and the customer refused for anything but a retrieve.
 */

let sandbox: PaymentsSandbox;
let gateway: PaymentGateway;
let stripe: Stripe;
let keys = 0;
const key = (what: string) => `delete-customer-test:${what}:${Date.now()}:${(keys += 1)}`;

beforeAll(async () => {
  sandbox = await startPaymentsSandbox();
  gateway = stripeGateway({ ...sandbox.stripeOptions, maxNetworkRetries: 0 });
  stripe = stripeClient({ ...sandbox.stripeOptions, maxNetworkRetries: 0 });
});

afterAll(async () => {
  await sandbox.stop();
});

/** A customer with a card saved on it through a SetupIntent, as POST /me/payment-methods/setup and Stripe.js do. */
async function customerWithCard(): Promise<{ customerId: string; paymentMethodId: string }> {
  const { customerId } = await gateway.createCustomer({ shopperId: 'shopper-delete-test' }, key('customer'));
  const setup = await gateway.createSetupIntent(customerId, key('setup'));
  const confirmed = await stripe.setupIntents.confirm(setup.setupIntentId, { payment_method: 'pm_card_visa' });
  expect(confirmed.status).toBe('succeeded');
  return { customerId, paymentMethodId: String(confirmed.payment_method) };
}

/** The error a call was refused with. */
async function refusal(call: Promise<unknown>): Promise<{ code?: string }> {
  return call.then(
    () => expect.fail('expected a refusal'),
    (e: unknown) => e as { code?: string },
  );
}

describe('deleting a payment customer', () => {
  it('leaves Stripe’s deleted stub, detaches its cards for good and refuses the customer afterwards', async () => {
    const { customerId, paymentMethodId } = await customerWithCard();

    await gateway.deleteCustomer(customerId);

    expect(await stripe.customers.retrieve(customerId)).toEqual({ id: customerId, object: 'customer', deleted: true });
    expect(sandbox.customers().find((c) => c.id === customerId)).toEqual({ id: customerId, object: 'customer', deleted: true });
    expect((await gateway.retrievePaymentMethod(paymentMethodId)).customerId).toBeUndefined();
    // The card cannot be charged or saved again, and the customer takes nothing new.
    expect(await refusal(stripe.paymentMethods.attach(paymentMethodId, { customer: customerId }))).toMatchObject({ code: 'resource_missing' });
    expect(await refusal(gateway.createSetupIntent(customerId, key('setup-after')))).toMatchObject({ code: 'resource_missing' });
    expect(await refusal(gateway.listPaymentMethods(customerId))).toMatchObject({ code: 'resource_missing' });
    const fresh = await stripe.paymentMethods.create({ type: 'card', card: { token: 'tok_visa' } });
    expect(await refusal(stripe.paymentIntents.create({ amount: 500, currency: 'gbp', customer: customerId, payment_method: fresh.id }))).toMatchObject({ code: 'resource_missing' });
  });

  it('counts a customer already deleted, or never there, as deleted: a rerun changes nothing', async () => {
    const { customerId } = await customerWithCard();
    await gateway.deleteCustomer(customerId, key('delete'));
    await expect(stripe.customers.del(customerId)).rejects.toMatchObject({ code: 'resource_missing' });
    await expect(gateway.deleteCustomer(customerId, key('delete-again'))).resolves.toBeUndefined();
    await expect(gateway.deleteCustomer('cus_neverthere')).resolves.toBeUndefined();
    expect(sandbox.customers().filter((c) => c.id === customerId)).toEqual([{ id: customerId, object: 'customer', deleted: true }]);
  });

  it('still fails on anything but a missing customer, in the saga’s vocabulary', async () => {
    const broken = stripeGateway({ ...sandbox.stripeOptions, secretKey: 'rk_not_a_test_key', maxNetworkRetries: 0 });
    await expect(broken.deleteCustomer('cus_whatever')).rejects.toBeInstanceOf(PermanentPaymentError);
  });
});
