import { z } from 'zod';
import { config, OutsideApiBase } from '../config/config.js';
import { storedSecretReader } from '../config/stored-secret.js';
import { signRequest } from './signing.js';

/**
 * The port to the external billing system (integration-files/billing/openapi.json) and its one
 * HTTP implementation. The local sandbox and a real provider differ only in configuration: base
 * URL, token and signing key.
 */

export interface BillingLine {
  sku: string;
  description: string;
  quantity: number;
  amount: number;
  tax: number;
}

export interface InvoiceRequest {
  /** Our canonical id, echoed back in exports as `externalId`. */
  orderId: string;
  /** When the shopper has one; else `customerReference` identifies them. */
  billingCustomerId?: string;
  /** Our shopperId. */
  customerReference: string;
  /** ISO 4217. */
  currency: string;
  lines: BillingLine[];
  /** Minor units. */
  discount: number;
  tax: number;
  total: number;
  metadata: { storeId: string; posReference?: string; channel: string };
}

export interface CreditNoteRequest {
  orderId: string;
  invoiceReference: string;
  refundRef: string;
  currency: string;
  /** Minor units, tax included. */
  amount: number;
  /** The tax in `amount`: what the credit note takes back of the invoice's tax. */
  tax: number;
  /** What is credited, each with its tax: the goods of a return, or one line for a refund of money. They add up to `amount` and `tax`. */
  lines: BillingLine[];
  reason?: string;
}

export interface BillingInvoice {
  invoiceReference: string;
  externalId: string;
  status: 'open' | 'paid' | 'void';
  currency: string;
  total: number;
  tax: number;
  createdAt: string;
}

export interface BillingCreditNote {
  creditNoteReference: string;
  invoiceReference: string;
  /** `${orderId}#${refundRef}` */
  externalId: string;
  amount: number;
  /** The tax in `amount`. */
  tax: number;
  currency: string;
  createdAt: string;
}

export type ExportKind = 'invoices' | 'payments' | 'credit-notes' | 'tax-lines';

export const EXPORT_KINDS: readonly ExportKind[] = ['invoices', 'payments', 'credit-notes', 'tax-lines'];

/** What the billing system answers to a cancellation. */
export interface CancelledSubscription {
  billingSubscriptionId: string;
  status: 'active' | 'past_due' | 'cancelled' | 'incomplete';
  cancelAtPeriodEnd: boolean;
  /** The end of the period paid for, when billing says. */
  currentPeriodEnd?: string;
}

export interface BillingClient {
  createCustomer(req: { customerReference: string; email?: string }, idempotencyKey: string): Promise<{ billingCustomerId: string }>;
  /** Removes what identifies the person from a customer (their shopper was erased); its invoices and payments stay. */
  anonymiseCustomer(billingCustomerId: string, idempotencyKey: string): Promise<{ billingCustomerId: string; anonymisedAt: string }>;
  createSubscription(
    req: { billingCustomerId: string; plan: string; subscriptionReference: string },
    idempotencyKey: string,
  ): Promise<{ billingSubscriptionId: string; status: 'active' | 'past_due' | 'cancelled' | 'incomplete' }>;
  /** Ends a subscription now, or when its paid period does (`atPeriodEnd`); repeating it answers the same. */
  cancelSubscription(billingSubscriptionId: string, req: { atPeriodEnd: boolean }, idempotencyKey: string): Promise<CancelledSubscription>;
  createInvoice(req: InvoiceRequest, idempotencyKey: string): Promise<BillingInvoice>;
  createCreditNote(req: CreditNoteRequest, idempotencyKey: string): Promise<BillingCreditNote>;
  /** One page of a day's export; `nextCursor` is absent on the last page. */
  exportPage(kind: ExportKind, date: string, cursor?: string): Promise<{ items: unknown[]; nextCursor?: string }>;
}

/** 5xx, 429 (with retryAfterSeconds from Retry-After), timeouts, connection errors: safe to retry with the same key. */
export class BillingTransientError extends Error {
  override readonly name = 'BillingTransientError';
  constructor(
    message: string,
    readonly retryAfterSeconds?: number,
    /** The HTTP status, when an answer arrived at all. */
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** 4xx other than 429: retrying cannot help. */
export class BillingPermanentError extends Error {
  override readonly name = 'BillingPermanentError';
  constructor(
    message: string,
    readonly status: number,
    /** The billing system's error code (`resource_missing`, `idempotency_key_reused`, ...). */
    readonly code?: string,
  ) {
    super(message);
  }
}

/** How to reach the billing system. */
export interface BillingApiSettings {
  /** An origin, optionally with a path prefix: `https://billing.example.com` or `http://127.0.0.1:4010`. */
  baseUrl: string;
  token: string;
  /** Our HMAC key for request signatures. */
  signingSecret: string;
}

export interface HttpBillingClientOptions extends BillingApiSettings {
  /** Per call, from sending to the whole answer read. */
  timeoutMs?: number;
  /** Items per export page; the server's default when absent. */
  exportPageSize?: number;
  /** For tests. */
  fetch?: typeof fetch;
  now?: () => number;
}

export const DEFAULT_BILLING_TIMEOUT_MS = 5_000;

/** An invoice as the billing system answers or exports it; extra fields are the provider's business. */
export const BillingInvoiceSchema = z.object({
  invoiceReference: z.string().min(1),
  externalId: z.string(),
  status: z.enum(['open', 'paid', 'void']),
  currency: z.string(),
  total: z.number().int(),
  tax: z.number().int(),
  createdAt: z.string(),
});
/** A credit note as the billing system answers or exports it. */
export const BillingCreditNoteSchema = z.object({
  creditNoteReference: z.string().min(1),
  invoiceReference: z.string(),
  externalId: z.string(),
  amount: z.number().int(),
  tax: z.number().int(),
  currency: z.string(),
  createdAt: z.string(),
});
const Customer = z.object({ billingCustomerId: z.string().min(1) });
const AnonymisedCustomer = z.object({ billingCustomerId: z.string().min(1), anonymisedAt: z.string().min(1) });
const Subscription = z.object({ billingSubscriptionId: z.string().min(1), status: z.enum(['active', 'past_due', 'cancelled', 'incomplete']) });
const CancelledSubscriptionSchema = Subscription.extend({ cancelAtPeriodEnd: z.boolean().default(false), currentPeriodEnd: z.string().min(1).optional() });
const ExportPage = z.object({ items: z.array(z.unknown()), nextCursor: z.string().min(1).optional() });
const ErrorBody = z.object({ error: z.object({ code: z.string().optional(), message: z.string().optional() }) });

/**
 * `Retry-After` as seconds: a delay in seconds or an HTTP date.
 * @returns undefined when absent or unreadable
 */
export function retryAfterSeconds(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

/**
 * A {@link BillingClient} over HTTP: each call is signed, POSTs carry the caller's Idempotency-Key,
 * and failures are sorted into transient (retry with the same key) and permanent. It never retries
 * itself: the worker owns backoff, so a retry is visible and bounded by its queue.
 */
export function httpBillingClient(options: HttpBillingClientOptions): BillingClient {
  const base = options.baseUrl.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? DEFAULT_BILLING_TIMEOUT_MS;
  const send = options.fetch ?? fetch;
  const now = options.now ?? Date.now;

  async function call<T>(method: 'GET' | 'POST', path: string, schema: z.ZodType<T>, body?: unknown, idempotencyKey?: string): Promise<T> {
    const url = new URL(`${base}${path}`);
    const text = body === undefined ? '' : JSON.stringify(body);
    const headers: Record<string, string> = {
      authorization: `Bearer ${options.token}`,
      accept: 'application/json',
      ...signRequest({ method, path: `${url.pathname}${url.search}`, body: text }, options.signingSecret, now()),
    };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (idempotencyKey !== undefined) headers['idempotency-key'] = idempotencyKey;
    const where = `billing ${method} ${url.pathname}`;
    let response: Response;
    let answer: string;
    try {
      response = await send(url, { method, headers, ...(body === undefined ? {} : { body: text }), signal: AbortSignal.timeout(timeoutMs) });
      answer = await response.text();
    } catch (error) {
      const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
      // The call may have taken effect (acknowledgement lost): a retry under the same key is answered with its first result.
      throw new BillingTransientError(timedOut ? `${where} timed out after ${timeoutMs} ms` : `${where} failed: ${(error as Error).message}`, undefined, undefined, { cause: error });
    }
    const status = response.status;
    if (status >= 200 && status < 300) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(answer);
      } catch {
        parsed = undefined;
      }
      const result = schema.safeParse(parsed);
      // A replay under the same key would give the same answer, so retrying cannot help.
      if (!result.success) throw new BillingPermanentError(`${where} answered ${status} with a body outside the contract`, status, 'invalid_response');
      return result.data;
    }
    const error = ErrorBody.safeParse(safeJson(answer)).data?.error;
    const message = `${where} answered ${status}${error?.code ? ` ${error.code}` : ''}${error?.message ? `: ${error.message}` : ''}`;
    // A key still in flight (a concurrent retry) will answer with the first call's result once that finishes.
    if (status >= 500 || status === 429 || status === 408 || (status === 409 && error?.code === 'idempotency_key_in_use')) {
      throw new BillingTransientError(message, retryAfterSeconds(response.headers.get('retry-after'), now()), status);
    }
    throw new BillingPermanentError(message, status, error?.code);
  }

  return {
    createCustomer: (req, key) => call('POST', '/billing/customers', Customer, req, key).then(({ billingCustomerId }) => ({ billingCustomerId })),
    anonymiseCustomer: (billingCustomerId, key) =>
      call('POST', `/billing/customers/${encodeURIComponent(billingCustomerId)}/anonymise`, AnonymisedCustomer, undefined, key).then(({ anonymisedAt }) => ({ billingCustomerId, anonymisedAt })),
    createSubscription: (req, key) =>
      call('POST', '/billing/subscriptions', Subscription, req, key).then(({ billingSubscriptionId, status }) => ({ billingSubscriptionId, status })),
    cancelSubscription: (billingSubscriptionId, req, key) =>
      call('POST', `/billing/subscriptions/${encodeURIComponent(billingSubscriptionId)}/cancel`, CancelledSubscriptionSchema, req, key).then((s) => ({
        billingSubscriptionId: s.billingSubscriptionId,
        status: s.status,
        cancelAtPeriodEnd: s.cancelAtPeriodEnd,
        ...(s.currentPeriodEnd ? { currentPeriodEnd: s.currentPeriodEnd } : {}),
      })),
    createInvoice: (req, key) => call('POST', '/billing/invoices', BillingInvoiceSchema, req, key),
    createCreditNote: (req, key) => call('POST', '/billing/credit-notes', BillingCreditNoteSchema, req, key),
    exportPage: async (kind, date, cursor) => {
      const query = new URLSearchParams({ date });
      if (cursor !== undefined) query.set('cursor', cursor);
      if (options.exportPageSize !== undefined) query.set('limit', String(options.exportPageSize));
      const page = await call('GET', `/billing/exports/${kind}?${query.toString()}`, ExportPage);
      return page.nextCursor === undefined ? { items: page.items } : { items: page.items, nextCursor: page.nextCursor };
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The `billing-api` secret's JSON value on AWS. */
const StoredBillingApi = z.object({ baseUrl: OutsideApiBase, token: z.string().min(1), signingSecret: z.string().min(1) });

const readStoredBillingApi = storedSecretReader(StoredBillingApi);

/**
 * The billing system's address and keys from a function's configuration: the environment
 * (local platform, tests), or on AWS the granted `billing-api` secret, kept for a few minutes.
 */
export async function billingApiSettings(source = config.billingApi, now = Date.now()): Promise<BillingApiSettings> {
  if ('secretArn' in source) return readStoredBillingApi(source.secretArn, now);
  return source;
}

let built: { settings: string; client: BillingClient } | undefined;

/**
 * The process's {@link BillingClient}, built once per settings: a token or key rolled in Secrets
 * Manager reaches a warm function within the secret's cache time, without a cold start.
 *
 * @throws ConfigError when the function was granted neither `BILLING_API_BASE` (with its token and key) nor the `billing-api` secret.
 */
export async function billingClient(): Promise<BillingClient> {
  const settings = await billingApiSettings();
  const fingerprint = JSON.stringify([settings.baseUrl, settings.token, settings.signingSecret]);
  if (built?.settings !== fingerprint) built = { settings: fingerprint, client: httpBillingClient(settings) };
  return built.client;
}
