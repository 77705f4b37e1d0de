import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { handler as createSubscriptionHandler } from '../../../functions/billing/create-subscription.js';
import { handler as getSubscriptionHandler } from '../../../functions/billing/get-subscription.js';
import type { Principal } from '../../../shared/auth/principal.js';
import { scopesForRoles } from '../../../shared/auth/roles.js';
import type { BillingClient } from '../../../shared/billing/client.js';
import { BillingTransientError } from '../../../shared/billing/client.js';
import {
  createSubscription,
  getSubscription,
  getSubscriptionFor,
  hasActiveDeliveryPass,
  moveSubscriptionStatus,
  SubscriptionExistsError,
  syncSubscription,
  type SyncSubscriptionDeps,
} from '../../../shared/billing/subscriptions.js';
import { addCartLine, createCart, getCart } from '../../../shared/carts/carts.js';
import { chooseFulfillment } from '../../../shared/carts/fulfillment.js';
import { tableDeps } from '../../../shared/db/deps.js';
import { keys } from '../../../shared/db/keys.js';
import { NotFoundError } from '../../../shared/errors.js';
import { engines, takeMessage } from '../../support/engines.js';
import { apiEvent, lambdaContext } from '../../support/lambda.js';
import { aSlot, aWorld, address, itemAt, shopper, testDeps } from '../carts/fixtures.js';

const token = () => randomBytes(6).toString('hex');
const deps = () => tableDeps({ tableName: engines().tableName });

function sender() {
  const sent: { kind: 'subscription'; subscriptionId: string }[] = [];
  return { sent, sendToSync: (message: { kind: 'subscription'; subscriptionId: string }) => Promise.resolve(void sent.push(message)) };
}

/** A billing system that records its calls, answers the same ids for the same idempotency key, and can lose an answer. */
function fakeBilling(options: { loseFirstSubscriptionAnswer?: boolean } = {}) {
  const calls: { op: string; key: string }[] = [];
  const customers = new Map<string, string>();
  const subscriptions = new Map<string, string>();
  let lose = options.loseFirstSubscriptionAnswer === true;
  const billing: Pick<BillingClient, 'createCustomer' | 'createSubscription' | 'cancelSubscription'> = {
    createCustomer: (_req, key) => {
      calls.push({ op: 'customer', key });
      if (!customers.has(key)) customers.set(key, `cus_${token()}`);
      return Promise.resolve({ billingCustomerId: customers.get(key)! });
    },
    createSubscription: (_req, key) => {
      calls.push({ op: 'subscription', key });
      if (!subscriptions.has(key)) subscriptions.set(key, `bsub_${token()}`);
      if (lose) {
        lose = false;
        return Promise.reject(new BillingTransientError('the acknowledgement was lost'));
      }
      return Promise.resolve({ billingSubscriptionId: subscriptions.get(key)!, status: 'active' as const });
    },
    cancelSubscription: (billingSubscriptionId, req, key) => {
      calls.push({ op: 'cancel', key });
      return Promise.resolve({ billingSubscriptionId, status: req.atPeriodEnd ? ('active' as const) : ('cancelled' as const), cancelAtPeriodEnd: req.atPeriodEnd });
    },
  };
  return { billing, calls, subscriptions };
}

const principal = (subject: string): Principal => ({ subject, kind: 'user', roles: ['shopper'], scopes: scopesForRoles(['shopper']), stores: [] });

describe('delivery-pass subscriptions', () => {
  it('stores a subscription pending and asks billing-sync to create it; a second pass is refused, a retry of a pending one resent', async () => {
    const alice = `shopper-${token()}`;
    const { sent, sendToSync } = sender();
    const subscription = await createSubscription({ plan: 'delivery-pass-monthly' }, { subject: alice }, { ...deps(), sendToSync });
    expect(subscription).toMatchObject({ shopperId: alice, plan: 'delivery-pass-monthly', status: 'pending' });
    expect(sent).toEqual([{ kind: 'subscription', subscriptionId: subscription.id }]);
    expect(await itemAt(keys.subscription(subscription.id))).toMatchObject({ gsi1pk: `SHOPPER#${alice}#SUBSCRIPTIONS`, rank: 0, entityType: 'Subscription' });

    // The same plan while still pending: its message may have been lost, so it is sent again.
    expect((await createSubscription({ plan: 'delivery-pass-monthly' }, { subject: alice }, { ...deps(), sendToSync })).id).toBe(subscription.id);
    expect(sent).toHaveLength(2);
    await expect(createSubscription({ plan: 'delivery-pass-annual' }, { subject: alice }, { ...deps(), sendToSync })).rejects.toThrow(SubscriptionExistsError);
    await moveSubscriptionStatus(subscription.id, { status: 'active', statusEventAt: new Date().toISOString() }, deps());
    await expect(createSubscription({ plan: 'delivery-pass-monthly' }, { subject: alice }, { ...deps(), sendToSync })).rejects.toThrow(SubscriptionExistsError);
    // Once cancelled, the shopper may subscribe again.
    await moveSubscriptionStatus(subscription.id, { status: 'cancelled', statusEventAt: new Date().toISOString() }, deps());
    const again = await createSubscription({ plan: 'delivery-pass-annual' }, { subject: alice }, { ...deps(), sendToSync });
    expect(again.id).not.toBe(subscription.id);
  });

  it('shows a subscription to its owner only', async () => {
    const alice = `shopper-${token()}`;
    const subscription = await createSubscription({ plan: 'delivery-pass-monthly' }, { subject: alice }, { ...deps(), ...sender() });
    expect((await getSubscriptionFor(subscription.id, { subject: alice }, deps())).id).toBe(subscription.id);
    await expect(getSubscriptionFor(subscription.id, { subject: 'mallory' }, deps())).rejects.toThrow(NotFoundError);
    await expect(getSubscriptionFor(`missing-${token()}`, { subject: alice }, deps())).rejects.toThrow(NotFoundError);
  });

  it('syncs with billing once: the customer stored both ways, the subscription’s ids stored, the status billing’s; a lost answer retried under the same keys', async () => {
    const alice = `shopper-${token()}`;
    const subscription = await createSubscription({ plan: 'delivery-pass-monthly' }, { subject: alice }, { ...deps(), ...sender() });
    const fake = fakeBilling({ loseFirstSubscriptionAnswer: true });
    const syncDeps: SyncSubscriptionDeps = { ...deps(), billing: fake.billing };

    await expect(syncSubscription(subscription.id, syncDeps)).rejects.toThrow(BillingTransientError);
    expect(await syncSubscription(subscription.id, syncDeps)).toBe('created');
    expect(await syncSubscription(subscription.id, syncDeps)).toBe('already-synced');

    expect(fake.calls).toEqual([
      { op: 'customer', key: `customer:${alice}` },
      { op: 'subscription', key: `subscription:${subscription.id}` },
      { op: 'subscription', key: `subscription:${subscription.id}` },
    ]);
    expect(fake.subscriptions.size).toBe(1);
    const synced = await getSubscription(subscription.id, deps());
    expect(synced).toMatchObject({ status: 'active', billingSubscriptionId: fake.subscriptions.get(`subscription:${subscription.id}`) });
    const customer = await itemAt(keys.billingCustomer(alice));
    expect(customer).toMatchObject({ shopperId: alice, billingCustomerId: synced?.billingCustomerId });
    expect(await itemAt(keys.shopperByBillingCustomer(synced!.billingCustomerId!))).toMatchObject({ shopperId: alice });
    expect(await itemAt(keys.subscriptionByBilling(synced!.billingSubscriptionId!))).toMatchObject({ subscriptionId: subscription.id });
    await expect(syncSubscription(`missing-${token()}`, syncDeps)).rejects.toThrow(NotFoundError);
  });

  it('keeps a status a webhook already moved further when the sync’s answer comes later', async () => {
    const alice = `shopper-${token()}`;
    const subscription = await createSubscription({ plan: 'delivery-pass-monthly' }, { subject: alice }, { ...deps(), ...sender() });
    await moveSubscriptionStatus(subscription.id, { status: 'cancelled', statusEventAt: new Date().toISOString() }, deps());
    expect(await syncSubscription(subscription.id, { ...deps(), billing: fakeBilling().billing })).toBe('created');
    expect((await getSubscription(subscription.id, deps()))?.status).toBe('cancelled');
  });
});

describe('POST /subscriptions and GET /subscriptions/{id}', () => {
  it('creates a pending pass (201, Location), queues its sync on billing-sync, and shows it to its owner only', async () => {
    const alice = `shopper-${token()}`;
    const response = await createSubscriptionHandler(
      apiEvent({
        method: 'POST',
        resource: '/subscriptions',
        headers: { 'content-type': 'application/json', 'idempotency-key': `key-${token()}` },
        body: JSON.stringify({ plan: 'delivery-pass-monthly' }),
        principal: principal(alice),
      }),
      lambdaContext('billing-create-subscription'),
    );
    expect(response.statusCode).toBe(201);
    const body = JSON.parse(response.body) as { id: string; status: string };
    expect(body.status).toBe('pending');
    expect(response.headers?.location).toBe(`/subscriptions/${body.id}`);
    expect(await takeMessage('billing-sync', (m) => (m as { subscriptionId?: string }).subscriptionId === body.id)).toEqual({ kind: 'subscription', subscriptionId: body.id });

    const read = (subject: string) =>
      getSubscriptionHandler(apiEvent({ method: 'GET', resource: '/subscriptions/{id}', pathParameters: { id: body.id }, principal: principal(subject) }), lambdaContext());
    expect((await read(alice)).statusCode).toBe(200);
    expect((await read('mallory')).statusCode).toBe(404);

    const unknownPlan = await createSubscriptionHandler(
      apiEvent({
        method: 'POST',
        resource: '/subscriptions',
        headers: { 'content-type': 'application/json', 'idempotency-key': `key-${token()}` },
        body: JSON.stringify({ plan: 'free-everything' }),
        principal: principal(`shopper-${token()}`),
      }),
      lambdaContext('billing-create-subscription'),
    );
    expect(unknownPlan.statusCode).toBe(400);
  });
});

describe('delivery fee waiver', () => {
  it('waives the delivery fee while the shopper’s pass is active, and charges it when past due or for another shopper', async () => {
    const cartDeps = testDeps();
    const world = await aWorld();
    const priceFor = async (subject: string) => {
      const who = shopper(subject);
      const cart = await createCart({ storeId: world.store.id }, who, cartDeps);
      await addCartLine(cart.id, { sku: world.skus.milk, quantity: { count: 4 }, substitution: 'none' }, who, cartDeps);
      await chooseFulfillment(cart.id, { mode: 'delivery', slotId: world.slot.id, address }, who, cartDeps);
      return (await getCart(cart.id, who, cartDeps)).pricing;
    };
    const alice = `shopper-${token()}`;
    const subscription = await createSubscription({ plan: 'delivery-pass-monthly' }, { subject: alice }, { ...deps(), ...sender() });
    expect((await priceFor(alice)).fees).toEqual([expect.objectContaining({ kind: 'delivery', amount: { amount: 450, currency: 'GBP' } })]);

    await moveSubscriptionStatus(subscription.id, { status: 'active', statusEventAt: new Date(Date.now() - 1000).toISOString() }, deps());
    expect(await hasActiveDeliveryPass(alice, deps())).toBe(true);
    const waived = await priceFor(alice);
    expect(waived.fees).toEqual([expect.objectContaining({ kind: 'delivery', waivedBy: 'delivery-pass' })]);
    expect(waived.total).toEqual({ amount: 500, currency: 'GBP' });
    expect((await priceFor(`shopper-${token()}`)).total).toEqual({ amount: 950, currency: 'GBP' });

    await moveSubscriptionStatus(subscription.id, { status: 'past_due', statusEventAt: new Date().toISOString() }, deps());
    expect((await priceFor(alice)).total).toEqual({ amount: 950, currency: 'GBP' });
  });

  it('leaves a pickup cart alone (nothing to waive, no query needed)', async () => {
    const cartDeps = testDeps();
    const world = await aWorld();
    const pickup = await aSlot(world.store.id, { mode: 'pickup', fee: { amount: 0, currency: 'GBP' } });
    const alice = shopper();
    const subscription = await createSubscription({ plan: 'delivery-pass-monthly' }, { subject: alice.subject }, { ...deps(), ...sender() });
    await moveSubscriptionStatus(subscription.id, { status: 'active', statusEventAt: new Date().toISOString() }, deps());
    const cart = await createCart({ storeId: world.store.id }, alice, cartDeps);
    await addCartLine(cart.id, { sku: world.skus.milk, quantity: { count: 4 }, substitution: 'none' }, alice, cartDeps);
    await chooseFulfillment(cart.id, { mode: 'pickup', slotId: pickup.id }, alice, cartDeps);
    const pricing = (await getCart(cart.id, alice, cartDeps)).pricing;
    expect(pricing.fees.every((f) => f.waivedBy === undefined)).toBe(true);
  });
});
