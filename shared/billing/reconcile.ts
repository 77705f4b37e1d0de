import type { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { reconciliationDiscrepancyV2 } from '../../events/billing/reconciliation-discrepancy.v2.js';
import { config } from '../config/config.js';
import { batchGet } from '../db/batch.js';
import { keys, PREFIXES } from '../db/keys.js';
import { tableDeps, type TableDeps } from '../db/deps.js';
import { queryAll } from '../db/query.js';
import { transactWriteIfConditionsHold } from '../db/transact.js';
import { NotFoundError, ValidationError } from '../errors.js';
import { outboxEvent } from '../events/outbox.js';
import type { GatewayTransaction, PaymentGateway } from '../payments/gateway.js';
import { putObject } from '../storage/s3.js';
import { BillingCreditNoteSchema, BillingInvoiceSchema, type BillingClient, type ExportKind } from './client.js';
import {
  DISCREPANCY_KINDS,
  discrepancyId,
  reconcileDay,
  type BookedRefund,
  type BookedSale,
  type CreditNoteMapping,
  type Discrepancy,
  type DiscrepancyKind,
  type ExportedPayment,
  type ExportedTaxLine,
  type ExportSet,
  type InvoiceMapping,
  type ReconciliationReport,
} from './reconciliation-rules.js';
import type { GatewaySide } from './gateway-rules.js';
import { reportCsv, reportJson, reportObjectKeys } from './reconciliation-report.js';
import { enqueueBillingSync, type BillingSyncDirectMessage } from './sync-messages.js';

/**
 * The nightly reconciliation of one UTC day: reads our books, billing's exports and the payment gateway's balance
 * transactions, compares the three (`reconciliation-rules.ts`, `gateway-rules.ts`), writes the report to the exports bucket, and acts on each discrepancy once: a
 * `reconciliation.discrepancy` event, and either a re-enqueue (a missing invoice) or an adjustment with its reason.
 * Every write is keyed by the day and the discrepancy, so running a day again repeats nothing.
 */

export const RECONCILIATION_SCHEMA_VERSION = 1;

export interface ReconcileDeps extends Pick<TableDeps, 'db' | 'tableName' | 'now'> {
  billing: () => Promise<BillingClient>;
  /** The payment gateway whose balance transactions are the third side. */
  gateway: () => Promise<PaymentGateway>;
  /** Loaded on first use, as in search: only functions that write reports pay for the S3 client. */
  s3: () => Promise<S3Client>;
  exportsBucket: () => string;
  /** Puts a direct message on `billing-sync`. */
  enqueue: (message: BillingSyncDirectMessage) => Promise<void>;
}

const productionS3 = async () => (await import('../storage/s3.js')).s3;

let sqsClient: SQSClient | undefined;

async function productionEnqueue(message: BillingSyncDirectMessage): Promise<void> {
  sqsClient ??= new SQSClient({});
  await enqueueBillingSync(message, { sqs: sqsClient, queueUrl: config.queueUrl('billing-sync') });
}

/** The production dependencies, with any of them replaced; configuration is read only for what is not given. */
export function reconcileDeps(overrides: Partial<ReconcileDeps> = {}): ReconcileDeps {
  const table = tableDeps(overrides);
  return {
    db: table.db,
    tableName: table.tableName,
    now: table.now,
    billing: overrides.billing ?? (async () => (await import('./client.js')).billingClient()),
    gateway: overrides.gateway ?? (async () => (await import('../payments/gateway-config.js')).paymentGateway()),
    s3: overrides.s3 ?? productionS3,
    exportsBucket: overrides.exportsBucket ?? (() => config.exportsBucket),
    enqueue: overrides.enqueue ?? productionEnqueue,
  };
}

const count = z.number().int().nonnegative();
const minor = z.number().int();
const currencyCode = z.string().regex(/^[A-Z]{3}$/);

/**
 * How many orders the summary item shows with their three sides: a DynamoDB item holds 400 KB, and a day with more
 * discrepant orders than this has them all in the report files.
 */
export const SUMMARY_ORDERS_LIMIT = 500;

/** What `GET /reports/reconciliation` answers: the day's figures and where its files are, without the rows. */
export const ReconciliationSummary = z.strictObject({
  date: z.iso.date(),
  counts: z.strictObject(Object.fromEntries(DISCREPANCY_KINDS.map((kind) => [kind, count])) as Record<DiscrepancyKind, typeof count>),
  discrepancies: count,
  /** Per currency: our sales and refunds of the day, billing's invoices (void ones left out) and credit notes of the day. */
  totals: z.array(
    z.strictObject({
      currency: currencyCode,
      sales: z.strictObject({ count, total: minor, tax: minor }),
      refunds: z.strictObject({ count, amount: minor, tax: minor }),
      invoiced: z.strictObject({ count, total: minor, tax: minor }),
      credited: z.strictObject({ count, amount: minor, tax: minor }),
      /** The payment gateway's balance transactions of the day: captures and refunds. */
      gateway: z.strictObject({ captured: z.strictObject({ count, amount: minor }), refunded: z.strictObject({ count, amount: minor }) }),
    }),
  ),
  /**
   * The orders the discrepancies name (at most {@link SUMMARY_ORDERS_LIMIT}, by order id), each with all three sides:
   * ours (sold, refunded), billing's (invoiced, credited) and the gateway's (captured, refunded), in minor units.
   */
  orders: z.array(
    z.strictObject({
      orderId: z.string(),
      currency: z.string(),
      ours: z.strictObject({ sold: minor, refunded: minor }),
      billing: z.strictObject({ invoiced: minor, credited: minor }),
      gateway: z.strictObject({ captured: minor, refunded: minor }),
    }),
  ),
  /** Discrepant orders left out of `orders` by the limit (they are in the report files). */
  ordersOmitted: count,
  /** When the latest run for the day finished; the only figure that changes between reruns. */
  generatedAt: z.iso.datetime(),
  /** Object keys of the report files in the exports bucket. */
  objects: z.strictObject({ json: z.string(), csv: z.string() }),
});
export type ReconciliationSummary = z.infer<typeof ReconciliationSummary>;

/** What one run did, beyond the report. */
export interface ReconcileOutcome {
  summary: ReconciliationSummary;
  report: ReconciliationReport;
  /** Discrepancies this run was the first to record (each with its event); a rerun of an unchanged day records 0. */
  recorded: number;
  /** Missing invoices this run put on `billing-sync`. */
  reEnqueued: number;
}

/** A UTC day, `YYYY-MM-DD`. */
export const ReconciliationDate = z.iso.date();
/** `GET /reports/reconciliation?date=YYYY-MM-DD`. */
export const ReconciliationReportQuery = z.strictObject({ date: ReconciliationDate });

/** `2026-11-26` → `2026-11-27`, in UTC. */
export function addDays(date: string, days: number): string {
  const at = new Date(`${date}T00:00:00.000Z`);
  at.setUTCDate(at.getUTCDate() + days);
  return at.toISOString().slice(0, 10);
}

/** The day a nightly run reconciles: yesterday, in UTC. */
export function yesterday(now: Date): string {
  return addDays(now.toISOString().slice(0, 10), -1);
}

function parseDate(date: string): string {
  if (!ReconciliationDate.safeParse(date).success) throw new ValidationError([{ field: 'date', message: 'a date as YYYY-MM-DD' }]);
  return date;
}

// Export rows: extra fields are the provider's business; what the comparison reads must be there and well-formed.
const TaxLineRow = z.object({
  invoiceReference: z.string().min(1),
  creditNoteReference: z.string().min(1).optional(),
  tax: z.number().int(),
}) satisfies z.ZodType<ExportedTaxLine>;
const PaymentRow = z.object({
  invoiceReference: z.string().min(1),
  amount: z.number().int(),
  currency: z.string(),
  status: z.enum(['succeeded', 'failed']),
}) satisfies z.ZodType<ExportedPayment>;

/** A runaway cursor (a provider handing back one already seen) must fail the run, not loop until the timeout. */
const MAX_EXPORT_PAGES = 10_000;

async function readExport<T>(billing: BillingClient, kind: ExportKind, date: string, row: z.ZodType<T>): Promise<T[]> {
  const rows: T[] = [];
  const seen = new Set<string>();
  let cursor: string | undefined;
  for (let pages = 0; pages < MAX_EXPORT_PAGES; pages += 1) {
    const page = await billing.exportPage(kind, date, cursor);
    page.items.forEach((item, i) => {
      const parsed = row.safeParse(item);
      // A row we cannot read would make every figure after it a guess: the run fails and the schedule's retry or a person takes over.
      if (!parsed.success) throw new Error(`billing's ${kind} export of ${date} has an unreadable row (page ${pages + 1}, item ${i}): ${parsed.error.message}`);
      rows.push(parsed.data);
    });
    if (page.nextCursor === undefined) return rows;
    if (seen.has(page.nextCursor)) throw new Error(`billing's ${kind} export of ${date} repeated the cursor ${page.nextCursor}`);
    seen.add(page.nextCursor);
    cursor = page.nextCursor;
  }
  throw new Error(`billing's ${kind} export of ${date} has more than ${MAX_EXPORT_PAGES} pages`);
}

async function readExports(billing: BillingClient, date: string): Promise<ExportSet> {
  const [invoices, creditNotes, taxLines, payments] = await Promise.all([
    readExport(billing, 'invoices', date, BillingInvoiceSchema),
    readExport(billing, 'credit-notes', date, BillingCreditNoteSchema),
    readExport(billing, 'tax-lines', date, TaxLineRow),
    readExport(billing, 'payments', date, PaymentRow),
  ]);
  return { invoices, creditNotes, taxLines, payments };
}

const NO_EXPORTS: ExportSet = { invoices: [], creditNotes: [], taxLines: [], payments: [] };

/** Our side. A day's books are read whole: tens of thousands of small items fit the function's memory many times over. */
async function readBooks(deps: ReconcileDeps, date: string) {
  const [day, previous] = await Promise.all([
    queryAll(deps, { TableName: deps.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': keys.booksPartition(date) }, ConsistentRead: true }),
    queryAll(deps, {
      TableName: deps.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sale)',
      ExpressionAttributeValues: { ':pk': keys.booksPartition(addDays(date, -1)), ':sale': PREFIXES.financialRecord.sale },
      ProjectionExpression: 'orderId',
    }),
  ]);
  const sales: BookedSale[] = [];
  const refunds: BookedRefund[] = [];
  for (const item of day) {
    const sk = String(item.sk);
    if (sk.startsWith(PREFIXES.financialRecord.sale)) {
      sales.push({ orderId: String(item.orderId), currency: String(item.currency), total: Number(item.total), tax: Number(item.tax) });
    } else if (sk.startsWith(PREFIXES.financialRecord.refund)) {
      refunds.push({
        orderId: String(item.orderId),
        refundRef: String(item.refundRef),
        currency: String(item.currency),
        amount: Number(item.amount),
        ...(typeof item.tax === 'number' ? { tax: item.tax } : {}),
      });
    }
  }
  const [invoiceItems, creditItems] = await Promise.all([
    batchGet(deps, sales.map((sale) => keys.invoiceByOrder(sale.orderId)), { consistent: true }),
    batchGet(deps, refunds.map((refund) => keys.creditNoteByRefund(refund.orderId, refund.refundRef)), { consistent: true }),
  ]);
  const invoiceMappings: InvoiceMapping[] = invoiceItems.map((item) => ({
    orderId: String(item.orderId),
    invoiceReference: String(item.invoiceReference),
    status: item.status as InvoiceMapping['status'],
  }));
  const creditNoteMappings: CreditNoteMapping[] = creditItems.map((item) => ({
    orderId: String(item.orderId),
    refundRef: String(item.refundRef),
    creditNoteReference: String(item.creditNoteReference),
  }));
  return { sales, refunds, invoiceMappings, creditNoteMappings, previousDaySaleIds: previous.map((item) => String(item.orderId)) };
}

/** The day's start and end, as instants. */
function dayRange(date: string): { from: Date; to: Date } {
  return { from: new Date(`${date}T00:00:00.000Z`), to: new Date(`${addDays(date, 1)}T00:00:00.000Z`) };
}

/**
 * The gateway's side: its captures and refunds of the day, and which orders they name are ours. An order that is a sale
 * of the day is known without reading it; any other is read (erased orders stay, anonymised, so they are still ours).
 */
async function readGateway(deps: ReconcileDeps, date: string, saleIds: ReadonlySet<string>): Promise<GatewaySide> {
  const { from, to } = dayRange(date);
  const transactions: GatewayTransaction[] = await (await deps.gateway()).listBalanceTransactions(from, to);
  const others = [...new Set(transactions.flatMap((t) => (t.orderId === undefined || saleIds.has(t.orderId) ? [] : [t.orderId])))];
  const found = await batchGet(deps, others.map((orderId) => keys.order(orderId)));
  return { transactions, knownOrderIds: found.map((item) => String(item.pk).slice('ORDER#'.length)) };
}

/**
 * Records a discrepancy once: its action item (adjustment or re-enqueue marker) and its event in one transaction.
 * @returns whether this call recorded it (false: an earlier run did)
 */
async function record(deps: ReconcileDeps, date: string, discrepancy: Discrepancy, now: Date): Promise<boolean> {
  const action = discrepancy.resolution === 're-enqueue' ? 'REENQUEUE' : 'ADJUSTMENT';
  return transactWriteIfConditionsHold(deps, [
    {
      Put: {
        TableName: deps.tableName,
        Item: {
          ...keys.reconciliationAction(date, action, discrepancy.kind, discrepancy.ref),
          entityType: 'ReconciliationAction',
          schemaVersion: RECONCILIATION_SCHEMA_VERSION,
          date,
          ...discrepancy,
          recordedAt: now.toISOString(),
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    outboxEvent(deps.tableName, reconciliationDiscrepancyV2, { date, ...discrepancy }, { id: discrepancyId(date, discrepancy), now }).item,
  ]);
}

/**
 * Sends a missing invoice back to `billing-sync` unless this day's marker says it was sent. The marker is stamped
 * after the send: a crash between the two sends it once more on the next run, which the invoicing worker absorbs
 * (it invoices under `invoice:<orderId>`), whereas stamping first could lose it.
 * @returns whether it was sent now
 */
async function reEnqueue(deps: ReconcileDeps, date: string, discrepancy: Discrepancy, now: Date): Promise<boolean> {
  const marker = keys.reconciliationAction(date, 'REENQUEUE', discrepancy.kind, discrepancy.ref);
  const { Item } = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: marker, ConsistentRead: true }));
  if (Item?.enqueuedAt !== undefined) return false;
  await deps.enqueue({ kind: 'invoice', orderId: discrepancy.orderId! });
  try {
    await deps.db.send(
      new UpdateCommand({
        TableName: deps.tableName,
        Key: marker,
        UpdateExpression: 'SET enqueuedAt = :at',
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(enqueuedAt)',
        ExpressionAttributeValues: { ':at': now.toISOString() },
      }),
    );
  } catch (error) {
    // A concurrent run stamped it first: both sent, the worker absorbs the second.
    if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
  }
  return true;
}

/**
 * Reconciles one UTC day (see the module comment). Billing's exports of the next day are read too when that day has
 * begun, because a sale made just before midnight is invoiced just after it.
 * @throws ValidationError when `date` is not `YYYY-MM-DD`
 */
export async function reconcile(date: string, deps: ReconcileDeps): Promise<ReconcileOutcome> {
  parseDate(date);
  const started = deps.now();
  const nextDay = addDays(date, 1);
  const billing = await deps.billing();
  const [ours, theirs, theirsNextDay] = await Promise.all([
    readBooks(deps, date),
    readExports(billing, date),
    nextDay <= started.toISOString().slice(0, 10) ? readExports(billing, nextDay) : Promise.resolve(NO_EXPORTS),
  ]);
  const gateway = await readGateway(deps, date, new Set(ours.sales.map((sale) => sale.orderId)));
  const report = reconcileDay({ date, ours, theirs, theirsNextDay, gateway });

  const objects = reportObjectKeys(date);
  const s3 = await deps.s3();
  const bucket = deps.exportsBucket();
  await Promise.all([
    putObject(s3, { bucket, key: objects.json, body: reportJson(report), contentType: 'application/json' }),
    putObject(s3, { bucket, key: objects.csv, body: reportCsv(report), contentType: 'text/csv; charset=utf-8' }),
  ]);

  let recorded = 0;
  let reEnqueued = 0;
  for (const discrepancy of report.discrepancies) {
    if (await record(deps, date, discrepancy, started)) recorded += 1;
    if (discrepancy.resolution === 're-enqueue' && (await reEnqueue(deps, date, discrepancy, started))) reEnqueued += 1;
  }

  const summary: ReconciliationSummary = {
    date,
    counts: report.counts,
    discrepancies: report.discrepancies.length,
    totals: report.totals,
    orders: report.orders.slice(0, SUMMARY_ORDERS_LIMIT),
    ordersOmitted: Math.max(0, report.orders.length - SUMMARY_ORDERS_LIMIT),
    generatedAt: deps.now().toISOString(),
    objects,
  };
  // Written last, so a summary is there only once the files and every action are.
  await deps.db.send(
    new PutCommand({
      TableName: deps.tableName,
      Item: { ...keys.reconciliationReport(date), entityType: 'ReconciliationReport', schemaVersion: RECONCILIATION_SCHEMA_VERSION, ...summary },
    }),
  );
  return { summary, report, recorded, reEnqueued };
}

/**
 * The summary of a day's latest run.
 * @throws ValidationError when `date` is not `YYYY-MM-DD`
 * @throws NotFoundError when the day has not been reconciled
 */
export async function getReconciliationSummary(date: string, deps: Pick<TableDeps, 'db' | 'tableName'>): Promise<ReconciliationSummary> {
  parseDate(date);
  const { Item } = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: keys.reconciliationReport(date) }));
  if (!Item) throw new NotFoundError('Reconciliation report', date);
  const { date: day, counts, discrepancies, totals, orders, ordersOmitted, generatedAt, objects } = Item as Partial<ReconciliationSummary> & Pick<ReconciliationSummary, 'totals'>;
  // A summary written before refunds and credit notes carried their tax has none: 0, until the day is run again. One
  // written before the gateway's side has no gateway kinds, figures or orders: 0 and none, likewise.
  const untaxed = (part: { tax?: number }) => part.tax ?? 0;
  const noGateway = { captured: { count: 0, amount: 0 }, refunded: { count: 0, amount: 0 } };
  const taxed = totals.map((t) => ({
    ...t,
    refunds: { ...t.refunds, tax: untaxed(t.refunds) },
    credited: { ...t.credited, tax: untaxed(t.credited) },
    gateway: (t as Partial<typeof t>).gateway ?? noGateway,
  }));
  const allCounts = Object.fromEntries(DISCREPANCY_KINDS.map((kind) => [kind, counts?.[kind] ?? 0]));
  return ReconciliationSummary.parse({ date: day, counts: allCounts, discrepancies, totals: taxed, orders: orders ?? [], ordersOmitted: ordersOmitted ?? 0, generatedAt, objects });
}
