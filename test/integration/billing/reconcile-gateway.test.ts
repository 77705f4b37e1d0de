import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBillingSandbox, type BillingSandbox } from '../../../infra/local/billing-sandbox/server.js';
import { startPaymentsSandbox, type PaymentsSandbox } from '../../../infra/local/payments-sandbox/server.js';
import { handler as getReport } from '../../../functions/billing/get-reconciliation-report.js';
import type { Principal } from '../../../shared/auth/principal.js';
import { scopesForRoles } from '../../../shared/auth/roles.js';
import { httpBillingClient } from '../../../shared/billing/client.js';
import { reconcile, reconcileDeps } from '../../../shared/billing/reconcile.js';
import type { BillingSyncDirectMessage } from '../../../shared/billing/sync-messages.js';
import { keys } from '../../../shared/db/keys.js';
import { idempotencyKey, type PaymentGateway } from '../../../shared/payments/gateway.js';
import { stripeGateway } from '../../../shared/payments/stripe-gateway.js';
import { getObjectBytes } from '../../../shared/storage/s3.js';
import { engines, testDynamo, testS3, uniqueId } from '../../support/engines.js';
import { apiEvent, lambdaContext } from '../../support/lambda.js';

/**
 * The reconciliation's three sides against real stand-ins: our books in DynamoDB Local, billing's exports from the
 * billing sandbox, the gateway's balance transactions from the payments sandbox through stripe-node. Money moves at the
 * gateway through the same calls the checkout saga and refunds make, on the sandbox's clock set to the test's day; a
 * charge we did not make is seeded. One discrepancy of each of the gateway's kinds is found once, and a rerun repeats
 * nothing.
 */

const db = testDynamo();
const s3 = testS3();
let payments: PaymentsSandbox;
let billing: BillingSandbox;
let gateway: PaymentGateway;
let clock = 0;

/** A day of its own (far from any other test file's books and from the other gateway tests' days). */
const offset = Math.floor(Math.random() * 100_000);
const DAY = new Date(Date.UTC(2400, 0, 1) + offset * 86_400_000).toISOString().slice(0, 10);
const PREVIOUS = new Date(Date.parse(`${DAY}T00:00:00.000Z`) - 86_400_000).toISOString().slice(0, 10);
const at = (day: string, time: string) => Math.floor(Date.parse(`${day}T${time}.000Z`) / 1000);
const gbp = (amount: number) => ({ amount, currency: 'GBP' });

beforeAll(async () => {
  payments = await startPaymentsSandbox({ now: () => clock });
  billing = await startBillingSandbox({ settings: { autoPay: false } });
  gateway = stripeGateway({ ...payments.stripeOptions, maxNetworkRetries: 0 });
});

afterAll(async () => {
  db.destroy();
  s3.destroy();
  await payments.stop();
  await billing.stop();
});

async function put(item: Record<string, unknown>): Promise<void> {
  await db.send(new PutCommand({ TableName: engines().tableName, Item: item }));
}

const aSale = (orderId: string, total = 1000) =>
  put({ ...keys.financialRecord(DAY, 'SALE', orderId), entityType: 'BooksSale', orderId, currency: 'GBP', total, tax: 100, at: `${DAY}T12:00:00.000Z` });
const aRefund = (orderId: string, refundRef: string, amount: number) =>
  put({ ...keys.financialRecord(DAY, 'REFUND', `${orderId}#${refundRef}`), entityType: 'BooksRefund', orderId, refundRef, currency: 'GBP', amount, tax: 0, at: `${DAY}T13:00:00.000Z` });

/** Pays for an order at the gateway as the saga does (intent with `metadata.orderId`, confirm, capture) at `when`. */
async function capture(orderId: string, amount: number, when: number): Promise<string> {
  clock = when;
  const intent = await gateway.createIntent({ orderId, amount: gbp(amount), paymentMethod: 'pm_card_visa' }, idempotencyKey(orderId, 'authorize'));
  await gateway.confirm(intent.intentId, idempotencyKey(orderId, 'confirm'));
  await gateway.capture({ intentId: intent.intentId, amount: gbp(amount), authorized: gbp(amount) }, idempotencyKey(orderId, 'capture'));
  return intent.intentId;
}

function deps(now: Date, sent: BillingSyncDirectMessage[]) {
  return reconcileDeps({
    db,
    tableName: engines().tableName,
    now: () => now,
    billing: () => Promise.resolve(httpBillingClient(billing.clientSettings)),
    gateway: () => Promise.resolve(gateway),
    s3: () => Promise.resolve(s3),
    exportsBucket: () => engines().buckets.exports,
    enqueue: (message) => {
      sent.push(message);
      return Promise.resolve();
    },
  });
}

describe('reconcile against the payment gateway', () => {
  it('finds one seeded discrepancy of each of the gateway’s kinds exactly once, shows the three sides, and a rerun records none', async () => {
    const ids = { ok: uniqueId('g-ok'), captured: uniqueId('g-captured'), refunded: uniqueId('g-refunded'), short: uniqueId('g-short') };
    // Our side: three sales of the day and a refund of an order sold the day before (its order item is all we hold of it today).
    await Promise.all([aSale(ids.ok), aSale(ids.captured), aSale(ids.short), aRefund(ids.refunded, 'r1', 200), put({ ...keys.order(ids.refunded), entityType: 'Order', id: ids.refunded })]);
    // The gateway's: each sale captured (one for less), yesterday's order refunded today, and a charge of nobody's.
    await capture(ids.ok, 1000, at(DAY, '12:00:00'));
    await capture(ids.captured, 1000, at(DAY, '12:05:00'));
    await capture(ids.short, 900, at(DAY, '12:10:00'));
    const refundedIntent = await capture(ids.refunded, 1500, at(PREVIOUS, '18:00:00'));
    clock = at(DAY, '13:00:00');
    await gateway.refund({ intentId: refundedIntent, amount: gbp(200) }, idempotencyKey(ids.refunded, 'refund', 'r1'));
    const stranger = payments.seedCharge({ amount: 777, currency: 'gbp', created: at(DAY, '14:00:00') });
    // Billing's: the agreeing sale and the short one invoiced in full; nothing for the captured one, no credit note.
    billing.seed({
      invoices: [ids.ok, ids.short].map((orderId) => ({ externalId: orderId, currency: 'GBP', total: 1000, tax: 100, createdAt: `${DAY}T12:00:05.000Z` })),
    });

    const sent: BillingSyncDirectMessage[] = [];
    const first = await reconcile(DAY, deps(new Date(`${DAY}T23:59:00.000Z`), sent));
    expect(first.report.discrepancies.map((d) => [d.kind, d.ref, d.resolution, d.ours, d.theirs, d.gateway])).toEqual([
      ['captured-not-invoiced', ids.captured, 're-enqueue', 1000, undefined, 1000],
      ['refunded-not-credited', ids.refunded, 'adjustment', 200, undefined, 200],
      ['unknown-charge', stranger.id, 'adjustment', undefined, undefined, 777],
      ['gateway-amount-mismatch', ids.short, 'adjustment', 1000, 1000, 900],
    ]);
    expect(first).toMatchObject({ recorded: 4, reEnqueued: 1 });
    expect(sent).toEqual([{ kind: 'invoice', orderId: ids.captured }]);
    expect(first.summary.counts).toMatchObject({ 'missing-invoice': 0, 'credit-note-missing': 0, 'captured-not-invoiced': 1, 'refunded-not-credited': 1, 'unknown-charge': 1, 'gateway-amount-mismatch': 1 });
    expect(first.summary.totals).toEqual([
      {
        currency: 'GBP',
        sales: { count: 3, total: 3000, tax: 300 },
        refunds: { count: 1, amount: 200, tax: 0 },
        invoiced: { count: 2, total: 2000, tax: 200 },
        credited: { count: 0, amount: 0, tax: 0 },
        gateway: { captured: { count: 4, amount: 3677 }, refunded: { count: 1, amount: 200 } },
      },
    ]);
    expect(first.summary.orders).toEqual(
      [
        { orderId: ids.captured, currency: 'GBP', ours: { sold: 1000, refunded: 0 }, billing: { invoiced: 0, credited: 0 }, gateway: { captured: 1000, refunded: 0 } },
        { orderId: ids.refunded, currency: 'GBP', ours: { sold: 0, refunded: 200 }, billing: { invoiced: 0, credited: 0 }, gateway: { captured: 0, refunded: 200 } },
        { orderId: ids.short, currency: 'GBP', ours: { sold: 1000, refunded: 0 }, billing: { invoiced: 1000, credited: 0 }, gateway: { captured: 900, refunded: 0 } },
      ].sort((a, b) => (a.orderId < b.orderId ? -1 : 1)),
    );
    for (const d of first.report.discrepancies) {
      const { Item } = await db.send(new GetCommand({ TableName: engines().tableName, Key: keys.outboxEvent(`reconciliation-${DAY}-${d.kind}-${d.ref}`) }));
      expect(Item, `${d.kind} ${d.ref}`).toMatchObject({ source: 'smartshelf.billing', detailType: 'reconciliation.discrepancy' });
      expect(JSON.parse(String(Item!.detail))).toMatchObject({ data: { date: DAY, kind: d.kind, ref: d.ref, gateway: d.gateway } });
    }
    const csv = (await getObjectBytes(s3, engines().buckets.exports, first.summary.objects.csv)).toString('utf8');
    expect(csv).toContain(`unknown-charge,${stranger.id},,,,GBP,,,777,adjustment,`);

    // The console reads the same summary: the three sides per order and each side's totals.
    const admin: Principal = { subject: 'admin-1', kind: 'user', roles: ['admin'], scopes: scopesForRoles(['admin']), stores: ['*'] };
    const found = await getReport(apiEvent({ method: 'GET', resource: '/reports/reconciliation', query: { date: DAY }, principal: admin }), lambdaContext());
    expect(found.statusCode).toBe(200);
    expect(JSON.parse(found.body)).toEqual(first.summary);

    const second = await reconcile(DAY, deps(new Date(`${DAY}T23:59:30.000Z`), sent));
    expect(second).toMatchObject({ recorded: 0, reEnqueued: 0 });
    expect(second.report).toEqual(first.report);
    expect(sent).toHaveLength(1);
    const { Items = [] } = await db.send(
      new QueryCommand({ TableName: engines().tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `RECONCILIATION#${DAY}` }, ConsistentRead: true }),
    );
    expect(Items.filter((item) => item.entityType === 'ReconciliationAction')).toHaveLength(4);
  });
});
