import { randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as removeMethod } from '../../../functions/accounts/remove-payment-method.js';
import { handler as setupMethod } from '../../../functions/accounts/setup-payment-method.js';
import { startPaymentsSandbox, type PaymentsSandbox } from '../../../infra/local/payments-sandbox/server.js';
import {
  PaymentMethodNotFoundError,
  detachAllPaymentMethods,
  ensurePaymentCustomer,
  listPaymentMethods,
  paymentMethodDeps,
  removePaymentMethod,
  startPaymentMethodSetup,
  type PaymentMethodDeps,
} from '../../../shared/accounts/payment-methods.js';
import { updateProfile } from '../../../shared/accounts/profile.js';
import type { Principal } from '../../../shared/auth/principal.js';
import { keys } from '../../../shared/db/keys.js';
import { stripeClient, stripeGateway } from '../../../shared/payments/stripe-gateway.js';
import { engines, testDynamo } from '../../support/engines.js';
import { apiEvent, lambdaContext, type EventInput } from '../../support/lambda.js';

/**
 * Saved payment methods against DynamoDB Local and the payments sandbox through the real stripe client: one Customer
 * per shopper however many first calls race, a card saved through the SetupIntent the route hands out, listed with
 * nothing but what identifies it, removed for good, and never reached by another shopper.
 */

const db = testDynamo();
let sandbox: PaymentsSandbox;
let stripe: Stripe;
let deps: PaymentMethodDeps;
const aShopper = () => `shopper-${randomUUID()}`;

beforeAll(async () => {
  sandbox = await startPaymentsSandbox();
  const gateway = stripeGateway({ ...sandbox.stripeOptions, maxNetworkRetries: 2 });
  stripe = stripeClient(sandbox.stripeOptions);
  deps = paymentMethodDeps({ db, tableName: engines().tableName, gateway: async () => gateway, publishableKey: 'pk_test_smartshelf' });
});

afterAll(async () => {
  await sandbox.stop();
});

/** What Stripe.js does in the shopper's browser with the client secret: confirm the SetupIntent with the card. */
async function saveCard(shopperId: string, card = 'pm_card_visa'): Promise<string> {
  const setup = await startPaymentMethodSetup(shopperId, randomUUID(), deps);
  const confirmed = await stripe.setupIntents.confirm(setup.setupIntentId, { payment_method: card });
  return confirmed.payment_method as string;
}

const customersOf = (shopperId: string) => sandbox.customers().filter((c) => (c.metadata as Record<string, string>).shopperId === shopperId);

describe('the shopper’s payment Customer', () => {
  it('is made once when ten first calls race, and its id is kept on the profile without touching the profile’s fields', async () => {
    const shopperId = aShopper();
    const ids = await Promise.all(Array.from({ length: 10 }, () => ensurePaymentCustomer(shopperId, deps)));
    expect(new Set(ids).size).toBe(1);
    expect(customersOf(shopperId)).toHaveLength(1);
    const item = (await db.send(new GetCommand({ TableName: engines().tableName, Key: keys.shopperProfile(shopperId), ConsistentRead: true }))).Item;
    expect(item).toMatchObject({ entityType: 'ShopperProfile', paymentCustomerId: ids[0], version: 1 });

    // A profile change keeps the Customer, and a later call finds it without asking the provider.
    await updateProfile(shopperId, { displayName: 'Ada' }, { ifMatch: '"1"' }, deps);
    expect(await ensurePaymentCustomer(shopperId, deps)).toBe(ids[0]);
    expect(customersOf(shopperId)).toHaveLength(1);
  });
});

describe('saving, listing and removing cards', () => {
  it('hands out a SetupIntent per Idempotency-Key, and lists the card saved with it by brand, last four and expiry only', async () => {
    const shopperId = aShopper();
    const key = randomUUID();
    const setup = await startPaymentMethodSetup(shopperId, key, deps);
    expect(setup).toEqual({
      setupIntentId: expect.stringMatching(/^seti_/),
      clientSecret: expect.stringMatching(/^seti_.+_secret_/),
      customerId: expect.stringMatching(/^cus_/),
      publishableKey: 'pk_test_smartshelf',
    });
    expect(await startPaymentMethodSetup(shopperId, key, deps)).toEqual(setup);
    expect((await startPaymentMethodSetup(shopperId, randomUUID(), deps)).setupIntentId).not.toBe(setup.setupIntentId);

    await stripe.setupIntents.confirm(setup.setupIntentId, { payment_method: 'pm_card_mastercard' });
    const listed = await listPaymentMethods(shopperId, deps);
    expect(listed).toEqual([{ id: expect.stringMatching(/^pm_/), type: 'card', brand: 'mastercard', last4: '4444', expMonth: 12, expYear: expect.any(Number), isDefault: false }]);
  });

  it('lists nothing for a shopper who never saved a card, and makes no Customer for them by looking', async () => {
    const shopperId = aShopper();
    expect(await listPaymentMethods(shopperId, deps)).toEqual([]);
    expect(customersOf(shopperId)).toHaveLength(0);
  });

  it('removes a card for good, while another shopper’s attempt on it is a 404 that changes nothing', async () => {
    const alice = aShopper();
    const bob = aShopper();
    await ensurePaymentCustomer(bob, deps);
    const methodId = await saveCard(alice);

    for (const who of [bob, aShopper()]) {
      await expect(removePaymentMethod(who, methodId, deps)).rejects.toBeInstanceOf(PaymentMethodNotFoundError);
    }
    expect((await listPaymentMethods(alice, deps)).map((m) => m.id)).toEqual([methodId]);

    await removePaymentMethod(alice, methodId, deps);
    expect(await listPaymentMethods(alice, deps)).toEqual([]);
    await expect(removePaymentMethod(alice, methodId, deps)).rejects.toMatchObject({ kind: 'not-found', code: 'payment-method-not-found' });
    await expect(removePaymentMethod(alice, 'pm_nonexistent123', deps)).rejects.toBeInstanceOf(PaymentMethodNotFoundError);
  });

  it('detaches every saved card for erasure, and a rerun finds none left', async () => {
    const shopperId = aShopper();
    await saveCard(shopperId, 'pm_card_visa');
    await saveCard(shopperId, 'pm_card_mastercard');
    const first = await detachAllPaymentMethods(shopperId, deps);
    expect(first).toEqual({ customerId: expect.stringMatching(/^cus_/), detached: 2 });
    expect(await listPaymentMethods(shopperId, deps)).toEqual([]);
    expect(await detachAllPaymentMethods(shopperId, deps)).toEqual({ customerId: first.customerId, detached: 0 });
    expect(await detachAllPaymentMethods(aShopper(), deps)).toEqual({ detached: 0 });
  });
});

type Handler = (event: APIGatewayProxyEvent, context: ReturnType<typeof lambdaContext>) => Promise<{ statusCode: number; body: string }>;

async function call(handler: unknown, input: EventInput) {
  const response = await (handler as Handler)(apiEvent(input), lambdaContext());
  return { status: response.statusCode, json: response.body ? (JSON.parse(response.body) as { type?: string; errors?: { field: string }[] }) : undefined };
}

describe('the routes refuse bad input before anything is made', () => {
  const principal = (subject: string): Principal => ({ subject, kind: 'user', roles: ['shopper'], scopes: ['cart:write', 'orders:read', 'account:read', 'account:write'], stores: [] });

  it('answers 400 to a setup without an Idempotency-Key and to a malformed method id, making no Customer', async () => {
    const shopperId = aShopper();
    const setup = await call(setupMethod, { method: 'POST', resource: '/me/payment-methods/setup', principal: principal(shopperId) });
    expect([setup.status, setup.json?.type]).toEqual([400, 'https://smartshelf.dev/problems/idempotency-key-required']);
    const bad = await call(removeMethod, { method: 'DELETE', resource: '/me/payment-methods/{id}', pathParameters: { id: 'card-1' }, principal: principal(shopperId) });
    expect(bad.status).toBe(400);
    expect(bad.json?.errors?.map((e) => e.field)).toEqual(['path.id']);
    expect(customersOf(shopperId)).toHaveLength(0);
    const item = (await db.send(new GetCommand({ TableName: engines().tableName, Key: keys.shopperProfile(shopperId), ConsistentRead: true }))).Item;
    expect(item).toBeUndefined();
  });
});
