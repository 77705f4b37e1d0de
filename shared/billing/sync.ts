import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { invoiceCreatedV1 } from '../../events/billing/invoice-created.v1.js';
import { tableDeps, type TableDeps } from '../db/deps.js';
import { keys } from '../db/keys.js';
import { TransactionCancelled, transactWrite } from '../db/transact.js';
import { outboxEvent } from '../events/outbox.js';
import { logger } from '../observability/logger.js';
import { businessMetrics } from '../observability/business-metrics.js';
import { metrics } from '../observability/metrics.js';
import { amountRefundTax, capturedTax, chargedLines, type ChargedLine } from '../orders/charges.js';
import type { Order } from '../orders/model.js';
import { REFUND_SKU } from '../orders/refunds.js';
import { requireOrder } from '../orders/repository.js';
import { billingClient, BillingTransientError, type BillingClient, type BillingLine, type CreditNoteRequest, type InvoiceRequest } from './client.js';
import { syncSubscription, type SyncOutcome } from './subscriptions.js';
import { DeliveredOrderStatusChanged, type BillingSyncMessage } from './sync-messages.js';
import { processedMarkItem } from '../events/processed.js';

/**
 * Outbound billing sync: a completed order becomes one invoice in the billing system, each refund one credit note.
 * Every call carries an idempotency key derived from our ids (`invoice:<orderId>`, `credit-note:<orderId>:<refundRef>`),
 * so a retry after a lost acknowledgement gets the first record back instead of making a second; the answer is then
 * stored both ways (order ↔ invoice, refund ↔ credit note) under `attribute_not_exists`, so a redelivery changes nothing.
 */

/** The consumer name of the processed mark written with each order's invoice mapping. */
export const INVOICE_CONSUMER = 'billing-invoice';

export const BILLING_RECORD_SCHEMA_VERSION = 1;

/** How hard one record tries before it gives up and lets SQS redeliver it (and, after `maxReceiveCount`, park it in the DLQ). */
export interface RetryPolicy {
  /** Tries of one call, the first included. */
  attempts: number;
  /** Time from the first try after which no further try starts; a wait that would end beyond it is not taken. */
  budgetMs: number;
  /** The first wait before jitter; each further wait doubles, up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
}

/** 3 tries within 20 s: with the client's 5 s timeout a batch of ten parallel records ends well inside the consumer's 30 s. */
export const BILLING_RETRY: RetryPolicy = { attempts: 3, budgetMs: 20_000, baseDelayMs: 500, maxDelayMs: 8_000 };

export interface BillingSyncDeps extends TableDeps {
  billing: () => Promise<BillingClient>;
  retry: RetryPolicy;
  sleep: (ms: number) => Promise<void>;
  /** Uniform in [0, 1), for the jitter. */
  random: () => number;
  /** Milliseconds on a monotonic clock, for the retry budget. */
  clock: () => number;
}

/** The production dependencies, with any of them replaced. */
export function billingSyncDeps(overrides: Partial<BillingSyncDeps> = {}): BillingSyncDeps {
  return {
    ...tableDeps(overrides),
    billing: overrides.billing ?? billingClient,
    retry: overrides.retry ?? BILLING_RETRY,
    sleep: overrides.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    random: overrides.random ?? Math.random,
    clock: overrides.clock ?? (() => performance.now()),
  };
}

/**
 * The wait before try `attempt + 1` after try `attempt` (1-based) failed: exponential with equal jitter (half fixed,
 * half random, so retries of a batch spread out but never come back at once), and never shorter than the
 * server's `Retry-After`.
 */
export function retryDelayMs(policy: RetryPolicy, attempt: number, random: number, retryAfterSeconds?: number): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  const jittered = Math.round(exponential / 2 + (random * exponential) / 2);
  return retryAfterSeconds === undefined ? jittered : Math.max(jittered, retryAfterSeconds * 1000);
}

/**
 * Runs a billing call, retrying {@link BillingTransientError} within the policy's tries and time budget; the same
 * idempotency key goes with every try, so a try that took effect without answering is answered by the next.
 * @throws the last BillingTransientError once tries or budget run out, a BillingPermanentError (or any other) at once
 */
export async function withBillingRetries<T>(what: string, call: () => Promise<T>, deps: Pick<BillingSyncDeps, 'retry' | 'sleep' | 'random' | 'clock'>): Promise<T> {
  const started = deps.clock();
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof BillingTransientError) || attempt >= deps.retry.attempts) throw error;
      const delay = retryDelayMs(deps.retry, attempt, deps.random(), error.retryAfterSeconds);
      if (deps.clock() - started + delay > deps.retry.budgetMs) throw error;
      logger.warn('billing call failed, retrying', { what, attempt, delayMs: delay, status: error.status, error: error.message });
      metrics.addMetric('BillingRetries', MetricUnit.Count, 1);
      await deps.sleep(delay);
    }
  }
}

/** The fee line's SKU, as orders names it. */
export { FEES_SKU } from '../orders/charges.js';

/** A line as billing takes it: what orders charged, without our own line ids. */
function billingLine({ lineId: _line, ...line }: ChargedLine): BillingLine {
  return line;
}

/**
 * The invoice of a completed order, as the day's books record its sale: `total` is what was captured and `tax` the tax
 * in it, the lines' and the fees'. Line amounts are what the shopper paid for each (tax-inclusive, after discounts), each
 * with its tax; `discount` is what promotions and the loyalty redemption took off them, for information. Fees, which
 * belong to no line, are a line of their own with their own tax (`chargedLines`).
 */
export function invoiceRequestOf(order: Order, billingCustomerId?: string): InvoiceRequest {
  const lines = chargedLines(order).map(billingLine);
  return {
    orderId: order.id,
    ...(billingCustomerId === undefined ? {} : { billingCustomerId }),
    customerReference: order.shopperId,
    currency: order.totals.currency,
    lines,
    discount: order.totals.discount + order.loyalty.redemptionAmount,
    tax: lines.reduce((sum, line) => sum + line.tax, 0),
    total: order.payment.captured,
    metadata: {
      storeId: order.storeId,
      channel: order.channel,
      ...(order.posReference === undefined ? {} : { posReference: order.posReference }),
    },
  };
}

/** `invoice:<orderId>`: one invoice per order, whoever asks and however often. */
export const invoiceIdempotencyKey = (orderId: string): string => `invoice:${orderId}`;
/** `credit-note:<orderId>:<refundRef>`: one credit note per refund. */
export const creditNoteIdempotencyKey = (orderId: string, refundRef: string): string => `credit-note:${orderId}:${refundRef}`;

/** The order has not completed, so there is nothing to invoice yet; the record fails and is retried. */
export class OrderNotCompletedError extends Error {
  override readonly name = 'OrderNotCompletedError';
}

/** A refund arrived before its order's invoice was stored; the record fails and is retried after the invoice lands. */
export class InvoiceNotYetSentError extends Error {
  override readonly name = 'InvoiceNotYetSentError';
}

export type InvoiceOutcome = { outcome: 'invoiced' | 'already-invoiced'; invoiceReference: string };

interface StoredInvoice {
  orderId: string;
  invoiceReference: string;
  currency: string;
  total: number;
  tax: number;
}

/** The order's invoice mapping, read consistently: the refund path waits for it. */
export async function storedInvoice(orderId: string, deps: TableDeps): Promise<StoredInvoice | undefined> {
  const { Item } = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: keys.invoiceByOrder(orderId), ConsistentRead: true }));
  return Item as StoredInvoice | undefined;
}

async function billingCustomerIdOf(shopperId: string, deps: TableDeps): Promise<string | undefined> {
  const { Item } = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: keys.billingCustomer(shopperId) }));
  return typeof Item?.billingCustomerId === 'string' ? Item.billingCustomerId : undefined;
}

/** The invoice reference on the order's processed mark, when it has one. */
async function processedMark(orderId: string, deps: TableDeps): Promise<string | undefined> {
  const { Item } = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: keys.processedEvent(INVOICE_CONSUMER, orderId), ConsistentRead: true }));
  return Item === undefined ? undefined : String(Item.invoiceReference);
}

/**
 * Invoices a completed order once: a redelivery finds the mapping (or the processed mark) and does nothing; otherwise
 * the billing system is asked under `invoice:<orderId>` (so a retry after a lost answer gets the same invoice), and
 * the invoice ↔ order mapping, the processed mark and `invoice.created` are written in one transaction.
 * @param source the event or message that asked, kept on the processed mark
 * @throws OrderNotCompletedError when the order has not completed
 * @throws BillingTransientError when the billing system stayed unavailable through the retries
 * @throws BillingPermanentError when it refused the invoice
 */
export async function invoiceOrder(orderId: string, source: string, deps: BillingSyncDeps = billingSyncDeps()): Promise<InvoiceOutcome> {
  const [existing, processed] = await Promise.all([storedInvoice(orderId, deps), processedMark(orderId, deps)]);
  const done = existing?.invoiceReference ?? processed;
  if (done !== undefined) return { outcome: 'already-invoiced', invoiceReference: done };

  const order = await requireOrder(deps, orderId);
  const completed = order.statusHistory.find((change) => change.to === 'completed');
  if (completed === undefined) {
    throw new OrderNotCompletedError(`order ${orderId} is ${order.status} and has never completed: nothing to invoice yet`);
  }
  const request = invoiceRequestOf(order, await billingCustomerIdOf(order.shopperId, deps));
  const billing = await deps.billing();
  const invoice = await withBillingRetries(`invoice ${orderId}`, () => billing.createInvoice(request, invoiceIdempotencyKey(orderId)), deps);

  const now = deps.now();
  const sentAt = now.toISOString();
  const mapping = { orderId, invoiceReference: invoice.invoiceReference, currency: invoice.currency, total: invoice.total, tax: invoice.tax };
  try {
    await transactWrite(deps, [
      {
        Put: {
          TableName: deps.tableName,
          Item: { ...keys.invoiceByOrder(orderId), entityType: 'BillingInvoice', schemaVersion: BILLING_RECORD_SCHEMA_VERSION, ...mapping, status: 'sent', sentAt },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      {
        Put: {
          TableName: deps.tableName,
          Item: { ...keys.orderByInvoice(invoice.invoiceReference), entityType: 'InvoiceRef', schemaVersion: BILLING_RECORD_SCHEMA_VERSION, orderId },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      processedMarkItem(deps.tableName, INVOICE_CONSUMER, orderId, sentAt, { source, invoiceReference: invoice.invoiceReference }),
      outboxEvent(deps.tableName, invoiceCreatedV1, { ...mapping, shopperId: order.shopperId, storeId: order.storeId, sentAt }, { now }).item,
    ]);
  } catch (error) {
    if (!(error instanceof TransactionCancelled) || error.failedConditions().length === 0) throw error;
    // A concurrent delivery of the same order stored the same invoice first.
    const stored = await storedInvoice(orderId, deps);
    if (stored?.invoiceReference === invoice.invoiceReference) return { outcome: 'already-invoiced', invoiceReference: stored.invoiceReference };
    throw new Error(`invoice ${invoice.invoiceReference} for order ${orderId} could not be stored: it is already mapped to another order`, { cause: error });
  }
  businessMetrics.orderInvoiced(completed.at, now);
  return { outcome: 'invoiced', invoiceReference: invoice.invoiceReference };
}

/** A refund recorded on an order (`keys.orderRefund`); `refundRef` is its key after `REFUND#`. */
export interface RecordedRefund {
  refundRef: string;
  refundId: string;
  amount: number;
  /** The tax in it and its credit note's lines; absent on refunds recorded before refunds carried their tax. */
  tax?: number;
  lines?: ChargedLine[];
  reason?: string;
}

const REFUND_PREFIX = 'REFUND#';

async function queryAll(deps: TableDeps, pk: string, skPrefix?: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await deps.db.send(
      new QueryCommand({
        TableName: deps.tableName,
        KeyConditionExpression: skPrefix === undefined ? 'pk = :pk' : 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': pk, ...(skPrefix === undefined ? {} : { ':prefix': skPrefix }) },
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/** The refunds recorded on an order, oldest key first. */
export async function recordedRefunds(orderId: string, deps: TableDeps): Promise<RecordedRefund[]> {
  const items = await queryAll(deps, keys.orderRefund(orderId, '').pk, REFUND_PREFIX);
  return items.map((item) => ({
    refundRef: String(item.sk).slice(REFUND_PREFIX.length),
    refundId: String(item.refundId),
    amount: Number(item.amount),
    ...(typeof item.tax === 'number' ? { tax: item.tax } : {}),
    ...(Array.isArray(item.lines) ? { lines: item.lines as ChargedLine[] } : {}),
    ...(typeof item.reason === 'string' ? { reason: item.reason } : {}),
  }));
}

/**
 * The credit note of a recorded refund: its amount, its tax and its lines as the refund recorded them. A refund recorded
 * before refunds carried their tax gets its share of the order's captured tax (`amount × tax / captured`, rounded half
 * up) on one line, worked out from the order alone so that every retry sends the same request under the same key.
 */
export function creditNoteRequestOf(order: Order, invoice: Pick<StoredInvoice, 'invoiceReference' | 'currency'>, refund: RecordedRefund): CreditNoteRequest {
  const tax = refund.tax ?? amountRefundTax(refund.amount, { amount: order.payment.captured, tax: capturedTax(order) });
  const lines = refund.lines ?? [{ sku: REFUND_SKU, description: 'Refund', quantity: 1, amount: refund.amount, tax }];
  return {
    orderId: order.id,
    invoiceReference: invoice.invoiceReference,
    refundRef: refund.refundRef,
    currency: invoice.currency,
    amount: refund.amount,
    tax,
    lines: lines.map(billingLine),
    ...(refund.reason === undefined ? {} : { reason: refund.reason }),
  };
}

/** The refunds that have no credit note yet, given the refund refs that have one. */
export function refundsToCredit(refunds: readonly RecordedRefund[], credited: ReadonlySet<string>): RecordedRefund[] {
  return refunds.filter((refund) => !credited.has(refund.refundRef));
}

export interface CreditOutcome {
  /** Credit notes made by this call. */
  credited: { refundRef: string; creditNoteReference: string }[];
  /** Refunds that already had one. */
  alreadyCredited: number;
}

/**
 * Gives every refund of an order that has no credit note yet its credit note, against the order's invoice, under
 * `credit-note:<orderId>:<refundRef>`; each is stored both ways (refund → credit note, credit note → refund) under
 * `attribute_not_exists`. Any refund event of the order triggers it, so a missed event is made up by the next.
 * @throws InvoiceNotYetSentError while the order has no invoice, so the record is retried after it lands
 */
export async function creditRefunds(orderId: string, deps: BillingSyncDeps = billingSyncDeps()): Promise<CreditOutcome> {
  const invoice = await storedInvoice(orderId, deps);
  if (!invoice) throw new InvoiceNotYetSentError(`order ${orderId} has no invoice yet; its refunds are credited once it has`);
  const [refunds, creditItems] = await Promise.all([recordedRefunds(orderId, deps), queryAll(deps, keys.creditNoteByRefund(orderId, '').pk)]);
  const credited = new Set(creditItems.map((item) => String(item.sk)));
  const pending = refundsToCredit(refunds, credited);
  const outcome: CreditOutcome = { credited: [], alreadyCredited: refunds.length - pending.length };
  if (pending.length === 0) return outcome;

  const [billing, order] = await Promise.all([deps.billing(), requireOrder(deps, orderId)]);
  for (const refund of pending) {
    const request = creditNoteRequestOf(order, invoice, refund);
    const note = await withBillingRetries(
      `credit note ${orderId}#${refund.refundRef}`,
      () => billing.createCreditNote(request, creditNoteIdempotencyKey(orderId, refund.refundRef)),
      deps,
    );
    const sentAt = deps.now().toISOString();
    try {
      await transactWrite(deps, [
        {
          Put: {
            TableName: deps.tableName,
            Item: {
              ...keys.creditNoteByRefund(orderId, refund.refundRef),
              entityType: 'BillingCreditNote',
              schemaVersion: BILLING_RECORD_SCHEMA_VERSION,
              orderId,
              refundRef: refund.refundRef,
              refundId: refund.refundId,
              invoiceReference: invoice.invoiceReference,
              creditNoteReference: note.creditNoteReference,
              amount: note.amount,
              tax: note.tax,
              currency: note.currency,
              status: 'sent',
              sentAt,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        {
          Put: {
            TableName: deps.tableName,
            Item: {
              ...keys.refundByCreditNote(note.creditNoteReference),
              entityType: 'CreditNoteRef',
              schemaVersion: BILLING_RECORD_SCHEMA_VERSION,
              orderId,
              refundRef: refund.refundRef,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      ]);
      outcome.credited.push({ refundRef: refund.refundRef, creditNoteReference: note.creditNoteReference });
    } catch (error) {
      // A concurrent refund event of the same order stored this credit note first.
      if (!(error instanceof TransactionCancelled) || error.failedConditions().length === 0) throw error;
      outcome.alreadyCredited += 1;
    }
  }
  return outcome;
}

/** The billing system's customer and subscription calls, each under {@link withBillingRetries}. */
export function retryingSubscriptionCalls(
  client: BillingClient,
  deps: BillingSyncDeps,
): Pick<BillingClient, 'createCustomer' | 'createSubscription' | 'cancelSubscription'> {
  return {
    createCustomer: (req, key) => withBillingRetries(`customer ${req.customerReference}`, () => client.createCustomer(req, key), deps),
    createSubscription: (req, key) => withBillingRetries(`subscription ${req.subscriptionReference}`, () => client.createSubscription(req, key), deps),
    cancelSubscription: (id, req, key) => withBillingRetries(`subscription cancel ${id}`, () => client.cancelSubscription(id, req, key), deps),
  };
}

/** What one `billing-sync` message led to, for the log. */
export type SyncResult =
  | ({ kind: 'invoice'; orderId: string } & InvoiceOutcome)
  | ({ kind: 'credit-notes'; orderId: string } & CreditOutcome)
  | { kind: 'subscription'; subscriptionId: string; outcome: SyncOutcome }
  | { kind: 'ignored'; orderId: string; event: string };

/**
 * One message of the `billing-sync` queue: `order.completed` and `{ kind: 'invoice' }` invoice the order, an
 * `order.status-changed` caused by a refund credits the order's refunds (other status changes are not billing's
 * business), `{ kind: 'subscription' }` creates the subscription in the billing system, or tells it the shopper cancelled.
 * @param messageId the SQS message (or event) id, kept on the invoice's processed mark
 */
export async function syncBillingMessage(message: BillingSyncMessage, messageId: string, deps: BillingSyncDeps = billingSyncDeps()): Promise<SyncResult> {
  if ('kind' in message) {
    if (message.kind === 'invoice') return { kind: 'invoice', orderId: message.orderId, ...(await invoiceOrder(message.orderId, `message:${messageId}`, deps)) };
    const calls = retryingSubscriptionCalls(await deps.billing(), deps);
    return { kind: 'subscription', subscriptionId: message.subscriptionId, outcome: await syncSubscription(message.subscriptionId, { ...deps, billing: calls }) };
  }
  if (message['detail-type'] === 'order.completed') {
    const { orderId } = message.detail.data;
    return { kind: 'invoice', orderId, ...(await invoiceOrder(orderId, `event:${message.detail.id}`, deps)) };
  }
  // The envelopes' detail-types are plain strings to the type checker, so the status change is read by its own schema.
  const change = DeliveredOrderStatusChanged.parse(message).detail.data;
  if (change.event !== 'refund') return { kind: 'ignored', orderId: change.orderId, event: change.event };
  return { kind: 'credit-notes', orderId: change.orderId, ...(await creditRefunds(change.orderId, deps)) };
}
