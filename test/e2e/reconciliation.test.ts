import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../infra/local/engines/credentials.js';
import { localDynamoClient } from '../../infra/local/engines/dynamodb.js';
import { resourceNames } from '../../infra/local/resources.js';
import { saleRecordItem } from '../../shared/orders/books.js';
import type { ReconciliationSummary } from '../../shared/billing/reconcile.js';
import { keys } from '../../shared/db/keys.js';
import { orderItem } from '../../shared/orders/repository.js';
import { ApiClient } from '../support/api-client.js';
import { eventually } from '../support/e2e.js';
import { anOrder } from '../unit/orders/fixtures.js';

/**
 * The nightly reconciliation end to end: a day seeded with one discrepancy of each kind, our side in the platform's
 * table, billing's side in the billing sandbox (`POST /_sandbox/seed`) and the gateway's in the payments sandbox
 * (`POST /_sandbox/charges`, read back through Stripe's `/v1/balance_transactions`), reconciled by `npm run reconcile`. The
 * missing invoice is a real completed order, so its re-enqueue goes through the billing-sync worker to the sandbox;
 * afterwards the day reconciles without it, and running it again changes nothing.
 *
 * The day is yesterday (UTC): the platform started fresh today, so nothing else is in that day's books or exports,
 * and the invoice the worker makes now lands in the next day's export, which the reconciliation reads for late sales.
 * A run across midnight UTC would see another yesterday.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const run = Date.now().toString(36);
const dataDir = inject('dataDir');
const api = new ApiClient(inject('baseUrl')).as({ apiKey: inject('adminApiKey') });
const runtime = JSON.parse(await readFile(join(dataDir, 'runtime.json'), 'utf8')) as {
  endpoints: { dynamodb: string; s3: string };
  tableName: string;
  billingSandboxUrl: string;
  paymentsSandboxUrl: string;
};
const db = DynamoDBDocumentClient.from(localDynamoClient(runtime.endpoints.dynamodb), { marshallOptions: { removeUndefinedValues: true } });
const s3 = new S3Client({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: runtime.endpoints.s3, forcePathStyle: true });
const exportsBucket = resourceNames(runtime.tableName).bucket('exports');

const DAY = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
const at = (time: string) => `${DAY}T${time}.000Z`;
const ids = {
  ok: `rec-ok-${run}`,
  // A real order, so its id is a ULID like every order's.
  missing: ulid(),
  amount: `rec-amount-${run}`,
  tax: `rec-tax-${run}`,
  status: `rec-status-${run}`,
  stranger: `rec-stranger-${run}`,
  // The gateway's side: captured with no invoice at billing (we hold one it lacks), refunded with no credit note.
  captured: `rec-captured-${run}`,
  refunded: ulid(),
};

async function sandbox<T>(method: string, path: string, body?: unknown, base = runtime.billingSandboxUrl): Promise<T> {
  const response = await fetch(`${base}${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  if (!response.ok) throw new Error(`sandbox ${method} ${path} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

interface SandboxState {
  settings: { autoPay: boolean };
  invoices: { invoiceReference: string; externalId: string; total: number; tax: number; createdAt: string }[];
}

const put = (item: Record<string, unknown>) => db.send(new PutCommand({ TableName: runtime.tableName, Item: item }));
const itemAt = async (key: { pk: string; sk: string }) => (await db.send(new GetCommand({ TableName: runtime.tableName, Key: key, ConsistentRead: true }))).Item;

async function reconcileCommand(): Promise<ReconciliationSummary & { recorded: number; reEnqueued: number }> {
  const env: NodeJS.ProcessEnv = { ...process.env, SMARTSHELF_DATA_DIR: dataDir };
  // The command must find the platform through runtime.json, not through anything this process has set.
  for (const name of ['TABLE_NAME', 'BILLING_API_BASE', 'BILLING_API_TOKEN', 'BILLING_SIGNING_SECRET', 'STRIPE_SECRET_KEY', 'STRIPE_API_BASE']) delete env[name];
  const { stdout } = await promisify(execFile)('npm', ['run', '--silent', 'reconcile', '--', '--date', DAY, '--json'], { cwd: ROOT, env, timeout: 90_000 });
  return JSON.parse(stdout) as ReconciliationSummary & { recorded: number; reEnqueued: number };
}

async function object(key: string): Promise<string> {
  const { Body } = await s3.send(new GetObjectCommand({ Bucket: exportsBucket, Key: key }));
  return Body!.transformToString('utf8');
}

async function actions(): Promise<string[]> {
  const { Items = [] } = await db.send(
    new QueryCommand({ TableName: runtime.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `RECONCILIATION#${DAY}` }, ConsistentRead: true }),
  );
  return Items.filter((item) => item.entityType === 'ReconciliationAction').map((item) => String(item.sk)).sort();
}

let autoPayBefore: boolean;

beforeAll(async () => {
  // An invoice paid by the sandbox between two runs would make a passing status difference: nothing is paid while this runs.
  autoPayBefore = (await sandbox<SandboxState>('GET', '/_sandbox/state')).settings.autoPay;
  await sandbox('POST', '/_sandbox/settings', { autoPay: false });

  const order = anOrder({
    id: ids.missing,
    shopperId: `shopper-${run}`,
    status: 'completed',
    payment: { method: 'pm_card_visa', intentId: `pi_${run}`, authorized: 1000, captured: 1000, refunded: 0, status: 'captured' },
    statusHistory: [{ from: 'captured', to: 'completed', event: 'complete', at: at('12:00:00'), actor: 'checkout-saga' }],
    createdAt: at('11:00:00'),
    updatedAt: at('12:00:00'),
  });
  const sale = (orderId: string) => ({ ...keys.financialRecord(DAY, 'SALE', orderId), entityType: 'BooksSale', orderId, currency: 'GBP', total: 1000, tax: 100, at: at('12:00:00') });
  const refund = (orderId: string, refundRef: string) => ({
    ...keys.financialRecord(DAY, 'REFUND', `${orderId}#${refundRef}`),
    entityType: 'BooksRefund',
    orderId,
    refundRef,
    currency: 'GBP',
    amount: 300,
    at: at('13:00:00'),
  });
  const mapping = (orderId: string, status: string) => ({ ...keys.invoiceByOrder(orderId), entityType: 'BillingInvoice', orderId, invoiceReference: `in_${orderId}`, status, currency: 'GBP', total: 1000, tax: 100 });
  // An order of ours paid the day before, refunded on the day.
  const refundedOrder = anOrder({ id: ids.refunded, shopperId: `shopper-${run}`, status: 'completed', createdAt: at('01:00:00'), updatedAt: at('13:00:00') });
  await Promise.all([
    put(orderItem(order)),
    put(orderItem(refundedOrder)),
    put(sale(ids.captured)),
    put(mapping(ids.captured, 'sent')),
    put(refund(ids.refunded, 'r1')),
    // The sale record exactly as the order's completion writes it.
    put(saleRecordItem(runtime.tableName, order, at('12:00:00')).Put!.Item!),
    put(sale(ids.ok)),
    put(sale(ids.amount)),
    put(sale(ids.tax)),
    put(sale(ids.status)),
    put(refund(ids.ok, 'r1')),
    put(refund(ids.ok, 'r2')),
    put(mapping(ids.ok, 'paid')),
    put(mapping(ids.amount, 'sent')),
    put(mapping(ids.tax, 'sent')),
    put(mapping(ids.status, 'paid')),
  ]);

  const invoice = (orderId: string, overrides: Record<string, unknown> = {}) => ({
    invoiceReference: `in_${orderId}`,
    externalId: orderId,
    currency: 'GBP',
    total: 1000,
    tax: 100,
    createdAt: at('12:00:05'),
    ...overrides,
  });
  await sandbox('POST', '/_sandbox/seed', {
    invoices: [invoice(ids.ok, { status: 'paid' }), invoice(ids.amount, { total: 1250 }), invoice(ids.tax, { tax: 80 }), invoice(ids.status), invoice(ids.stranger)],
    creditNotes: [{ invoiceReference: `in_${ids.ok}`, externalId: `${ids.ok}#r1`, amount: 300, currency: 'GBP', createdAt: at('13:00:05') }],
    payments: [{ invoiceReference: `in_${ids.ok}`, amount: 1000, currency: 'GBP', createdAt: at('12:30:00') }],
  });

  // The gateway's side: the agreeing sale captured short, the invoiced-nowhere one in full, yesterday's order refunded,
  // and a charge of nobody's. The other sales have no capture that day (paid at the till, as far as the gateway knows).
  const seconds = (time: string) => Math.floor(Date.parse(at(time)) / 1000);
  const charge = (body: Record<string, unknown>) => sandbox<{ id: string }>('POST', '/_sandbox/charges', { currency: 'gbp', ...body }, runtime.paymentsSandboxUrl);
  await charge({ orderId: ids.ok, amount: 900, created: seconds('12:00:00') });
  await charge({ orderId: ids.captured, amount: 1000, created: seconds('12:01:00') });
  await charge({ orderId: ids.refunded, amount: 1000, created: seconds('12:00:00') - 86_400, refunded: 300, refundedAt: seconds('13:00:00') });
  strangerCharge = (await charge({ amount: 777, created: seconds('14:00:00') })).id;
});

let strangerCharge: string;

afterAll(async () => {
  await sandbox('POST', '/_sandbox/settings', { autoPay: autoPayBefore });
  db.destroy();
  s3.destroy();
});

describe('npm run reconcile', () => {
  it('finds each kind of discrepancy once, re-enqueues the missing invoice through to billing, and reruns change nothing', async () => {
    const first = await reconcileCommand();
    expect(first.counts).toEqual({
      'missing-invoice': 1,
      'orphan-invoice': 1,
      'amount-mismatch': 1,
      'tax-mismatch': 1,
      'status-mismatch': 1,
      'credit-note-missing': 1,
      'captured-not-invoiced': 1,
      'refunded-not-credited': 1,
      'unknown-charge': 1,
      'gateway-amount-mismatch': 1,
    });
    expect(first).toMatchObject({ date: DAY, discrepancies: 10, recorded: 10, reEnqueued: 1 });
    const report = JSON.parse(await object(first.objects.json)) as { discrepancies: { kind: string; ref: string; resolution: string; ours?: number; theirs?: number; gateway?: number }[] };
    expect(report.discrepancies.map((d) => [d.kind, d.ref, d.resolution])).toEqual([
      ['missing-invoice', ids.missing, 're-enqueue'],
      ['orphan-invoice', `in_${ids.stranger}`, 'adjustment'],
      ['amount-mismatch', ids.amount, 'adjustment'],
      ['tax-mismatch', ids.tax, 'adjustment'],
      ['status-mismatch', ids.status, 'adjustment'],
      ['credit-note-missing', `${ids.ok}#r2`, 'adjustment'],
      ['captured-not-invoiced', ids.captured, 'adjustment'],
      ['refunded-not-credited', ids.refunded, 'adjustment'],
      ['unknown-charge', strangerCharge, 'adjustment'],
      ['gateway-amount-mismatch', ids.ok, 'adjustment'],
    ]);
    expect(report.discrepancies.find((d) => d.kind === 'gateway-amount-mismatch')).toMatchObject({ ours: 1000, theirs: 1000, gateway: 900 });
    expect((await object(first.objects.csv)).split('\r\n').filter(Boolean)).toHaveLength(11);
    // Each side's totals: the gateway's are what was seeded there for the day.
    expect(first.totals).toHaveLength(1);
    expect(first.totals[0]).toMatchObject({
      currency: 'GBP',
      sales: { count: 6 },
      refunds: { count: 3, amount: 900 },
      invoiced: { count: 5, total: 5250 },
      credited: { count: 1, amount: 300 },
      gateway: { captured: { count: 3, amount: 2677 }, refunded: { count: 1, amount: 300 } },
    });
    expect(first.orders.find((o) => o.orderId === ids.ok)).toEqual({
      orderId: ids.ok,
      currency: 'GBP',
      ours: { sold: 1000, refunded: 600 },
      billing: { invoiced: 1000, credited: 300 },
      gateway: { captured: 900, refunded: 0 },
    });
    for (const d of report.discrepancies) {
      expect(await itemAt(keys.outboxEvent(`reconciliation-${DAY}-${d.kind}-${d.ref}`)), `${d.kind} event`).toMatchObject({ detailType: 'reconciliation.discrepancy' });
    }

    const { status, body } = await api.get<ReconciliationSummary>(`/reports/reconciliation?date=${DAY}`);
    expect(status).toBe(200);
    const { recorded: _recorded, reEnqueued: _reEnqueued, ...summary } = first;
    expect(body).toEqual(summary);
    expect(body.orders.map((o) => o.orderId)).toEqual([ids.amount, ids.captured, ids.missing, ids.ok, ids.refunded, ids.stranger, ids.status, ids.tax].sort());

    // The re-enqueued order reaches billing through the worker once, and its mapping is stored.
    const invoiced = await eventually('the re-enqueued order invoiced in the sandbox', async () => {
      const found = (await sandbox<SandboxState>('GET', '/_sandbox/state')).invoices.filter((i) => i.externalId === ids.missing);
      return found.length > 0 ? found : undefined;
    });
    await eventually('its invoice mapping', () => itemAt(keys.invoiceByOrder(ids.missing)));

    const second = await reconcileCommand();
    expect(second.counts).toEqual({ ...first.counts, 'missing-invoice': 0 });
    expect(second).toMatchObject({ recorded: 0, reEnqueued: 0 });
    const secondJson = await object(second.objects.json);
    const secondCsv = await object(second.objects.csv);

    const third = await reconcileCommand();
    expect(third).toMatchObject({ counts: second.counts, totals: second.totals, recorded: 0, reEnqueued: 0 });
    expect(await object(third.objects.json)).toBe(secondJson);
    expect(await object(third.objects.csv)).toBe(secondCsv);
    expect(await actions()).toEqual(
      [
        `ADJUSTMENT#amount-mismatch#${ids.amount}`,
        `ADJUSTMENT#credit-note-missing#${ids.ok}#r2`,
        `ADJUSTMENT#orphan-invoice#in_${ids.stranger}`,
        `ADJUSTMENT#status-mismatch#${ids.status}`,
        `ADJUSTMENT#tax-mismatch#${ids.tax}`,
        `REENQUEUE#missing-invoice#${ids.missing}`,
        `ADJUSTMENT#captured-not-invoiced#${ids.captured}`,
        `ADJUSTMENT#refunded-not-credited#${ids.refunded}`,
        `ADJUSTMENT#unknown-charge#${strangerCharge}`,
        `ADJUSTMENT#gateway-amount-mismatch#${ids.ok}`,
      ].sort(),
    );
    // Still one invoice for the order: nothing was sent again.
    expect((await sandbox<SandboxState>('GET', '/_sandbox/state')).invoices.filter((i) => i.externalId === ids.missing)).toHaveLength(invoiced.length);
    expect(invoiced).toHaveLength(1);
  });

  it('answers 404 for a day never reconciled and 400 for a date that is not one', async () => {
    expect((await api.get('/reports/reconciliation?date=2001-01-01')).status).toBe(404);
    expect((await api.get('/reports/reconciliation?date=yesterday')).status).toBe(400);
  });
});
