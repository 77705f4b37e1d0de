import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPaymentsSandbox, type PaymentsSandbox } from '../../../infra/local/payments-sandbox/server.js';
import { idempotencyKey, type PaymentGateway } from '../../../shared/payments/gateway.js';
import { stripeClient, stripeGateway } from '../../../shared/payments/stripe-gateway.js';

/**
 * The gateway's side of the nightly reconciliation: a day's captures and refunds read through the real stripe-node
 * client from the payments sandbox's `/v1/balance_transactions`, every page, with each one's charge, PaymentIntent and
 * order.
 */

const DAY_START = Date.UTC(2031, 4, 10) / 1000;
const seconds = (hours: number) => DAY_START + Math.round(hours * 3600);
const gbp = (amount: number) => ({ amount, currency: 'GBP' });

let sandbox: PaymentsSandbox;
let gateway: PaymentGateway;
let clock = seconds(9);

beforeAll(async () => {
  sandbox = await startPaymentsSandbox({ now: () => clock });
  gateway = stripeGateway({ ...sandbox.stripeOptions, maxNetworkRetries: 0 });
});

afterAll(async () => {
  await sandbox.stop();
});

/** An order paid through the gateway as the checkout saga pays one: intent, confirm, capture. */
async function paidOrder(orderId: string, amount: number): Promise<string> {
  const intent = await gateway.createIntent({ orderId, amount: gbp(amount), paymentMethod: 'pm_card_visa' }, idempotencyKey(orderId, 'authorize'));
  await gateway.confirm(intent.intentId, idempotencyKey(orderId, 'confirm'));
  await gateway.capture({ intentId: intent.intentId, amount: gbp(amount), authorized: gbp(amount) }, idempotencyKey(orderId, 'capture'));
  return intent.intentId;
}

describe('listBalanceTransactions', () => {
  it('answers the day’s captures and refunds with their charge, intent and order, across pages, and nothing of other days', async () => {
    clock = seconds(-2);
    await paidOrder('o-yesterday', 900);
    clock = seconds(10);
    const intentId = await paidOrder('o-today', 2500);
    clock = seconds(11);
    await gateway.refund({ intentId, amount: gbp(400) }, idempotencyKey('o-today', 'refund', 'r1'));
    // A refund today of a charge captured yesterday still names its order.
    clock = seconds(11.5);
    const [yesterdays] = sandbox.paymentIntents().filter((pi) => pi.metadata.orderId === 'o-yesterday');
    await gateway.refund({ intentId: yesterdays!.id, amount: gbp(100) }, idempotencyKey('o-yesterday', 'refund', 'r1'));
    const stranger = sandbox.seedCharge({ amount: 777, currency: 'gbp', created: seconds(12) });
    // More than a page of 100, so auto-paging has to follow has_more.
    for (let i = 0; i < 120; i += 1) sandbox.seedCharge({ amount: 100 + i, currency: 'eur', orderId: `o-bulk-${i}`, created: seconds(13) });
    sandbox.seedCharge({ amount: 50, currency: 'gbp', orderId: 'o-tomorrow', created: seconds(24) });

    const found = await gateway.listBalanceTransactions(new Date(DAY_START * 1000), new Date(seconds(24) * 1000));

    expect(found).toHaveLength(124);
    const mine = found.filter((t) => !t.orderId?.startsWith('o-bulk-'));
    expect(mine.map(({ kind, amount, currency, orderId }) => ({ kind, amount, currency, orderId })).sort((a, b) => a.amount - b.amount)).toEqual([
      { kind: 'refund', amount: 100, currency: 'GBP', orderId: 'o-yesterday' },
      { kind: 'refund', amount: 400, currency: 'GBP', orderId: 'o-today' },
      { kind: 'capture', amount: 777, currency: 'GBP', orderId: undefined },
      { kind: 'capture', amount: 2500, currency: 'GBP', orderId: 'o-today' },
    ]);
    const capture = mine.find((t) => t.kind === 'capture' && t.orderId === 'o-today')!;
    expect(capture).toMatchObject({ intentId, sourceId: capture.chargeId, createdAt: new Date(seconds(10) * 1000).toISOString() });
    expect(capture.transactionId).toMatch(/^txn_/);
    const refund = mine.find((t) => t.kind === 'refund' && t.orderId === 'o-today')!;
    expect(refund).toMatchObject({ intentId, chargeId: capture.chargeId });
    expect(refund.sourceId).toMatch(/^re_/);
    expect(mine.find((t) => t.amount === 777)).toMatchObject({ chargeId: stranger.id, sourceId: stranger.id });
    expect(mine.find((t) => t.amount === 777)!.intentId).toBeUndefined();
    expect(new Set(found.filter((t) => t.orderId?.startsWith('o-bulk-')).map((t) => t.orderId)).size).toBe(120);
  });

  it('serves Stripe’s list shape: newest first, has_more and starting_after, refunds negative', async () => {
    const stripe: Stripe = stripeClient({ ...sandbox.stripeOptions, maxNetworkRetries: 0 });
    const range = { gte: seconds(13), lt: seconds(14) };
    const first = await stripe.balanceTransactions.list({ created: range, limit: 100 });
    expect(first).toMatchObject({ object: 'list', has_more: true });
    expect(first.data).toHaveLength(100);
    const second = await stripe.balanceTransactions.list({ created: range, limit: 100, starting_after: first.data.at(-1)!.id });
    expect(second).toMatchObject({ has_more: false });
    expect(second.data).toHaveLength(20);
    expect(new Set([...first.data, ...second.data].map((t) => t.id)).size).toBe(120);

    const refunds = await stripe.balanceTransactions.list({ created: { gte: DAY_START, lt: seconds(24) }, type: 'refund' });
    expect(refunds.data.map((t) => [t.type, t.amount, t.reporting_category])).toEqual([
      ['refund', -100, 'refund'],
      ['refund', -400, 'refund'],
    ]);
    await expect(stripe.balanceTransactions.list({ limit: 101 })).rejects.toMatchObject({ type: 'StripeInvalidRequestError', param: 'limit' });
  });

  it('refuses a seeded charge that is not one, through the control endpoint, and makes nothing', async () => {
    const before = (await gateway.listBalanceTransactions(new Date(0), new Date(seconds(48) * 1000))).length;
    const response = await fetch(`${sandbox.url}/_sandbox/charges`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ amount: 0, currency: 'gbp' }) });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { param: 'amount' } });
    const made = await fetch(`${sandbox.url}/_sandbox/charges`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ amount: 300, currency: 'gbp', orderId: 'o-seeded', refunded: 300, created: seconds(30) }) });
    expect(made.status).toBe(200);
    expect(await made.json()).toMatchObject({ object: 'charge', amount: 300, amount_refunded: 300, refunded: true, metadata: { orderId: 'o-seeded' }, payment_intent: null });
    expect(await gateway.listBalanceTransactions(new Date(0), new Date(seconds(48) * 1000))).toHaveLength(before + 2);
  });
});
