import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { startBillingSandbox, type BillingSandbox } from '../../../infra/local/billing-sandbox/server.js';
import {
  BillingPermanentError,
  BillingTransientError,
  billingApiSettings,
  httpBillingClient,
  retryAfterSeconds,
  type BillingClient,
  type InvoiceRequest,
} from '../../../shared/billing/client.js';
import { ConfigError, makeConfig } from '../../../shared/config/config.js';

const stored = vi.hoisted(() => ({ value: '' as string | undefined }));
vi.mock('@aws-sdk/client-secrets-manager', () => ({
  GetSecretValueCommand: class {
    constructor(readonly input: unknown) {}
  },
  SecretsManagerClient: class {
    send() {
      return Promise.resolve({ SecretString: stored.value });
    }
  },
}));

function invoiceFor(orderId: string, total = 1250): InvoiceRequest {
  return {
    orderId,
    customerReference: 'shopper-1',
    currency: 'GBP',
    lines: [{ sku: 'APL-1', description: 'Apples', quantity: 2, amount: total, tax: 0 }],
    discount: 0,
    tax: 0,
    total,
    metadata: { storeId: 'store-1', channel: 'online' },
  };
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

let sandbox: BillingSandbox;
let client: BillingClient;

beforeAll(async () => {
  sandbox = await startBillingSandbox({ settings: { autoPay: false } });
  client = httpBillingClient({ ...sandbox.clientSettings, timeoutMs: 1000 });
});
afterAll(async () => sandbox.stop());
beforeEach(() => sandbox.reset());

describe('httpBillingClient against the billing sandbox', () => {
  it('creates a customer, a subscription, an invoice and a credit note, each echoing our ids', async () => {
    const { billingCustomerId } = await client.createCustomer({ customerReference: 'shopper-1', email: 'a@example.com' }, 'customer:shopper-1');
    expect(billingCustomerId).toMatch(/^cus_/);
    expect(await client.createSubscription({ billingCustomerId, plan: 'delivery-pass-monthly', subscriptionReference: 'sub-1' }, 'subscription:sub-1')).toEqual({
      billingSubscriptionId: expect.stringMatching(/^sub_/),
      status: 'active',
    });
    const invoice = await client.createInvoice({ ...invoiceFor('order-1'), billingCustomerId, tax: 208, metadata: { storeId: 's1', channel: 'pos', posReference: 'till-9' } }, 'invoice:order-1');
    expect(invoice).toEqual({ invoiceReference: expect.stringMatching(/^in_/), externalId: 'order-1', status: 'open', currency: 'GBP', total: 1250, tax: 208, createdAt: expect.any(String) });
    const credited = { orderId: 'order-1', invoiceReference: invoice.invoiceReference, refundRef: 'r1', currency: 'GBP', amount: 250, tax: 42, reason: 'bruised' };
    const note = await client.createCreditNote({ ...credited, lines: [{ sku: 'A', description: 'A', quantity: 1, amount: 250, tax: 42 }] }, 'credit-note:order-1:r1');
    expect(note).toEqual({ creditNoteReference: expect.stringMatching(/^cn_/), invoiceReference: invoice.invoiceReference, externalId: 'order-1#r1', amount: 250, tax: 42, currency: 'GBP', createdAt: expect.any(String) });
    expect(sandbox.state().counts).toMatchObject({ customers: 1, subscriptions: 1, invoices: 1, creditNotes: 1 });
  });

  it('after an acknowledgement lost, a retry under the same key is answered with the first invoice: exactly one exists', async () => {
    sandbox.faults({ ackLostRate: 1 });
    const lost = await failure(client.createInvoice(invoiceFor('order-2'), 'invoice:order-2'));
    expect(lost).toBeInstanceOf(BillingTransientError);
    expect(sandbox.state().invoices.map((i) => i.externalId)).toEqual(['order-2']);
    sandbox.faults({});
    const retried = await client.createInvoice(invoiceFor('order-2'), 'invoice:order-2');
    const again = await client.createInvoice(invoiceFor('order-2'), 'invoice:order-2');
    expect(again).toEqual(retried);
    expect(sandbox.state().invoices).toEqual([expect.objectContaining({ invoiceReference: retried.invoiceReference, externalId: 'order-2' })]);
  });

  it('refuses a key reused for another request with a permanent 422', async () => {
    await client.createInvoice(invoiceFor('order-3'), 'invoice:order-3');
    const error = await failure(client.createInvoice(invoiceFor('order-3', 999), 'invoice:order-3'));
    expect(error).toBeInstanceOf(BillingPermanentError);
    expect(error).toMatchObject({ status: 422, code: 'idempotency_key_reused' });
    expect(sandbox.state().counts.invoices).toBe(1);
  });

  it('surfaces 429 as transient with Retry-After, and 500 and 503 as transient, with nothing created', async () => {
    sandbox.faults({ errorRate: 1, errorStatus: 429, retryAfterSeconds: 7 });
    const limited = await failure(client.createInvoice(invoiceFor('order-4'), 'invoice:order-4'));
    expect(limited).toBeInstanceOf(BillingTransientError);
    expect(limited).toMatchObject({ status: 429, retryAfterSeconds: 7 });
    sandbox.faults({ errorRate: 1, errorStatus: 500 });
    expect(await failure(client.createInvoice(invoiceFor('order-4'), 'invoice:order-4'))).toMatchObject({ name: 'BillingTransientError', status: 500, retryAfterSeconds: undefined });
    sandbox.faults({ errorRate: 1, errorStatus: 503, retryAfterSeconds: 2 });
    expect(await failure(client.exportPage('invoices', '2026-11-26'))).toMatchObject({ name: 'BillingTransientError', status: 503, retryAfterSeconds: 2 });
    expect(sandbox.state().counts.invoices).toBe(0);
  });

  it('ends a call the sandbox never answers at the timeout, as transient', async () => {
    sandbox.faults({ timeout: true });
    const quick = httpBillingClient({ ...sandbox.clientSettings, timeoutMs: 200 });
    const error = await failure(quick.createInvoice(invoiceFor('order-5'), 'invoice:order-5'));
    expect(error).toBeInstanceOf(BillingTransientError);
    expect((error as Error).message).toMatch(/timed out after 200 ms/);
  });

  it('is refused 401, permanently, with a wrong signing key or token', async () => {
    const forged = httpBillingClient({ ...sandbox.clientSettings, signingSecret: 'not-the-key' });
    expect(await failure(forged.createInvoice(invoiceFor('order-6'), 'invoice:order-6'))).toMatchObject({ name: 'BillingPermanentError', status: 401, code: 'signature_invalid' });
    const stranger = httpBillingClient({ ...sandbox.clientSettings, token: 'someone-else' });
    expect(await failure(stranger.exportPage('invoices', '2026-11-26'))).toMatchObject({ name: 'BillingPermanentError', status: 401, code: 'token_invalid' });
    const late = httpBillingClient({ ...sandbox.clientSettings, now: () => Date.now() - 600_000 });
    expect(await failure(late.exportPage('invoices', '2026-11-26'))).toMatchObject({ status: 401, code: 'signature_stale' });
    expect(sandbox.state().counts.invoices).toBe(0);
  });

  it('maps a refused request (unknown invoice, invalid body) to a permanent error with its code', async () => {
    const missing = await failure(client.createCreditNote({ orderId: 'o', invoiceReference: 'in_nope', refundRef: 'r', currency: 'GBP', amount: 1, tax: 0, lines: [{ sku: 'A', description: 'A', quantity: 1, amount: 1, tax: 0 }] }, 'credit-note:o:r'));
    expect(missing).toMatchObject({ name: 'BillingPermanentError', status: 404, code: 'resource_missing' });
    const invalid = await failure(client.createInvoice({ ...invoiceFor('order-7'), currency: 'gbp' }, 'invoice:order-7'));
    expect(invalid).toMatchObject({ name: 'BillingPermanentError', status: 400, code: 'parameter_invalid' });
  });

  it('reads a day export page by page until no cursor is left', async () => {
    for (const n of [1, 2, 3, 4, 5]) await client.createInvoice(invoiceFor(`order-p${n}`), `invoice:order-p${n}`);
    const paged = httpBillingClient({ ...sandbox.clientSettings, exportPageSize: 2 });
    const today = new Date().toISOString().slice(0, 10);
    const seen: unknown[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await paged.exportPage('invoices', today, cursor);
      seen.push(...page.items);
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor !== undefined);
    expect(pages).toBe(3);
    expect(seen.map((i) => (i as { externalId: string }).externalId).sort()).toEqual(['order-p1', 'order-p2', 'order-p3', 'order-p4', 'order-p5']);
    expect(await client.exportPage('tax-lines', today)).toMatchObject({ items: expect.arrayContaining([expect.objectContaining({ externalId: 'order-p1', sku: 'APL-1' })]) });
    expect(await client.exportPage('payments', '2001-01-01')).toEqual({ items: [] });
  });

  it('calls a refused connection transient', async () => {
    const closed = await startBillingSandbox();
    const settings = closed.clientSettings;
    await closed.stop();
    expect(await failure(httpBillingClient(settings).createCustomer({ customerReference: 's' }, 'customer:s'))).toBeInstanceOf(BillingTransientError);
  });
});

describe('httpBillingClient answers outside the contract', () => {
  it('calls a 2xx whose body is not the contract permanent, and a 409 for a key in flight transient', async () => {
    const answering = (status: number, body: string) => httpBillingClient({ baseUrl: 'https://billing.example', token: 't', signingSecret: 's', fetch: () => Promise.resolve(new Response(body, { status })) });
    expect(await failure(answering(201, '<html>').createCustomer({ customerReference: 's' }, 'k'))).toMatchObject({ name: 'BillingPermanentError', status: 201, code: 'invalid_response' });
    expect(await failure(answering(409, JSON.stringify({ error: { code: 'idempotency_key_in_use' } })).createCustomer({ customerReference: 's' }, 'k'))).toBeInstanceOf(BillingTransientError);
    expect(await failure(answering(409, JSON.stringify({ error: { code: 'conflict' } })).createCustomer({ customerReference: 's' }, 'k'))).toBeInstanceOf(BillingPermanentError);
  });

  it('sends the bearer token, the signature over the full request target, and the Idempotency-Key', async () => {
    const seen: Request[] = [];
    const client = httpBillingClient({
      baseUrl: 'https://billing.example/api/',
      token: 'tok',
      signingSecret: 's',
      fetch: (input, init) => {
        seen.push(new Request(input, init));
        return Promise.resolve(new Response(JSON.stringify({ items: [] }), { status: 200 }));
      },
    });
    await client.exportPage('credit-notes', '2026-11-26', 'abc');
    const [request] = seen;
    expect(request?.url).toBe('https://billing.example/api/billing/exports/credit-notes?date=2026-11-26&cursor=abc');
    expect(request?.headers.get('authorization')).toBe('Bearer tok');
    expect(request?.headers.get('x-signature')).toMatch(/^v1=[0-9a-f]{64}$/);
    expect(request?.headers.get('idempotency-key')).toBeNull();
  });
});

describe('retryAfterSeconds', () => {
  it('reads seconds or an HTTP date, and nothing from an absent or unreadable header', () => {
    const now = Date.UTC(2026, 10, 26, 6, 0, 0);
    expect(retryAfterSeconds('12', now)).toBe(12);
    expect(retryAfterSeconds(new Date(now + 30_000).toUTCString(), now)).toBe(30);
    expect(retryAfterSeconds(new Date(now - 30_000).toUTCString(), now)).toBe(0);
    expect(retryAfterSeconds(null, now)).toBeUndefined();
    expect(retryAfterSeconds('soon', now)).toBeUndefined();
  });
});

describe('billingApiSettings', () => {
  const ARN = 'arn:aws:secretsmanager:eu-west-2:1:secret:billing-api';

  it('takes the base URL, token and key from the environment, all three, else the granted secret', async () => {
    const env = { BILLING_API_BASE: 'http://127.0.0.1:4010', BILLING_API_TOKEN: 't', BILLING_SIGNING_SECRET: 's' };
    expect(await billingApiSettings(makeConfig(env).billingApi)).toEqual({ baseUrl: 'http://127.0.0.1:4010', token: 't', signingSecret: 's' });
    expect(() => makeConfig({ BILLING_API_BASE: 'http://127.0.0.1:4010' }).billingApi).toThrow(/BILLING_API_TOKEN is not set/);
    expect(() => makeConfig({ BILLING_API_BASE: 'ftp://x' })).toThrow(ConfigError);
    // Plain http only to this machine: a token or a signed request never crosses a network in the clear.
    expect(() => makeConfig({ BILLING_API_BASE: 'http://billing.example' })).toThrow(/BILLING_API_BASE: must be https/);
    expect(() => makeConfig({ STRIPE_API_BASE: 'http://stripe.example' })).toThrow(/must be https/);
    expect(makeConfig({ BILLING_API_BASE: 'http://localhost:4010' }).stage).toBe('dev');
    expect(() => makeConfig({}).billingApi).toThrow(/BILLING_API_SECRET_ARN is not set/);
    stored.value = JSON.stringify({ baseUrl: 'https://billing.example', token: 'tok', signingSecret: 'key' });
    expect(await billingApiSettings(makeConfig({ BILLING_API_SECRET_ARN: ARN }).billingApi)).toEqual({ baseUrl: 'https://billing.example', token: 'tok', signingSecret: 'key' });
  });

  it('refuses a stored secret whose base URL is plain http to another machine', async () => {
    stored.value = JSON.stringify({ baseUrl: 'http://billing.example', token: 'tok', signingSecret: 'key' });
    await expect(billingApiSettings(makeConfig({ BILLING_API_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-2:1:secret:billing-api-2' }).billingApi)).rejects.toThrow();
  });
});
