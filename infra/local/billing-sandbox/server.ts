import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { BillingApiSettings, BillingCreditNote, BillingInvoice, BillingLine } from '../../../shared/billing/client.js';
import { REQUEST_SIGNATURE_HEADER, REQUEST_TIMESTAMP_HEADER, verifyRequest } from '../../../shared/billing/signing.js';
import { activeFaults as inForce, answerWithFaults, type PartnerSandboxFaults } from '../partner-faults.js';
import { billingWebhookSender, type BillingWebhookTarget } from './webhooks.js';

/**
 * A local billing system implementing integration-files/billing/openapi.json, so the one
 * BillingClient runs unchanged against it (only the base URL, token and keys differ from a real
 * provider). State lives in memory; `/_sandbox/*` endpoints inject faults, seed records for
 * reconciliation tests, replay webhooks and show the state.
 */

export const SANDBOX_DEFAULT_TOKEN = 'billing_token_local';
export const SANDBOX_DEFAULT_SIGNING_SECRET = 'billing_signing_local';

/** Failures to inject into the sandbox's API calls (`partner-faults.ts`). */
export type BillingSandboxFaults = PartnerSandboxFaults;

/** How the sandbox plays the payer: each new invoice is settled after `delayMs` with `outcome`, unless disabled. */
export interface BillingSandboxSettings {
  autoPay: boolean;
  autoPayDelayMs: number;
  autoPayOutcome: 'paid' | 'payment_failed';
}

export interface BillingSandboxOptions {
  port?: number;
  token?: string;
  signingSecret?: string;
  webhook?: BillingWebhookTarget;
  settings?: Partial<BillingSandboxSettings>;
}

export type SubscriptionStatus = 'active' | 'past_due' | 'cancelled' | 'incomplete';

export interface SandboxCustomer {
  billingCustomerId: string;
  customerReference: string;
  email?: string;
  createdAt: string;
  /** Set by `anonymiseCustomer`: the reference is then `erased` and the email gone. */
  anonymisedAt?: string;
}

export interface SandboxSubscription {
  billingSubscriptionId: string;
  billingCustomerId: string;
  plan: string;
  subscriptionReference: string;
  status: SubscriptionStatus;
  /** Set by `cancelSubscription` with `atPeriodEnd`: it stays active until `currentPeriodEnd`. */
  cancelAtPeriodEnd?: boolean;
  /** The end of the period paid for: a month (or a year, for an annual plan) from the start; the sandbox never renews. */
  currentPeriodEnd: string;
  createdAt: string;
}

/** An invoice as the invoices export shows it. */
export interface SandboxInvoice extends BillingInvoice {
  billingCustomerId?: string;
  customerReference: string;
  subscriptionReference?: string;
  discount: number;
  lines: BillingLine[];
  metadata: Record<string, string>;
  paidAt?: string;
}

export interface SandboxCreditNote extends BillingCreditNote {
  reason?: string;
  /** What was credited, each with its tax; exported as the credit note's tax lines. */
  lines: BillingLine[];
}

export interface SandboxPayment {
  paymentReference: string;
  invoiceReference: string;
  externalId: string;
  amount: number;
  currency: string;
  status: 'succeeded' | 'failed';
  createdAt: string;
}

export interface SandboxEvent {
  id: string;
  type: 'invoice.paid' | 'invoice.payment_failed' | 'credit_note.created' | 'subscription.updated';
  created: number;
  data: { object: Record<string, unknown> };
}

export interface BillingSandboxState {
  counts: {
    customers: number;
    subscriptions: number;
    invoices: number;
    creditNotes: number;
    payments: number;
    events: number;
    webhooksDelivered: number;
    webhooksFailed: number;
    /** Calls that reached the API (after auth), faults included. */
    apiCalls: number;
  };
  faults: BillingSandboxFaults;
  settings: BillingSandboxSettings;
  customers: SandboxCustomer[];
  subscriptions: SandboxSubscription[];
  invoices: SandboxInvoice[];
  creditNotes: SandboxCreditNote[];
  payments: SandboxPayment[];
  events: SandboxEvent[];
}

/** Records put in directly, bypassing the API and its webhooks: a day to reconcile. */
export interface BillingSandboxSeed {
  invoices?: (Partial<SandboxInvoice> & Pick<SandboxInvoice, 'externalId' | 'currency' | 'total'>)[];
  /** `tax` is 0 and `lines` one line of the whole amount and tax unless given. */
  creditNotes?: (Partial<SandboxCreditNote> & Pick<SandboxCreditNote, 'invoiceReference' | 'externalId' | 'amount' | 'currency'>)[];
  payments?: (Partial<SandboxPayment> & Pick<SandboxPayment, 'invoiceReference' | 'amount' | 'currency'>)[];
}

export interface BillingSandbox {
  url: string;
  port: number;
  /** What a BillingClient needs to reach this sandbox. */
  clientSettings: BillingApiSettings;
  faults(faults: BillingSandboxFaults): void;
  webhook(target: BillingWebhookTarget | undefined): void;
  settings(settings: Partial<BillingSandboxSettings>): void;
  state(): BillingSandboxState;
  seed(seed: BillingSandboxSeed): BillingSandboxState;
  /** Forgets every record, event, idempotency key and fault. */
  reset(): void;
  /** Resolves once queued webhooks (and pending auto-payments) have been delivered or given up on. */
  webhooksIdle(): Promise<void>;
  stop(): Promise<void>;
}

interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

class SandboxFailure extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly code: string,
    message: string,
    readonly param?: string,
  ) {
    super(message);
  }
}

const failureAnswer = (f: SandboxFailure): Answer => ({
  status: f.status,
  body: { error: { type: f.type, code: f.code, message: f.message, ...(f.param ? { param: f.param } : {}) } },
});

function id(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('base64url').replace(/[-_]/g, 'x')}`;
}

const Minor = z.number().int().min(0);
const Currency = z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code in capitals');
const Line = z.strictObject({ sku: z.string().min(1), description: z.string(), quantity: z.number().positive(), amount: Minor, tax: Minor });
const CustomerBody = z.strictObject({ customerReference: z.string().min(1), email: z.email().optional() });
const SubscriptionBody = z.strictObject({ billingCustomerId: z.string().min(1), plan: z.string().min(1), subscriptionReference: z.string().min(1) });
const CancelSubscriptionBody = z.strictObject({ atPeriodEnd: z.boolean() });

/** The end of a subscription's first period: a year for a plan whose id says annual, else a month. */
function periodEnd(plan: string, start: Date): string {
  const end = new Date(start);
  if (plan.includes('annual')) end.setUTCFullYear(end.getUTCFullYear() + 1);
  else end.setUTCMonth(end.getUTCMonth() + 1);
  return end.toISOString();
}
const InvoiceBody = z.strictObject({
  orderId: z.string().min(1),
  billingCustomerId: z.string().min(1).optional(),
  customerReference: z.string().min(1),
  currency: Currency,
  lines: z.array(Line).min(1),
  discount: Minor,
  tax: Minor,
  total: Minor,
  metadata: z.strictObject({ storeId: z.string().min(1), posReference: z.string().min(1).optional(), channel: z.string().min(1) }),
});
const CreditNoteBody = z.strictObject({
  orderId: z.string().min(1),
  invoiceReference: z.string().min(1),
  refundRef: z.string().min(1),
  currency: Currency,
  amount: z.number().int().positive(),
  tax: Minor,
  lines: z.array(Line).min(1),
  reason: z.string().min(1).optional(),
});
const EXPORT_KINDS = ['invoices', 'payments', 'credit-notes', 'tax-lines'] as const;
const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 500;

function parseBody<T>(schema: z.ZodType<T>, body: string): T {
  let json: unknown;
  try {
    json = body === '' ? undefined : JSON.parse(body);
  } catch {
    throw new SandboxFailure(400, 'invalid_request', 'invalid_json', 'The body is not JSON.');
  }
  const result = schema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const param = issue.path.join('.');
    throw new SandboxFailure(400, 'invalid_request', 'parameter_invalid', `${param || 'body'}: ${issue.message}`, param || undefined);
  }
  return result.data;
}

/** Records of one day in a stable order, and the cursor after each: the cursor names the last item seen, not an offset. */
function page<T>(records: { day: string; sortKey: string; item: T }[], date: string, cursor: string | undefined, limit: number): { items: T[]; nextCursor?: string } {
  const sorted = records.filter((r) => r.day === date).sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0));
  let after = '';
  if (cursor !== undefined && cursor !== '') {
    try {
      after = z.string().min(1).parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    } catch {
      throw new SandboxFailure(400, 'invalid_request', 'cursor_invalid', 'The cursor is not one this export gave.', 'cursor');
    }
  }
  const rest = sorted.filter((r) => r.sortKey > after);
  const taken = rest.slice(0, limit);
  const last = taken.at(-1);
  return rest.length > limit && last ? { items: taken.map((r) => r.item), nextCursor: Buffer.from(JSON.stringify(last.sortKey)).toString('base64url') } : { items: taken.map((r) => r.item) };
}

/** Starts the sandbox on `port` (a free one when absent) and resolves when it listens. */
export async function startBillingSandbox(options: BillingSandboxOptions = {}): Promise<BillingSandbox> {
  const token = options.token ?? SANDBOX_DEFAULT_TOKEN;
  const signingSecret = options.signingSecret ?? SANDBOX_DEFAULT_SIGNING_SECRET;
  const customers = new Map<string, SandboxCustomer>();
  const subscriptions = new Map<string, SandboxSubscription>();
  const invoices = new Map<string, SandboxInvoice>();
  const creditNotes = new Map<string, SandboxCreditNote>();
  const payments = new Map<string, SandboxPayment>();
  const events = new Map<string, SandboxEvent>();
  const idempotent = new Map<string, { fingerprint: string; answer: Answer }>();
  const running = new Set<string>();
  const autoPayments = new Set<Promise<void>>();
  let apiCalls = 0;
  let faults: BillingSandboxFaults = {};
  let settings: BillingSandboxSettings = { autoPay: true, autoPayDelayMs: 100, autoPayOutcome: 'paid', ...options.settings };
  let target = options.webhook;
  let stopping = false;

  const activeFaults = (): BillingSandboxFaults => inForce(faults);
  const webhooks = billingWebhookSender(
    () => target,
    () => ({ duplicates: activeFaults().webhookDuplicates ?? 1, shuffle: activeFaults().webhookShuffle ?? false }),
  );

  function emit(type: SandboxEvent['type'], object: object): void {
    const event: SandboxEvent = { id: id('evt'), type, created: Math.floor(Date.now() / 1000), data: { object: structuredClone(object) as Record<string, unknown> } };
    events.set(event.id, event);
    webhooks.send(JSON.stringify(event));
  }

  /** The contract's invoice object, as answers and webhooks carry it. */
  function invoiceObject(invoice: SandboxInvoice): BillingInvoice & { subscriptionReference?: string } {
    const { invoiceReference, externalId, status, currency, total, tax, createdAt, subscriptionReference } = invoice;
    return { invoiceReference, externalId, status, currency, total, tax, createdAt, ...(subscriptionReference ? { subscriptionReference } : {}) };
  }

  /** The contract's credit note object, as answers and webhooks carry it. */
  function creditNoteObject(note: SandboxCreditNote): BillingCreditNote {
    const { creditNoteReference, invoiceReference, externalId, amount, tax, currency, createdAt } = note;
    return { creditNoteReference, invoiceReference, externalId, amount, tax, currency, createdAt };
  }

  function settle(invoice: SandboxInvoice, outcome: 'paid' | 'payment_failed'): void {
    if (invoice.status !== 'open') return;
    const at = new Date().toISOString();
    const payment: SandboxPayment = {
      paymentReference: id('py'),
      invoiceReference: invoice.invoiceReference,
      externalId: invoice.externalId,
      amount: invoice.total,
      currency: invoice.currency,
      status: outcome === 'paid' ? 'succeeded' : 'failed',
      createdAt: at,
    };
    payments.set(payment.paymentReference, payment);
    if (outcome === 'paid') Object.assign(invoice, { status: 'paid', paidAt: at });
    emit(outcome === 'paid' ? 'invoice.paid' : 'invoice.payment_failed', invoiceObject(invoice));
  }

  function scheduleAutoPay(invoice: SandboxInvoice): void {
    if (!settings.autoPay) return;
    const outcome = settings.autoPayOutcome;
    const payment = sleep(settings.autoPayDelayMs).then(() => {
      if (!stopping) settle(invoice, outcome);
    });
    const tracked = payment.finally(() => autoPayments.delete(tracked));
    autoPayments.add(tracked);
  }

  function existing<T>(map: Map<string, T>, key: string, kind: string, param: string): T {
    const found = map.get(key);
    if (found === undefined) throw new SandboxFailure(404, 'invalid_request', 'resource_missing', `No such ${kind}: '${key}'.`, param);
    return found;
  }

  const routes: { method: string; path: RegExp; run: (match: string[], body: string, query: URLSearchParams) => Answer }[] = [
    {
      method: 'POST',
      path: /^\/billing\/customers$/,
      run: (_m, body) => {
        const req = parseBody(CustomerBody, body);
        const customer: SandboxCustomer = { billingCustomerId: id('cus'), customerReference: req.customerReference, ...(req.email ? { email: req.email } : {}), createdAt: new Date().toISOString() };
        customers.set(customer.billingCustomerId, customer);
        return { status: 201, body: customer };
      },
    },
    {
      method: 'POST',
      path: /^\/billing\/customers\/([^/]+)\/anonymise$/,
      run: ([billingCustomerId]) => {
        const customer = existing(customers, billingCustomerId as string, 'customer', 'billingCustomerId');
        // Invoices and payments stay: they are the books. Only what names the person goes, once.
        if (customer.anonymisedAt === undefined) {
          delete customer.email;
          Object.assign(customer, { customerReference: 'erased', anonymisedAt: new Date().toISOString() });
        }
        return { status: 200, body: customer };
      },
    },
    {
      method: 'POST',
      path: /^\/billing\/subscriptions$/,
      run: (_m, body) => {
        const req = parseBody(SubscriptionBody, body);
        existing(customers, req.billingCustomerId, 'customer', 'billingCustomerId');
        const now = new Date();
        const subscription: SandboxSubscription = {
          billingSubscriptionId: id('sub'),
          ...req,
          status: 'active',
          currentPeriodEnd: periodEnd(req.plan, now),
          createdAt: now.toISOString(),
        };
        subscriptions.set(subscription.billingSubscriptionId, subscription);
        emit('subscription.updated', { billingSubscriptionId: subscription.billingSubscriptionId, subscriptionReference: subscription.subscriptionReference, status: subscription.status });
        return { status: 201, body: subscription };
      },
    },
    {
      method: 'POST',
      path: /^\/billing\/subscriptions\/([^/]+)\/cancel$/,
      run: ([billingSubscriptionId], body) => {
        const { atPeriodEnd } = parseBody(CancelSubscriptionBody, body);
        const subscription = existing(subscriptions, billingSubscriptionId as string, 'subscription', 'billingSubscriptionId');
        // Already ended: answered as it is. At period end it stays active (end it with `/_sandbox/subscriptions/{id}/status`).
        if (subscription.status !== 'cancelled') {
          if (atPeriodEnd) subscription.cancelAtPeriodEnd = true;
          else {
            subscription.status = 'cancelled';
            emit('subscription.updated', { billingSubscriptionId: subscription.billingSubscriptionId, subscriptionReference: subscription.subscriptionReference, status: subscription.status });
          }
        }
        return { status: 200, body: subscription };
      },
    },
    {
      method: 'POST',
      path: /^\/billing\/invoices$/,
      run: (_m, body) => {
        const req = parseBody(InvoiceBody, body);
        if (req.billingCustomerId !== undefined) existing(customers, req.billingCustomerId, 'customer', 'billingCustomerId');
        const invoice: SandboxInvoice = {
          invoiceReference: id('in'),
          externalId: req.orderId,
          status: 'open',
          currency: req.currency,
          total: req.total,
          tax: req.tax,
          createdAt: new Date().toISOString(),
          ...(req.billingCustomerId ? { billingCustomerId: req.billingCustomerId } : {}),
          customerReference: req.customerReference,
          discount: req.discount,
          lines: req.lines,
          metadata: Object.fromEntries(Object.entries(req.metadata).filter(([, v]) => v !== undefined)) as Record<string, string>,
        };
        invoices.set(invoice.invoiceReference, invoice);
        scheduleAutoPay(invoice);
        return { status: 201, body: invoiceObject(invoice) };
      },
    },
    {
      method: 'GET',
      path: /^\/billing\/invoices\/([^/]+)$/,
      run: ([ref]) => ({ status: 200, body: invoiceObject(existing(invoices, ref as string, 'invoice', 'invoiceReference')) }),
    },
    {
      method: 'POST',
      path: /^\/billing\/credit-notes$/,
      run: (_m, body) => {
        const req = parseBody(CreditNoteBody, body);
        const invoice = existing(invoices, req.invoiceReference, 'invoice', 'invoiceReference');
        if (invoice.externalId !== req.orderId) {
          throw new SandboxFailure(400, 'invalid_request', 'parameter_invalid', `Invoice ${invoice.invoiceReference} is for ${invoice.externalId}, not ${req.orderId}.`, 'orderId');
        }
        if (invoice.currency !== req.currency) throw new SandboxFailure(400, 'invalid_request', 'currency_mismatch', `Invoice ${invoice.invoiceReference} is in ${invoice.currency}.`, 'currency');
        const lineSum = (field: 'amount' | 'tax') => req.lines.reduce((sum, line) => sum + line[field], 0);
        if (lineSum('amount') !== req.amount || lineSum('tax') !== req.tax) {
          throw new SandboxFailure(
            400,
            'invalid_request',
            'parameter_invalid',
            `The lines add up to ${lineSum('amount')} with tax ${lineSum('tax')}; the credit note is for ${req.amount} with tax ${req.tax}.`,
            'lines',
          );
        }
        const earlier = [...creditNotes.values()].filter((c) => c.invoiceReference === invoice.invoiceReference);
        const credited = earlier.reduce((sum, c) => sum + c.amount, 0);
        if (credited + req.amount > invoice.total) {
          throw new SandboxFailure(400, 'invalid_request', 'amount_too_large', `Only ${invoice.total - credited} of invoice ${invoice.invoiceReference} is left to credit.`, 'amount');
        }
        const creditedTax = earlier.reduce((sum, c) => sum + c.tax, 0);
        if (creditedTax + req.tax > invoice.tax) {
          throw new SandboxFailure(400, 'invalid_request', 'tax_too_large', `Only ${invoice.tax - creditedTax} of invoice ${invoice.invoiceReference}'s tax is left to credit.`, 'tax');
        }
        const note: SandboxCreditNote = {
          creditNoteReference: id('cn'),
          invoiceReference: invoice.invoiceReference,
          externalId: `${req.orderId}#${req.refundRef}`,
          amount: req.amount,
          tax: req.tax,
          currency: req.currency,
          createdAt: new Date().toISOString(),
          lines: req.lines,
          ...(req.reason ? { reason: req.reason } : {}),
        };
        creditNotes.set(note.creditNoteReference, note);
        const object = creditNoteObject(note);
        emit('credit_note.created', object);
        return { status: 201, body: object };
      },
    },
    {
      method: 'GET',
      path: /^\/billing\/exports\/([^/]+)$/,
      run: ([kind], _body, query) => {
        if (!(EXPORT_KINDS as readonly string[]).includes(kind as string)) {
          throw new SandboxFailure(404, 'invalid_request', 'export_unknown', `No export ${kind}; there are ${EXPORT_KINDS.join(', ')}.`);
        }
        const date = query.get('date') ?? '';
        if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(date))) throw new SandboxFailure(400, 'invalid_request', 'parameter_invalid', 'date must be YYYY-MM-DD.', 'date');
        const limitText = query.get('limit');
        const limit = limitText === null || limitText === '' ? DEFAULT_PAGE_SIZE : Number(limitText);
        if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) throw new SandboxFailure(400, 'invalid_request', 'parameter_invalid', `limit must be 1..${MAX_PAGE_SIZE}.`, 'limit');
        const cursor = query.get('cursor') ?? undefined;
        const day = (at: string) => at.slice(0, 10);
        if (kind === 'invoices') {
          return { status: 200, body: page([...invoices.values()].map((i) => ({ day: day(i.createdAt), sortKey: `${i.createdAt}|${i.invoiceReference}`, item: structuredClone(i) })), date, cursor, limit) };
        }
        if (kind === 'payments') {
          return { status: 200, body: page([...payments.values()].map((p) => ({ day: day(p.createdAt), sortKey: `${p.createdAt}|${p.paymentReference}`, item: structuredClone(p) })), date, cursor, limit) };
        }
        if (kind === 'credit-notes') {
          return {
            status: 200,
            body: page(
              [...creditNotes.values()].map((c) => {
                const { lines: _lines, ...exported } = c;
                return { day: day(c.createdAt), sortKey: `${c.createdAt}|${c.creditNoteReference}`, item: structuredClone(exported) };
              }),
              date,
              cursor,
              limit,
            ),
          };
        }
        const invoiceTaxLines = [...invoices.values()].flatMap((i) =>
          i.lines.map((line, index) => ({
            day: day(i.createdAt),
            sortKey: `${i.createdAt}|${i.invoiceReference}|${String(index).padStart(4, '0')}`,
            item: { invoiceReference: i.invoiceReference, externalId: i.externalId, lineNumber: index + 1, sku: line.sku, amount: line.amount, tax: line.tax, currency: i.currency, createdAt: i.createdAt },
          })),
        );
        // A credit note's lines are tax lines too, named by the credit note: they take tax back from its invoice.
        const creditTaxLines = [...creditNotes.values()].flatMap((c) =>
          c.lines.map((line, index) => ({
            day: day(c.createdAt),
            sortKey: `${c.createdAt}|${c.creditNoteReference}|${String(index).padStart(4, '0')}`,
            item: {
              invoiceReference: c.invoiceReference,
              creditNoteReference: c.creditNoteReference,
              externalId: c.externalId,
              lineNumber: index + 1,
              sku: line.sku,
              amount: line.amount,
              tax: line.tax,
              currency: c.currency,
              createdAt: c.createdAt,
            },
          })),
        );
        return { status: 200, body: page([...invoiceTaxLines, ...creditTaxLines], date, cursor, limit) };
      },
    },
  ];

  function execute(run: () => Answer): Answer {
    try {
      return structuredClone(run());
    } catch (error) {
      if (error instanceof SandboxFailure) return failureAnswer(error);
      throw error;
    }
  }

  /**
   * Runs one `/billing` call under the idempotency rules: the same key and body replay the first answer, another body
   * is a 422, and a key whose first call is still running (injected latency holds it) is a 409.
   */
  async function api(method: string, path: string, body: string, query: URLSearchParams, key: string | undefined, latencyMs: number): Promise<Answer & { replayed?: boolean }> {
    const route = routes.find((r) => r.method === method && r.path.test(path));
    if (!route) return failureAnswer(new SandboxFailure(404, 'invalid_request', 'route_unknown', `Unrecognized request URL (${method}: ${path}).`));
    const match = (route.path.exec(path) ?? []).slice(1);
    if (method !== 'POST') {
      await sleep(latencyMs);
      return execute(() => route.run(match, body, query));
    }
    if (key === undefined || key === '') return failureAnswer(new SandboxFailure(400, 'invalid_request', 'idempotency_key_missing', 'Every POST needs an Idempotency-Key header.'));
    const fingerprint = JSON.stringify([method, path, body]);
    const earlier = idempotent.get(key);
    if (earlier) {
      if (earlier.fingerprint !== fingerprint) {
        return failureAnswer(new SandboxFailure(422, 'idempotency', 'idempotency_key_reused', `Idempotency-Key '${key}' was first used with another request; use another key for a different request.`));
      }
      return { ...structuredClone(earlier.answer), replayed: true };
    }
    if (running.has(key)) {
      return failureAnswer(new SandboxFailure(409, 'idempotency', 'idempotency_key_in_use', 'Another request with this Idempotency-Key is in progress.'));
    }
    running.add(key);
    try {
      await sleep(latencyMs);
      const answer = execute(() => route.run(match, body, query));
      idempotent.set(key, { fingerprint, answer });
      return answer;
    } finally {
      running.delete(key);
    }
  }

  function state(): BillingSandboxState {
    return structuredClone({
      counts: {
        customers: customers.size,
        subscriptions: subscriptions.size,
        invoices: invoices.size,
        creditNotes: creditNotes.size,
        payments: payments.size,
        events: events.size,
        webhooksDelivered: webhooks.delivered,
        webhooksFailed: webhooks.failed,
        apiCalls,
      },
      faults,
      settings,
      customers: [...customers.values()],
      subscriptions: [...subscriptions.values()],
      invoices: [...invoices.values()],
      creditNotes: [...creditNotes.values()],
      payments: [...payments.values()],
      events: [...events.values()],
    });
  }

  function seed(input: BillingSandboxSeed): BillingSandboxState {
    const now = new Date().toISOString();
    for (const given of input.invoices ?? []) {
      const tax = given.tax ?? 0;
      const invoice: SandboxInvoice = {
        invoiceReference: id('in'),
        status: 'open',
        createdAt: now,
        customerReference: 'seeded',
        discount: 0,
        metadata: {},
        // Tax lines are read from invoice lines, so a seeded invoice without lines still has its tax exported.
        lines: [{ sku: 'SEEDED', description: 'Seeded invoice', quantity: 1, amount: given.total, tax }],
        ...given,
        tax,
      };
      invoices.set(invoice.invoiceReference, invoice);
    }
    for (const given of input.creditNotes ?? []) {
      const tax = given.tax ?? 0;
      const note: SandboxCreditNote = {
        creditNoteReference: id('cn'),
        createdAt: now,
        lines: [{ sku: 'SEEDED', description: 'Seeded credit note', quantity: 1, amount: given.amount, tax }],
        ...given,
        tax,
      };
      creditNotes.set(note.creditNoteReference, note);
    }
    for (const given of input.payments ?? []) {
      const payment: SandboxPayment = {
        paymentReference: id('py'),
        externalId: invoices.get(given.invoiceReference)?.externalId ?? '',
        status: 'succeeded',
        createdAt: now,
        ...given,
      };
      payments.set(payment.paymentReference, payment);
    }
    return state();
  }

  function reset(): void {
    for (const map of [customers, subscriptions, invoices, creditNotes, payments, events, idempotent] as Map<string, unknown>[]) map.clear();
    faults = {};
    apiCalls = 0;
  }

  const SeedBody = z.object({ invoices: z.array(z.record(z.string(), z.unknown())).optional(), creditNotes: z.array(z.record(z.string(), z.unknown())).optional(), payments: z.array(z.record(z.string(), z.unknown())).optional() });
  const WebhookBody = z.object({ url: z.url(), secrets: z.array(z.string().min(1)).min(1) });
  const ReplayBody = z.union([z.object({ eventId: z.string().min(1) }), z.object({ eventIds: z.array(z.string().min(1)).min(1) })]);
  const SettleBody = z.object({ outcome: z.enum(['paid', 'payment_failed']) });
  const StatusBody = z.object({ status: z.enum(['active', 'past_due', 'cancelled', 'incomplete']) });
  const FaultsBody = z.object({
    errorRate: z.number().min(0).max(1).optional(),
    errorStatus: z.union([z.literal(500), z.literal(503), z.literal(429)]).optional(),
    retryAfterSeconds: z.number().int().min(0).optional(),
    latencyMs: z.number().int().min(0).optional(),
    timeout: z.boolean().optional(),
    ackLostRate: z.number().min(0).max(1).optional(),
    webhookDuplicates: z.number().int().min(1).optional(),
    webhookShuffle: z.boolean().optional(),
    window: z.object({ untilEpochMs: z.number() }).optional(),
  });
  const SettingsBody = z.object({ autoPay: z.boolean().optional(), autoPayDelayMs: z.number().int().min(0).optional(), autoPayOutcome: z.enum(['paid', 'payment_failed']).optional() });

  function sandboxControl(method: string, path: string, body: string): Answer {
    if (path === '/_sandbox/faults' && method === 'POST') {
      faults = parseBody(FaultsBody, body) as BillingSandboxFaults;
      return { status: 200, body: faults };
    }
    if (path === '/_sandbox/faults' && method === 'DELETE') {
      faults = {};
      return { status: 200, body: faults };
    }
    if (path === '/_sandbox/state' && method === 'GET') return { status: 200, body: state() };
    if (path === '/_sandbox/reset' && method === 'POST') {
      reset();
      return { status: 200, body: state() };
    }
    if (path === '/_sandbox/seed' && method === 'POST') return { status: 200, body: seed(parseBody(SeedBody, body) as BillingSandboxSeed) };
    if (path === '/_sandbox/settings' && method === 'POST') {
      settings = { ...settings, ...(parseBody(SettingsBody, body) as Partial<BillingSandboxSettings>) };
      return { status: 200, body: settings };
    }
    if (path === '/_sandbox/webhooks' && method === 'PUT') {
      target = parseBody(WebhookBody, body);
      return { status: 200, body: { url: target.url, keys: target.secrets.length } };
    }
    if (path === '/_sandbox/webhooks/replay' && method === 'POST') {
      const req = parseBody(ReplayBody, body);
      const ids = 'eventId' in req ? [req.eventId] : req.eventIds;
      const replayed = ids.map((eventId) => existing(events, eventId, 'event', 'eventId'));
      for (const event of replayed) webhooks.send(JSON.stringify(event));
      return { status: 200, body: { replayed: replayed.length } };
    }
    const settleMatch = /^\/_sandbox\/invoices\/([^/]+)\/settle$/.exec(path);
    if (settleMatch?.[1] && method === 'POST') {
      const invoice = existing(invoices, settleMatch[1], 'invoice', 'invoiceReference');
      if (invoice.status !== 'open') throw new SandboxFailure(409, 'invalid_request', 'invoice_not_open', `Invoice ${invoice.invoiceReference} is ${invoice.status}.`);
      settle(invoice, parseBody(SettleBody, body).outcome);
      return { status: 200, body: invoice };
    }
    const statusMatch = /^\/_sandbox\/subscriptions\/([^/]+)\/status$/.exec(path);
    if (statusMatch?.[1] && method === 'POST') {
      const subscription = existing(subscriptions, statusMatch[1], 'subscription', 'billingSubscriptionId');
      subscription.status = parseBody(StatusBody, body).status;
      emit('subscription.updated', { billingSubscriptionId: subscription.billingSubscriptionId, subscriptionReference: subscription.subscriptionReference, status: subscription.status });
      return { status: 200, body: subscription };
    }
    throw new SandboxFailure(404, 'invalid_request', 'route_unknown', `Unrecognized sandbox URL (${method}: ${path}).`);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const requestTarget = req.url ?? '/';
    const url = new URL(requestTarget, 'http://sandbox');
    const method = req.method ?? 'GET';
    const send = (answer: Answer & { replayed?: boolean }): void => {
      res.writeHead(answer.status, {
        'content-type': 'application/json',
        'request-id': id('req'),
        ...answer.headers,
        ...(answer.replayed ? { 'idempotent-replayed': 'true' } : {}),
      });
      res.end(JSON.stringify(answer.body));
    };
    if (url.pathname.startsWith('/_sandbox/')) return send(execute(() => sandboxControl(method, url.pathname, body)));
    const authorization = req.headers.authorization ?? '';
    if (authorization !== `Bearer ${token}`) {
      return send(failureAnswer(new SandboxFailure(401, 'authentication', 'token_invalid', 'The bearer token is missing or not valid.')));
    }
    const header = (name: string) => {
      const value = req.headers[name.toLowerCase()];
      return typeof value === 'string' ? value : undefined;
    };
    const verdict = verifyRequest({ method, path: requestTarget, body }, { timestamp: header(REQUEST_TIMESTAMP_HEADER), signature: header(REQUEST_SIGNATURE_HEADER) }, signingSecret);
    if (verdict !== 'ok') {
      return send(failureAnswer(new SandboxFailure(401, 'authentication', verdict === 'stale' ? 'signature_stale' : 'signature_invalid', verdict === 'stale' ? 'The request timestamp is outside the tolerance.' : 'The request signature does not match.')));
    }
    apiCalls += 1;
    const fault = activeFaults();
    const key = header('idempotency-key');
    await answerWithFaults(fault, req, res, send, (latencyMs) => api(method, url.pathname, body, url.searchParams, key, latencyMs));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      console.error('billing sandbox: request failed', error);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { type: 'api_error', code: 'sandbox_failed', message: 'The sandbox failed.' } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const sandboxUrl = `http://127.0.0.1:${port}`;
  return {
    url: sandboxUrl,
    port,
    clientSettings: { baseUrl: sandboxUrl, token, signingSecret },
    faults: (next) => {
      faults = { ...next };
    },
    webhook: (next) => {
      target = next;
    },
    settings: (next) => {
      settings = { ...settings, ...next };
    },
    state,
    seed,
    reset,
    webhooksIdle: async () => {
      while (autoPayments.size > 0) await Promise.all([...autoPayments]);
      await webhooks.idle();
    },
    stop: async () => {
      stopping = true;
      target = undefined;
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
      await Promise.all([...autoPayments]);
      await webhooks.idle();
    },
  };
}
