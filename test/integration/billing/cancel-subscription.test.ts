import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { handler as cancelHandler } from '../../../functions/billing/cancel-subscription.js';
import type { Principal } from '../../../shared/auth/principal.js';
import { scopesForRoles } from '../../../shared/auth/roles.js';
import {
  cancelSubscription,
  createSubscription,
  getSubscription,
  hasActiveDeliveryPass,
  moveSubscriptionStatus,
  syncSubscription,
  type SyncSubscriptionDeps,
} from '../../../shared/billing/subscriptions.js';
import { tableDeps } from '../../../shared/db/deps.js';
import { NotFoundError } from '../../../shared/errors.js';
import { engines, takeMessage } from '../../support/engines.js';
import { FAKE_PERIOD_END, FakeBilling } from '../../support/fake-billing.js';
import { apiEvent, lambdaContext } from '../../support/lambda.js';

/**
 * Cancelling a delivery pass against DynamoDB Local: at once while pending, else at the end of the paid period with
 * billing told through the billing-sync worker under one idempotency key; twice answers the same; another shopper's is
 * a 404; a cancel racing the worker that creates the pass in billing still ends it there; the fee waiver ends with it.
 */

const token = () => randomBytes(6).toString('hex');
const deps = (now?: Date) => tableDeps({ tableName: engines().tableName, ...(now ? { now: () => now } : {}) });

function sender() {
  const sent: { kind: 'subscription'; subscriptionId: string }[] = [];
  return { sent, sendToSync: (message: { kind: 'subscription'; subscriptionId: string }) => Promise.resolve(void sent.push(message)) };
}

const principal = (subject: string): Principal => ({ subject, kind: 'user', roles: ['shopper'], scopes: scopesForRoles(['shopper']), stores: [] });

/** A pass of a new shopper's, created in the fake billing system and made active by billing's answer. */
async function anActivePass(billing: FakeBilling) {
  const alice = `shopper-${token()}`;
  const subscription = await createSubscription({ plan: 'delivery-pass-monthly' }, { subject: alice }, { ...deps(), ...sender() });
  expect(await syncSubscription(subscription.id, { ...deps(), billing })).toBe('created');
  return { alice, id: subscription.id };
}

describe('cancelling a delivery pass', () => {
  it('ends a pending pass at once, tells billing nothing, and answers the same state when cancelled again', async () => {
    const alice = `shopper-${token()}`;
    const { sent, sendToSync } = sender();
    const pending = await createSubscription({ plan: 'delivery-pass-monthly' }, { subject: alice }, { ...deps(), sendToSync });
    const cancelled = await cancelSubscription(pending.id, { subject: alice }, { ...deps(), sendToSync });
    expect(cancelled).toMatchObject({ status: 'cancelled', cancelAtPeriodEnd: false, cancelRequestedAt: expect.any(String) });
    expect(await cancelSubscription(pending.id, { subject: alice }, { ...deps(), sendToSync })).toEqual(cancelled);
    expect(sent).toHaveLength(1); // the create's message only

    // The create's message, delivered after the cancel, creates nothing in billing.
    const billing = new FakeBilling();
    expect(await syncSubscription(pending.id, { ...deps(), billing })).toBe('cancelled-before-sync');
    expect(billing.calls).toEqual([]);
    // The shopper may subscribe again.
    expect((await createSubscription({ plan: 'delivery-pass-annual' }, { subject: alice }, { ...deps(), sendToSync })).status).toBe('pending');
  });

  it('lets an active pass run to the end of its period: billing told once under one key, fees waived until then', async () => {
    const billing = new FakeBilling();
    const { alice, id } = await anActivePass(billing);
    const { sent, sendToSync } = sender();
    const cancelled = await cancelSubscription(id, { subject: alice }, { ...deps(), sendToSync });
    expect(cancelled).toMatchObject({ status: 'active', cancelAtPeriodEnd: true });
    expect(sent).toEqual([{ kind: 'subscription', subscriptionId: id }]);

    const syncDeps: SyncSubscriptionDeps = { ...deps(), billing };
    expect(await syncSubscription(id, syncDeps)).toBe('cancel-synced');
    expect(await syncSubscription(id, syncDeps)).toBe('cancel-synced');
    const cancels = billing.calls.filter((c) => c.method === 'cancelSubscription');
    expect(new Set(cancels.map((c) => c.idempotencyKey))).toEqual(new Set([`subscription-cancel:${id}`]));
    expect(billing.cancellations.get((await getSubscription(id, deps()))!.billingSubscriptionId!)).toEqual({ atPeriodEnd: true });
    expect(await getSubscription(id, deps())).toMatchObject({ status: 'active', cancelAtPeriodEnd: true, currentPeriodEnd: FAKE_PERIOD_END });

    // Cancelling again: the same state (its message sent again, in case the first was lost).
    const again = await cancelSubscription(id, { subject: alice }, { ...deps(), sendToSync });
    expect(again).toMatchObject({ status: 'active', cancelAtPeriodEnd: true, cancelRequestedAt: cancelled.cancelRequestedAt });

    // Waived until the period ends, not after, even before billing's `cancelled` arrives; and not once it has.
    expect(await hasActiveDeliveryPass(alice, deps(new Date(Date.parse(FAKE_PERIOD_END) - 60_000)))).toBe(true);
    expect(await hasActiveDeliveryPass(alice, deps(new Date(Date.parse(FAKE_PERIOD_END) + 1)))).toBe(false);
    await moveSubscriptionStatus(id, { status: 'cancelled', statusEventAt: new Date().toISOString() }, deps());
    expect(await hasActiveDeliveryPass(alice, deps(new Date(Date.parse(FAKE_PERIOD_END) - 60_000)))).toBe(false);
    expect(await syncSubscription(id, syncDeps)).toBe('already-synced');
  });

  it('settles racing cancels on one state and one cancellation time', async () => {
    const billing = new FakeBilling();
    const { alice, id } = await anActivePass(billing);
    const results = await Promise.all(Array.from({ length: 5 }, () => cancelSubscription(id, { subject: alice }, { ...deps(), ...sender() })));
    expect(new Set(results.map((r) => r.cancelRequestedAt)).size).toBe(1);
    expect(results.every((r) => r.cancelAtPeriodEnd === true && r.status === 'active')).toBe(true);
  });

  it('ends in billing a pass cancelled while the worker was creating it there', async () => {
    const alice = `shopper-${token()}`;
    const pending = await createSubscription({ plan: 'delivery-pass-monthly' }, { subject: alice }, { ...deps(), ...sender() });
    const billing = new FakeBilling();
    // The worker has read the pass pending; the shopper cancels before billing's answer is stored.
    const racing: FakeBilling = Object.assign(Object.create(billing) as FakeBilling, {
      createSubscription: async (req: { billingCustomerId: string; plan: string; subscriptionReference: string }, key: string) => {
        const answer = await billing.createSubscription(req, key);
        await cancelSubscription(pending.id, { subject: alice }, { ...deps(), ...sender() });
        return answer;
      },
    });
    expect(await syncSubscription(pending.id, { ...deps(), billing: racing })).toBe('created');
    const stored = await getSubscription(pending.id, deps());
    expect(stored).toMatchObject({ status: 'cancelled', cancelAtPeriodEnd: false });
    expect(billing.cancellations.get(stored!.billingSubscriptionId!)).toEqual({ atPeriodEnd: false });
  });

  it('hides another shopper’s pass as a 404 and changes nothing', async () => {
    const billing = new FakeBilling();
    const { id } = await anActivePass(billing);
    const before = await getSubscription(id, deps());
    await expect(cancelSubscription(id, { subject: 'mallory' }, { ...deps(), ...sender() })).rejects.toThrow(NotFoundError);
    await expect(cancelSubscription(`missing-${token()}`, { subject: 'mallory' }, { ...deps(), ...sender() })).rejects.toThrow(NotFoundError);
    expect(await getSubscription(id, deps())).toEqual(before);
  });
});

describe('POST /subscriptions/{id}/cancel', () => {
  it('answers 200 with the pass and queues its sync, the same 200 again, 404 for another shopper, 400 for a bad id, 401 without credentials', async () => {
    const billing = new FakeBilling();
    const { alice, id } = await anActivePass(billing);
    const cancel = (subject: string | undefined, subscriptionId = id) =>
      cancelHandler(
        apiEvent({ method: 'POST', resource: '/subscriptions/{id}/cancel', pathParameters: { id: subscriptionId }, ...(subject ? { principal: principal(subject) } : {}) }),
        lambdaContext('billing-cancel-subscription'),
      );
    const first = await cancel(alice);
    expect(first.statusCode).toBe(200);
    const body = JSON.parse(first.body) as { id: string; status: string; cancelAtPeriodEnd: boolean };
    expect(body).toMatchObject({ id, status: 'active', cancelAtPeriodEnd: true });
    expect(await takeMessage('billing-sync', (m) => (m as { subscriptionId?: string }).subscriptionId === id)).toEqual({ kind: 'subscription', subscriptionId: id });
    const second = await cancel(alice);
    expect(second.statusCode).toBe(200);
    expect(JSON.parse(second.body)).toEqual(JSON.parse(first.body));

    const before = await getSubscription(id, deps());
    expect((await cancel('mallory')).statusCode).toBe(404);
    expect((await cancel(alice, 'x'.repeat(65))).statusCode).toBe(400);
    expect((await cancel(undefined)).statusCode).toBe(401);
    expect(await getSubscription(id, deps())).toEqual(before);
  });
});
