import fc from 'fast-check';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { signWebhook } from '../../../shared/billing/signing.js';
import { SUBSCRIPTION_STATUS_RANK, subscriptionMayMove, type SubscriptionStatus } from '../../../shared/billing/subscriptions.js';
import {
  billingEffect,
  billingWebhookSecrets,
  BillingWebhookSignatureError,
  invoiceStatusesBelow,
  MalformedBillingWebhookError,
  StaleBillingWebhookError,
  verifyBillingWebhook,
  type BillingWebhookMessage,
} from '../../../shared/billing/webhooks.js';
import { ConfigError, makeConfig } from '../../../shared/config/config.js';

const stored = vi.hoisted(() => ({ value: '' as string | undefined, reads: 0 }));
vi.mock('@aws-sdk/client-secrets-manager', () => ({
  GetSecretValueCommand: class {
    constructor(readonly input: unknown) {}
  },
  SecretsManagerClient: class {
    send() {
      stored.reads += 1;
      return Promise.resolve({ SecretString: stored.value });
    }
  },
}));

const OLD = 'billing_key_old_0123456789';
const NEW = 'billing_key_new_0123456789';
const NOW_MS = 1_800_000_000_000;
const NOW = NOW_MS / 1000;

const invoice = { invoiceReference: 'inv_1', externalId: 'order-1', status: 'paid', currency: 'gbp', total: 1250, tax: 208, createdAt: '2027-01-15T08:00:00.000Z' };
const event = (type: string, object: Record<string, unknown>, created = NOW): BillingWebhookMessage => ({ id: `evt_${type}`, type, created, data: { object } });
const body = JSON.stringify(event('invoice.paid', invoice));

describe('verifyBillingWebhook', () => {
  it('accepts the current key, the previous one during a rotation, and a header signed by both', () => {
    expect(verifyBillingWebhook(body, signWebhook(body, NEW, NOW_MS), [NEW, OLD], NOW_MS).id).toBe('evt_invoice.paid');
    expect(verifyBillingWebhook(body, signWebhook(body, OLD, NOW_MS), [NEW, OLD], NOW_MS).id).toBe('evt_invoice.paid');
    expect(verifyBillingWebhook(body, signWebhook(body, [OLD, NEW], NOW_MS), [NEW], NOW_MS).type).toBe('invoice.paid');
  });

  it('refuses a missing, foreign, tampered or retired-key signature as 401, whatever its age', () => {
    for (const header of [undefined, '', 'garbage', signWebhook(body, 'someone_else', NOW_MS), signWebhook(body, 'someone_else', NOW_MS - 3_600_000)]) {
      expect(() => verifyBillingWebhook(body, header, [NEW, OLD], NOW_MS), String(header)).toThrow(BillingWebhookSignatureError);
    }
    // The rotation is over: the old key is retired.
    expect(() => verifyBillingWebhook(body, signWebhook(body, OLD, NOW_MS), [NEW], NOW_MS)).toThrow(BillingWebhookSignatureError);
    expect(() => verifyBillingWebhook(`${body} `, signWebhook(body, NEW, NOW_MS), [NEW], NOW_MS)).toThrow(BillingWebhookSignatureError);
  });

  it('refuses a genuine signature older than 300 s as 400, and accepts one exactly 300 s old', () => {
    expect(() => verifyBillingWebhook(body, signWebhook(body, NEW, NOW_MS - 301_000), [NEW], NOW_MS)).toThrow(StaleBillingWebhookError);
    expect(verifyBillingWebhook(body, signWebhook(body, NEW, NOW_MS - 300_000), [NEW], NOW_MS).id).toBe('evt_invoice.paid');
    expect(new StaleBillingWebhookError()).toMatchObject({ kind: 'invalid', code: 'stale-webhook' });
    expect(new BillingWebhookSignatureError()).toMatchObject({ kind: 'unauthenticated', code: 'bad-webhook-signature' });
  });

  it('refuses a signed body that is not a billing event as 400', () => {
    for (const bad of ['not json', '{}', JSON.stringify({ id: 'evt_1', type: 'invoice.paid', created: NOW })]) {
      expect(() => verifyBillingWebhook(bad, signWebhook(bad, NEW, NOW_MS), [NEW], NOW_MS), bad).toThrow(MalformedBillingWebhookError);
    }
  });
});

describe('billingWebhookSecrets', () => {
  beforeEach(() => {
    stored.reads = 0;
  });

  it('reads the keys from the environment locally, current first', async () => {
    expect(await billingWebhookSecrets({ current: NEW, previous: OLD })).toEqual([NEW, OLD]);
    expect(await billingWebhookSecrets({ current: NEW })).toEqual([NEW]);
    const config = makeConfig({ BILLING_WEBHOOK_SECRET: NEW, BILLING_WEBHOOK_SECRET_PREVIOUS: OLD });
    expect(config.billingWebhookSecrets).toEqual({ current: NEW, previous: OLD });
  });

  it('reads the Secrets Manager secret on AWS and keeps it for five minutes, so a rotation reaches warm functions', async () => {
    const secretArn = 'arn:aws:secretsmanager:eu-west-2:123456789012:secret:billing-webhooks-unit';
    stored.value = JSON.stringify({ current: NEW, previous: OLD });
    expect(await billingWebhookSecrets({ secretArn }, NOW_MS)).toEqual([NEW, OLD]);
    stored.value = JSON.stringify({ current: NEW });
    expect(await billingWebhookSecrets({ secretArn }, NOW_MS + 60_000)).toEqual([NEW, OLD]);
    expect(await billingWebhookSecrets({ secretArn }, NOW_MS + 5 * 60_000 + 1)).toEqual([NEW]);
    expect(stored.reads).toBe(2);
    expect(makeConfig({ BILLING_WEBHOOK_SECRETS_ARN: secretArn }).billingWebhookSecrets).toEqual({ secretArn });
  });

  it('is a configuration error when a function without the grant asks for the keys', () => {
    expect(() => makeConfig({}).billingWebhookSecrets).toThrow(ConfigError);
  });
});

describe('billingEffect', () => {
  it('maps an order invoice paid or failed to its invoice status, keyed by the order (externalId)', () => {
    expect(billingEffect(event('invoice.paid', invoice))).toEqual({
      kind: 'invoice',
      orderId: 'order-1',
      invoiceReference: 'inv_1',
      status: 'paid',
      total: 1250,
      currency: 'GBP',
      at: new Date(NOW_MS).toISOString(),
    });
    expect(billingEffect(event('invoice.payment_failed', invoice))).toMatchObject({ kind: 'invoice', status: 'payment-failed' });
  });

  it('maps a delivery pass invoice to its subscription: paid → active, failed → past_due with the failed invoice', () => {
    const passInvoice = { ...invoice, externalId: 'inv-ext', subscriptionReference: 'sub-1' };
    expect(billingEffect(event('invoice.paid', passInvoice))).toEqual({ kind: 'subscription', subscriptionId: 'sub-1', status: 'active', at: new Date(NOW_MS).toISOString() });
    expect(billingEffect(event('invoice.payment_failed', passInvoice))).toMatchObject({ kind: 'subscription', status: 'past_due', failedInvoice: 'inv_1' });
  });

  it('maps a credit note to its refund, splitting `<orderId>#<refundRef>` at the first #', () => {
    const note = { creditNoteReference: 'cn_1', invoiceReference: 'inv_1', externalId: 'order-1#refund#2', amount: 300, currency: 'gbp', createdAt: '2027-01-15T08:00:00.000Z' };
    expect(billingEffect(event('credit_note.created', note))).toMatchObject({ kind: 'credit-note', orderId: 'order-1', refundRef: 'refund#2', amount: 300, currency: 'GBP' });
    expect(() => billingEffect(event('credit_note.created', { ...note, externalId: 'no-refund-ref' }))).toThrow();
  });

  it('maps a subscription update to its status, and ignores types it does not know', () => {
    const update = { billingSubscriptionId: 'bsub_1', subscriptionReference: 'sub-1', status: 'cancelled' };
    expect(billingEffect(event('subscription.updated', update))).toMatchObject({ kind: 'subscription', subscriptionId: 'sub-1', status: 'cancelled' });
    expect(billingEffect(event('customer.created', {}))).toEqual({ kind: 'ignored' });
    expect(() => billingEffect(event('invoice.paid', { invoiceReference: 'inv_1' }))).toThrow();
  });
});

describe('status ranks', () => {
  it('lets an invoice move only forward: sent → payment-failed → paid, and a failure never undoes a payment', () => {
    expect(invoiceStatusesBelow('payment-failed')).toEqual(['sent']);
    expect(invoiceStatusesBelow('paid')).toEqual(['sent', 'payment-failed']);
  });

  const statuses = Object.keys(SUBSCRIPTION_STATUS_RANK) as SubscriptionStatus[];
  const moves = fc.array(
    fc.record({ status: fc.constantFrom(...statuses.filter((s) => s !== 'pending')), second: fc.integer({ min: 0, max: 1000 }) }),
    { maxLength: 20 },
  );
  const iso = (second: number) => new Date(NOW_MS + second * 1000).toISOString();
  const fold = (events: { status: SubscriptionStatus; second: number }[]) =>
    events.reduce<{ status: SubscriptionStatus; statusEventAt?: string }>(
      (state, e) => (subscriptionMayMove(state, { status: e.status, statusEventAt: iso(e.second) }) ? { status: e.status, statusEventAt: iso(e.second) } : state),
      { status: 'pending' },
    );

  it('never lowers a subscription’s rank, and cancelled is final', () => {
    fc.assert(
      fc.property(moves, (events) => {
        let state: { status: SubscriptionStatus; statusEventAt?: string } = { status: 'pending' };
        for (const e of events) {
          const next = subscriptionMayMove(state, { status: e.status, statusEventAt: iso(e.second) }) ? { status: e.status, statusEventAt: iso(e.second) } : state;
          expect(SUBSCRIPTION_STATUS_RANK[next.status]).toBeGreaterThanOrEqual(SUBSCRIPTION_STATUS_RANK[state.status]);
          if (state.status === 'cancelled') expect(next.status).toBe('cancelled');
          state = next;
        }
      }),
    );
  });

  it('ends where the newest event of the highest rank puts it, whatever order the events arrive in', () => {
    const distinct = moves.filter((events) => events.length > 0 && new Set(events.map((e) => e.second)).size === events.length);
    const arrivals = distinct.chain((events) => fc.tuple(fc.constant(events), fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length })));
    fc.assert(
      fc.property(arrivals, ([events, shuffled]) => {
        const top = Math.max(...events.map((e) => SUBSCRIPTION_STATUS_RANK[e.status]));
        const expected = events.filter((e) => SUBSCRIPTION_STATUS_RANK[e.status] === top).sort((a, b) => b.second - a.second)[0]!;
        expect(fold(shuffled)).toEqual({ status: expected.status, statusEventAt: iso(expected.second) });
      }),
    );
  });

  it('lets active and past_due follow each other by event time, and not go back to pending or incomplete', () => {
    expect(subscriptionMayMove({ status: 'active', statusEventAt: iso(10) }, { status: 'past_due', statusEventAt: iso(20) })).toBe(true);
    expect(subscriptionMayMove({ status: 'past_due', statusEventAt: iso(20) }, { status: 'active', statusEventAt: iso(10) })).toBe(false);
    expect(subscriptionMayMove({ status: 'active', statusEventAt: iso(10) }, { status: 'incomplete', statusEventAt: iso(30) })).toBe(false);
    expect(subscriptionMayMove({ status: 'cancelled', statusEventAt: iso(10) }, { status: 'active', statusEventAt: iso(30) })).toBe(false);
  });
});
