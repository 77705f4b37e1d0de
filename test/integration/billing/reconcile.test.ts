import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startPaymentsSandbox, type PaymentsSandbox } from '../../../infra/local/payments-sandbox/server.js';
import type { Principal } from '../../../shared/auth/principal.js';
import { scopesForRoles } from '../../../shared/auth/roles.js';
import { handler as getReport } from '../../../functions/billing/get-reconciliation-report.js';
import { handler as reconcileDay } from '../../../functions/billing/reconcile-day.js';
import type { BillingClient } from '../../../shared/billing/client.js';
import { reconcile, reconcileDeps, type ReconcileDeps } from '../../../shared/billing/reconcile.js';
import { GATEWAY_DISCREPANCY_KINDS, type GatewayDiscrepancyKind } from '../../../shared/billing/gateway-rules.js';
import { DISCREPANCY_KINDS } from '../../../shared/billing/reconciliation-rules.js';
import { reportCsv, reportJson } from '../../../shared/billing/reconciliation-report.js';
import type { BillingSyncDirectMessage } from '../../../shared/billing/sync-messages.js';
import { keys } from '../../../shared/db/keys.js';
import type { PaymentGateway } from '../../../shared/payments/gateway.js';
import { stripeGateway } from '../../../shared/payments/stripe-gateway.js';
import { getObjectBytes } from '../../../shared/storage/s3.js';
import { engines, takeMessage, testDynamo, testS3, uniqueId } from '../../support/engines.js';
import { fakeBillingExports, type FakeExportDay } from '../../support/fake-billing-exports.js';
import { apiEvent, lambdaContext } from '../../support/lambda.js';

/**
 * The reconciliation against DynamoDB Local and s3rver, with billing's exports from an in-memory fake: a seeded day
 * with one discrepancy of each kind is found, reported, announced and acted on once, and a rerun repeats nothing.
 */

/** The billing system the scheduled function reaches through `billingClient()`: this environment configures none. */
const configuredBilling = vi.hoisted(() => ({ current: undefined as BillingClient | undefined }));

vi.mock('../../../shared/billing/client.js', async (importOriginal) => {
  const original: object = await importOriginal();
  return { ...original, billingClient: () => Promise.resolve(configuredBilling.current!) };
});

/** Nor a payment provider: the scheduled function's gateway is the payments sandbox started below. */
const configuredGateway = vi.hoisted(() => ({ current: undefined as PaymentGateway | undefined }));

vi.mock('../../../shared/payments/gateway-config.js', async (importOriginal) => {
  const original: object = await importOriginal();
  return { ...original, paymentGateway: () => Promise.resolve(configuredGateway.current!) };
});

const db = testDynamo();
const s3 = testS3();
/** Its days are not these tests' days (they are far in the future), so the gateway's side is empty here. */
let payments: PaymentsSandbox;

beforeAll(async () => {
  payments = await startPaymentsSandbox();
  configuredGateway.current = stripeGateway({ ...payments.stripeOptions, maxNetworkRetries: 0 });
});

afterAll(async () => {
  db.destroy();
  s3.destroy();
  await payments.stop();
});

const NO_GATEWAY = { captured: { count: 0, amount: 0 }, refunded: { count: 0, amount: 0 } };

/** A day of its own per test (far from any other test file's books), so runs never see each other's records. */
function aDay(): string {
  const offset = Math.floor(Math.random() * 200_000);
  return new Date(Date.UTC(2200, 0, 1) + offset * 86_400_000).toISOString().slice(0, 10);
}

async function put(item: Record<string, unknown>): Promise<void> {
  await db.send(new PutCommand({ TableName: engines().tableName, Item: item }));
}

async function aSale(day: string, orderId: string, total = 1000, tax = 100): Promise<void> {
  await put({ ...keys.financialRecord(day, 'SALE', orderId), entityType: 'BooksSale', orderId, currency: 'GBP', total, tax, at: `${day}T12:00:00.000Z` });
}

async function aRefund(day: string, orderId: string, refundRef: string, amount = 300, tax = 50): Promise<void> {
  await put({ ...keys.financialRecord(day, 'REFUND', `${orderId}#${refundRef}`), entityType: 'BooksRefund', orderId, refundRef, currency: 'GBP', amount, tax, at: `${day}T13:00:00.000Z` });
}

async function anInvoiceMapping(orderId: string, status: 'sent' | 'paid' | 'payment-failed'): Promise<void> {
  await put({ ...keys.invoiceByOrder(orderId), entityType: 'BillingInvoice', orderId, invoiceReference: `in_${orderId}`, status, currency: 'GBP', total: 1000, tax: 100 });
  await put({ ...keys.orderByInvoice(`in_${orderId}`), entityType: 'InvoiceRef', orderId });
}

const invoice = (day: string, orderId: string, overrides: Record<string, unknown> = {}) => ({
  invoiceReference: `in_${orderId}`,
  externalId: orderId,
  status: 'open',
  currency: 'GBP',
  total: 1000,
  tax: 100,
  createdAt: `${day}T12:00:05.000Z`,
  customerReference: 'shopper-1',
  ...overrides,
});

/** Our books and billing's exports of `day`, disagreeing once in each way. */
async function seedOneOfEachKind(day: string): Promise<{ ids: Record<string, string>; exports: Record<string, FakeExportDay> }> {
  const ids = {
    ok: uniqueId('o-ok'),
    missing: uniqueId('o-missing'),
    amount: uniqueId('o-amount'),
    tax: uniqueId('o-tax'),
    status: uniqueId('o-status'),
    stranger: uniqueId('o-stranger'),
  };
  await Promise.all([
    aSale(day, ids.ok),
    aSale(day, ids.missing),
    aSale(day, ids.amount),
    aSale(day, ids.tax),
    aSale(day, ids.status),
    aRefund(day, ids.ok, 'r1'),
    aRefund(day, ids.ok, 'r2'),
    anInvoiceMapping(ids.ok, 'paid'),
    anInvoiceMapping(ids.amount, 'sent'),
    anInvoiceMapping(ids.tax, 'sent'),
    anInvoiceMapping(ids.status, 'paid'),
  ]);
  const invoices = [
    invoice(day, ids.ok, { status: 'paid' }),
    invoice(day, ids.amount, { total: 1250 }),
    invoice(day, ids.tax, { tax: 80 }),
    invoice(day, ids.status),
    invoice(day, ids.stranger),
  ];
  return {
    ids,
    exports: {
      [day]: {
        invoices,
        'credit-notes': [{ creditNoteReference: 'cn_1', invoiceReference: `in_${ids.ok}`, externalId: `${ids.ok}#r1`, amount: 300, tax: 50, currency: 'GBP', createdAt: `${day}T13:00:05.000Z` }],
        'tax-lines': invoices.map((i, n) => ({ invoiceReference: i.invoiceReference, externalId: i.externalId, lineNumber: n + 1, sku: 'SKU', amount: i.total, tax: i.tax, currency: 'GBP', createdAt: i.createdAt })),
        payments: [{ paymentReference: 'py_1', invoiceReference: `in_${ids.ok}`, externalId: ids.ok, amount: 1000, currency: 'GBP', status: 'succeeded', createdAt: `${day}T12:30:00.000Z` }],
      },
    },
  };
}

function testDeps(exports: Record<string, FakeExportDay>, now: Date, enqueue: ReconcileDeps['enqueue']) {
  const fake = fakeBillingExports(exports);
  const deps = reconcileDeps({
    db,
    tableName: engines().tableName,
    now: () => now,
    billing: () => Promise.resolve(fake.client),
    gateway: () => Promise.resolve(configuredGateway.current!),
    s3: () => Promise.resolve(s3),
    exportsBucket: () => engines().buckets.exports,
    enqueue,
  });
  return { deps, fake };
}

async function object(key: string): Promise<string> {
  return (await getObjectBytes(s3, engines().buckets.exports, key)).toString('utf8');
}

async function dayItems(day: string): Promise<Record<string, unknown>[]> {
  const { Items = [] } = await db.send(
    new QueryCommand({ TableName: engines().tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `RECONCILIATION#${day}` }, ConsistentRead: true }),
  );
  return Items;
}

describe('reconcile', () => {
  it('finds each kind of discrepancy of a seeded day exactly once, and a rerun writes the same report and does nothing again', async () => {
    const day = aDay();
    const { ids, exports } = await seedOneOfEachKind(day);
    const sent: BillingSyncDirectMessage[] = [];
    const enqueue = (message: BillingSyncDirectMessage) => {
      sent.push(message);
      return Promise.resolve();
    };
    const { deps, fake } = testDeps(exports, new Date(`${day}T23:59:00.000Z`), enqueue);

    const first = await reconcile(day, deps);
    expect(first.report.discrepancies.map((d) => [d.kind, d.ref, d.resolution])).toEqual([
      ['missing-invoice', ids.missing, 're-enqueue'],
      ['orphan-invoice', `in_${ids.stranger}`, 'adjustment'],
      ['amount-mismatch', ids.amount, 'adjustment'],
      ['tax-mismatch', ids.tax, 'adjustment'],
      ['status-mismatch', ids.status, 'adjustment'],
      ['credit-note-missing', `${ids.ok}#r2`, 'adjustment'],
    ]);
    // The gateway's kinds are reconcile-gateway.test.ts's: nothing moved at the gateway on this day.
    expect(first.summary.counts).toEqual(Object.fromEntries(DISCREPANCY_KINDS.map((kind) => [kind, GATEWAY_DISCREPANCY_KINDS.includes(kind as GatewayDiscrepancyKind) ? 0 : 1])));
    expect(first.summary.totals).toEqual([
      {
        currency: 'GBP',
        sales: { count: 5, total: 5000, tax: 500 },
        refunds: { count: 2, amount: 600, tax: 100 },
        invoiced: { count: 5, total: 5250, tax: 480 },
        credited: { count: 1, amount: 300, tax: 50 },
        gateway: NO_GATEWAY,
      },
    ]);
    expect(first).toMatchObject({ recorded: 6, reEnqueued: 1 });
    expect(sent).toEqual([{ kind: 'invoice', orderId: ids.missing }]);
    // Every page of every export was read, and the next day's not at all while it has not begun.
    expect(fake.requests.filter((r) => r.kind === 'invoices').map((r) => r.cursor)).toEqual([undefined, 'after-2', 'after-4']);
    expect(new Set(fake.requests.map((r) => r.date))).toEqual(new Set([day]));

    const json = await object(`reconciliation/${day}/report.json`);
    const csv = await object(`reconciliation/${day}/report.csv`);
    expect(json).toBe(reportJson(first.report));
    expect(csv).toBe(reportCsv(first.report));
    expect(csv.split('\r\n')[0]).toBe('date,kind,ref,orderId,refundRef,invoiceReference,currency,ours,theirs,gateway,resolution,reason');
    expect(csv.split('\r\n').filter(Boolean)).toHaveLength(7);

    for (const d of first.report.discrepancies) {
      const { Item } = await db.send(new GetCommand({ TableName: engines().tableName, Key: keys.outboxEvent(`reconciliation-${day}-${d.kind}-${d.ref}`) }));
      expect(Item, `${d.kind} ${d.ref}`).toMatchObject({ source: 'smartshelf.billing', detailType: 'reconciliation.discrepancy' });
      expect(JSON.parse(String(Item!.detail))).toMatchObject({ data: { date: day, kind: d.kind, ref: d.ref, resolution: d.resolution, reason: d.reason } });
    }
    const actions = (await dayItems(day)).filter((item) => item.entityType === 'ReconciliationAction');
    expect(actions.map((item) => item.sk).sort()).toEqual(
      [
        `ADJUSTMENT#amount-mismatch#${ids.amount}`,
        `ADJUSTMENT#credit-note-missing#${ids.ok}#r2`,
        `ADJUSTMENT#orphan-invoice#in_${ids.stranger}`,
        `ADJUSTMENT#status-mismatch#${ids.status}`,
        `ADJUSTMENT#tax-mismatch#${ids.tax}`,
        `REENQUEUE#missing-invoice#${ids.missing}`,
      ].sort(),
    );
    expect(actions.every((item) => typeof item.reason === 'string' && item.reason !== '')).toBe(true);
    expect(actions.find((item) => String(item.sk).startsWith('REENQUEUE#'))).toMatchObject({ enqueuedAt: `${day}T23:59:00.000Z` });

    const later = testDeps(exports, new Date(`${day}T23:59:30.000Z`), enqueue).deps;
    const second = await reconcile(day, later);
    expect(second).toMatchObject({ recorded: 0, reEnqueued: 0 });
    expect(sent).toHaveLength(1);
    expect(await object(`reconciliation/${day}/report.json`)).toBe(json);
    expect(await object(`reconciliation/${day}/report.csv`)).toBe(csv);
    expect({ ...second.summary, generatedAt: first.summary.generatedAt }).toEqual(first.summary);
    expect(second.summary.generatedAt).toBe(`${day}T23:59:30.000Z`);
    expect((await dayItems(day)).filter((item) => item.entityType === 'ReconciliationAction')).toHaveLength(6);
  });

  it('compares each refund of the day with its credit note: amount, tax, and the credit note’s own tax lines', async () => {
    const day = aDay();
    const order = uniqueId('o-refunded');
    await Promise.all([aSale(day, order), anInvoiceMapping(order, 'sent'), aRefund(day, order, 'agrees', 300, 50), aRefund(day, order, 'untaxed', 200, 33), aRefund(day, order, 'lines', 100, 17)]);
    const at = `${day}T13:00:05.000Z`;
    const note = (ref: string, amount: number, tax: number) => ({ creditNoteReference: `cn_${ref}`, invoiceReference: `in_${order}`, externalId: `${order}#${ref}`, amount, tax, currency: 'GBP', createdAt: at });
    const taxLine = (ref: string, tax: number, n: number) => ({
      invoiceReference: `in_${order}`,
      creditNoteReference: `cn_${ref}`,
      externalId: `${order}#${ref}`,
      lineNumber: n,
      sku: 'SKU',
      amount: 100,
      tax,
      currency: 'GBP',
      createdAt: at,
    });
    const exports: Record<string, FakeExportDay> = {
      [day]: {
        invoices: [invoice(day, order)],
        // Billing credited the amount but no tax, as our credit notes were before: the books say 33.
        'credit-notes': [note('agrees', 300, 50), note('untaxed', 200, 0), note('lines', 100, 17)],
        'tax-lines': [
          { invoiceReference: `in_${order}`, externalId: order, lineNumber: 1, sku: 'SKU', amount: 1000, tax: 100, currency: 'GBP', createdAt: `${day}T12:00:05.000Z` },
          taxLine('agrees', 30, 1),
          taxLine('agrees', 20, 2),
          taxLine('lines', 16, 1),
        ],
        payments: [],
      },
    };
    const { deps } = testDeps(exports, new Date(`${day}T23:59:00.000Z`), () => Promise.resolve());
    const { report, summary } = await reconcile(day, deps);
    expect(report.discrepancies.map((d) => [d.kind, d.ref, d.ours, d.theirs])).toEqual([
      ['tax-mismatch', `${order}#lines`, 17, 16],
      ['tax-mismatch', `${order}#untaxed`, 33, 0],
    ]);
    expect(summary.totals).toEqual([
      {
        currency: 'GBP',
        sales: { count: 1, total: 1000, tax: 100 },
        refunds: { count: 3, amount: 600, tax: 100 },
        invoiced: { count: 1, total: 1000, tax: 100 },
        credited: { count: 3, amount: 600, tax: 67 },
        gateway: NO_GATEWAY,
      },
    ]);
  });

  it('sends a missing invoice again on the next run when the first run failed to send it, and then never again', async () => {
    const day = aDay();
    const orderId = uniqueId('o-missing');
    await aSale(day, orderId);
    const sent: BillingSyncDirectMessage[] = [];
    let failures = 1;
    const enqueue = (message: BillingSyncDirectMessage) => {
      if (failures-- > 0) return Promise.reject(new Error('SQS is down'));
      sent.push(message);
      return Promise.resolve();
    };
    const { deps } = testDeps({}, new Date(`${day}T23:00:00.000Z`), enqueue);
    await expect(reconcile(day, deps)).rejects.toThrow('SQS is down');
    expect(await reconcile(day, deps)).toMatchObject({ recorded: 0, reEnqueued: 1 });
    expect(await reconcile(day, deps)).toMatchObject({ recorded: 0, reEnqueued: 0 });
    expect(sent).toEqual([{ kind: 'invoice', orderId }]);
  });

  it('matches a sale made just before midnight with its invoice in the next day’s export, once that day has begun', async () => {
    const day = aDay();
    const orderId = uniqueId('o-late');
    await aSale(day, orderId);
    const next = new Date(Date.parse(`${day}T00:00:00.000Z`) + 86_400_000).toISOString().slice(0, 10);
    const exports = { [next]: { invoices: [invoice(next, orderId, { createdAt: `${next}T00:00:02.000Z` })] } };
    const { deps, fake } = testDeps(exports, new Date(`${next}T02:30:00.000Z`), () => Promise.reject(new Error('nothing to re-enqueue')));
    const outcome = await reconcile(day, deps);
    expect(outcome.report.discrepancies).toEqual([]);
    expect(new Set(fake.requests.map((r) => r.date))).toEqual(new Set([day, next]));
  });

  it('fails the run on an export row it cannot read, before writing anything', async () => {
    const day = aDay();
    const { deps } = testDeps({ [day]: { invoices: [{ invoiceReference: 'in_1', externalId: 'o-1', status: 'draft' }] } }, new Date(`${day}T23:00:00.000Z`), () => Promise.resolve());
    await expect(reconcile(day, deps)).rejects.toThrow(/invoices export of .* has an unreadable row/);
    expect(await dayItems(day)).toEqual([]);
  });
});

describe('GET /reports/reconciliation', () => {
  const admin: Principal = { subject: 'admin-1', kind: 'user', roles: ['admin'], scopes: scopesForRoles(['admin']), stores: ['*'] };

  it('answers the summary of a reconciled day, 404 for a day never reconciled, 400 for a date that is not one', async () => {
    const day = aDay();
    await aSale(day, uniqueId('o'));
    const { deps } = testDeps({}, new Date(`${day}T23:00:00.000Z`), () => Promise.resolve());
    const { summary } = await reconcile(day, deps);

    const found = await getReport(apiEvent({ method: 'GET', resource: '/reports/reconciliation', query: { date: day }, principal: admin }), lambdaContext());
    expect(found.statusCode).toBe(200);
    expect(JSON.parse(found.body)).toEqual(summary);

    const missing = await getReport(apiEvent({ method: 'GET', resource: '/reports/reconciliation', query: { date: aDay() }, principal: admin }), lambdaContext());
    expect(missing.statusCode).toBe(404);
    const invalid = await getReport(apiEvent({ method: 'GET', resource: '/reports/reconciliation', query: { date: '2026-02-30' }, principal: admin }), lambdaContext());
    expect(invalid.statusCode).toBe(400);
  });

  it('answers a summary written before refunds and credit notes carried their tax, and before the gateway’s side, with 0 and none', async () => {
    const day = aDay();
    const { deps } = testDeps({}, new Date(`${day}T23:00:00.000Z`), () => Promise.resolve());
    const { summary } = await reconcile(day, deps);
    const old = [{ currency: 'GBP', sales: { count: 1, total: 1000, tax: 100 }, refunds: { count: 1, amount: 300 }, invoiced: { count: 1, total: 1000, tax: 100 }, credited: { count: 1, amount: 300 } }];
    const { orders: _orders, ordersOmitted: _omitted, ...before } = summary;
    const billingCounts = Object.fromEntries(Object.entries(summary.counts).filter(([kind]) => !GATEWAY_DISCREPANCY_KINDS.includes(kind as GatewayDiscrepancyKind)));
    await put({ ...keys.reconciliationReport(day), entityType: 'ReconciliationReport', ...before, counts: billingCounts, totals: old });
    const found = await getReport(apiEvent({ method: 'GET', resource: '/reports/reconciliation', query: { date: day }, principal: admin }), lambdaContext());
    expect(found.statusCode).toBe(200);
    const body = JSON.parse(found.body) as typeof summary;
    expect(body.totals).toEqual([{ ...old[0], refunds: { count: 1, amount: 300, tax: 0 }, credited: { count: 1, amount: 300, tax: 0 }, gateway: NO_GATEWAY }]);
    expect(body).toMatchObject({ counts: summary.counts, orders: [], ordersOmitted: 0 });
  });
});

describe('the scheduled function', () => {
  it('reconciles the day it is given with the production dependencies, putting the missing invoice on the billing-sync queue', async () => {
    const day = aDay();
    const orderId = uniqueId('o-missing');
    await aSale(day, orderId);
    configuredBilling.current = fakeBillingExports({}).client;

    const summary = await reconcileDay({ date: day }, lambdaContext('billing-reconcile-day'));
    expect(summary).toMatchObject({ date: day, discrepancies: 1, counts: { 'missing-invoice': 1 }, objects: { json: `reconciliation/${day}/report.json` } });
    expect(await takeMessage('billing-sync', (body) => (body as { orderId?: string }).orderId === orderId)).toEqual({ kind: 'invoice', orderId });
    expect(await object(`reconciliation/${day}/report.csv`)).toContain(`missing-invoice,${orderId}`);
  });

  it('reconciles yesterday, in UTC, when the schedule sends {}', async () => {
    configuredBilling.current = fakeBillingExports({}).client;
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    expect((await reconcileDay({}, lambdaContext('billing-reconcile-day'))).date).toBe(yesterday);
  });

  it('refuses an input that is not {} or { date }', async () => {
    await expect(reconcileDay({ date: '26/11/2026' }, lambdaContext('billing-reconcile-day'))).rejects.toThrow();
    await expect(reconcileDay({ day: '2026-11-26' }, lambdaContext('billing-reconcile-day'))).rejects.toThrow();
  });
});
