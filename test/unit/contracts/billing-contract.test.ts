import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBillingSandbox, type BillingSandbox } from '../../../infra/local/billing-sandbox/server.js';
import document from '../../../integration-files/billing/openapi.json' with { type: 'json' };
import creditNoteRequest from '../../../integration-files/billing/samples/createCreditNote.request.json' with { type: 'json' };
import customerRequest from '../../../integration-files/billing/samples/createCustomer.request.json' with { type: 'json' };
import invoiceRequest from '../../../integration-files/billing/samples/createInvoice.request.json' with { type: 'json' };
import subscriptionRequest from '../../../integration-files/billing/samples/createSubscription.request.json' with { type: 'json' };
import cancelSubscriptionRequest from '../../../integration-files/billing/samples/cancelSubscription.request.json' with { type: 'json' };
import type { CreditNoteRequest, InvoiceRequest } from '../../../shared/billing/client.js';
import { signRequest, verifyWebhook } from '../../../shared/billing/signing.js';
import { describe as describeErrors } from '../../support/openapi.js';

/**
 * The billing contract (integration-files/billing/openapi.json) is what the BillingClient is written
 * against and what the billing sandbox implements: the document is valid OpenAPI 3.1, every sample
 * in `samples/` is named after an operation or webhook and validates against its schema, every
 * operation and webhook has its samples, and the sandbox's answers and webhooks keep the contract.
 */

// The request samples are typed as the client's requests: a field renamed on one side fails to compile.
const typedSamples: { invoice: InvoiceRequest; creditNote: CreditNoteRequest } = { invoice: invoiceRequest, creditNote: creditNoteRequest };

interface Operation {
  operationId: string;
  parameters?: { $ref: string }[];
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, { $ref: string } | { content?: Record<string, unknown> }>;
}
const doc = document as unknown as {
  paths: Record<string, Record<string, Operation>>;
  webhooks: Record<string, { post: Operation }>;
};

const DIR = 'integration-files/billing/samples';
const samples = readdirSync(DIR).filter((f) => f.endsWith('.json'));
const read = (file: string): unknown => JSON.parse(readFileSync(join(DIR, file), 'utf8'));

const operations = Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).map(([method, operation]) => ({ path, method, operation })));
const byId = new Map(operations.map((o) => [o.operation.operationId, o]));

const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
addFormats.default(ajv);
ajv.addSchema(document as object, 'billing');
const escape = (token: string) => token.replace(/~/g, '~0').replace(/\//g, '~1');
const compiled = new Map<string, ValidateFunction>();
function schemaAt(pointer: string): ValidateFunction {
  let validate = compiled.get(pointer);
  if (!validate) {
    validate = ajv.compile({ $ref: `billing${pointer}` });
    compiled.set(pointer, validate);
  }
  return validate;
}

/** The schema pointer of an operation's answer with `status` (exact, else its `5XX`-style range). */
function responsePointer(operationId: string, status: number): string {
  const found = byId.get(operationId);
  if (!found) throw new Error(`no operation ${operationId}`);
  const key = [String(status), `${String(status)[0]}XX`].find((k) => k in found.operation.responses);
  if (!key) throw new Error(`${operationId} declares no ${status}`);
  const response = found.operation.responses[key]!;
  const base = '$ref' in response ? `#/components/responses/${response.$ref.split('/').at(-1)!}` : `#/paths/${escape(found.path)}/${found.method}/responses/${key}`;
  return `${base}/content/application~1json/schema`;
}

/** Where a sample's schema is, from its name: `<operationId>.request.json`, `<operationId>.<status>.json` or `webhook.<type>.json`. */
function schemaOf(file: string): string {
  const webhook = /^webhook\.(.+)\.json$/.exec(file);
  if (webhook) {
    expect(Object.keys(doc.webhooks), file).toContain(webhook[1]);
    return `#/webhooks/${escape(webhook[1]!)}/post/requestBody/content/application~1json/schema`;
  }
  const [operationId, part] = file.replace(/\.json$/, '').split('.') as [string, string];
  const found = byId.get(operationId);
  expect(found, `${file} names an operation`).toBeDefined();
  if (part === 'request') {
    expect(found!.operation.requestBody, `${operationId} takes a body`).toBeDefined();
    return `#/paths/${escape(found!.path)}/${found!.method}/requestBody/content/application~1json/schema`;
  }
  expect(part, file).toMatch(/^\d{3}$/);
  return responsePointer(operationId, Number(part));
}

function check(pointer: string, value: unknown): string {
  const validate = schemaAt(pointer);
  return validate(value) ? '' : describeErrors(validate.errors);
}

describe('the billing contract document', () => {
  it('is valid OpenAPI 3.1', async () => {
    await expect(SwaggerParser.validate(structuredClone(document) as never)).resolves.toBeDefined();
    expect(document.openapi).toMatch(/^3\.1\./);
  });

  it('signs every call with a bearer token and X-Signature, and needs an Idempotency-Key on every POST', () => {
    for (const { path, method, operation } of operations) {
      const parameters = (operation.parameters ?? []).map((p) => p.$ref.split('/').at(-1));
      expect(parameters, `${method} ${path}`).toEqual(expect.arrayContaining(['SignatureTimestamp', 'Signature']));
      if (method === 'post') expect(parameters, `${method} ${path}`).toContain('IdempotencyKey');
      expect(Object.keys(operation.responses), `${method} ${path}`).toEqual(expect.arrayContaining(['401', '429', '5XX']));
    }
    expect(operations.map((o) => `${o.method.toUpperCase()} ${o.path}`)).toEqual(
      expect.arrayContaining(['POST /billing/customers', 'POST /billing/subscriptions', 'POST /billing/invoices', 'POST /billing/credit-notes', 'GET /billing/exports/invoices', 'GET /billing/exports/payments', 'GET /billing/exports/credit-notes', 'GET /billing/exports/tax-lines']),
    );
  });

  it('sends the four webhooks, each signed with Billing-Signature', () => {
    expect(Object.keys(doc.webhooks).sort()).toEqual(['credit_note.created', 'invoice.paid', 'invoice.payment_failed', 'subscription.updated']);
    for (const hook of Object.values(doc.webhooks)) expect(hook.post.parameters).toEqual([{ $ref: '#/components/parameters/BillingSignature' }]);
  });

  it('has a request sample for every body, an answer sample for every operation, and a sample for every webhook', () => {
    for (const { operation } of operations) {
      if (operation.requestBody) expect(samples, operation.operationId).toContain(`${operation.operationId}.request.json`);
      expect(samples.some((s) => new RegExp(`^${operation.operationId}\\.2\\d\\d\\.json$`).test(s)), `${operation.operationId} answer`).toBe(true);
    }
    for (const type of Object.keys(doc.webhooks)) expect(samples).toContain(`webhook.${type}.json`);
    expect(typedSamples.invoice.orderId).toBe(typedSamples.creditNote.orderId);
  });

  it.each(samples)('%s validates against its schema', (file) => {
    expect(check(schemaOf(file), read(file))).toBe('');
    if (file.startsWith('webhook.')) expect((read(file) as { type: string }).type).toBe(file.slice('webhook.'.length, -'.json'.length));
  });
});

describe('the billing sandbox keeps the contract', () => {
  let sandbox: BillingSandbox;
  let receiver: Server;
  const received: { body: string; signature: string | undefined }[] = [];

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const signature = req.headers['billing-signature'];
        received.push({ body: Buffer.concat(chunks).toString('utf8'), signature: typeof signature === 'string' ? signature : undefined });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/billing`;
    sandbox = await startBillingSandbox({ webhook: { url, secrets: ['whsec_contract'] }, settings: { autoPay: true, autoPayDelayMs: 0 } });
  });
  afterAll(async () => {
    await sandbox.stop();
    await new Promise((resolve) => receiver.close(resolve));
  });

  async function call(method: 'GET' | 'POST', path: string, body?: unknown, key?: string): Promise<{ status: number; body: unknown }> {
    const text = body === undefined ? '' : JSON.stringify(body);
    const { token, signingSecret } = sandbox.clientSettings;
    const response = await fetch(`${sandbox.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}), ...signRequest({ method, path, body: text }, signingSecret) },
      ...(body === undefined ? {} : { body: text }),
    });
    return { status: response.status, body: await response.json() };
  }

  async function expectAnswer(operationId: string, answer: { status: number; body: unknown }, status: number): Promise<void> {
    expect(answer.status, JSON.stringify(answer.body)).toBe(status);
    expect(check(responsePointer(operationId, answer.status), answer.body), operationId).toBe('');
  }

  it('answers each sample request, each export, and each refusal as the document says, and signs the webhooks it sends', async () => {
    const customer = await call('POST', '/billing/customers', customerRequest, 'customer:1');
    await expectAnswer('createCustomer', customer, 201);
    const { billingCustomerId } = customer.body as { billingCustomerId: string };
    await expectAnswer('createSubscription', await call('POST', '/billing/subscriptions', { ...subscriptionRequest, billingCustomerId }, 'subscription:1'), 201);
    // An erased shopper's customer: anonymised, and asked again, answered the same.
    const other = await call('POST', '/billing/customers', { ...customerRequest, customerReference: 'shopper-erased' }, 'customer:erased');
    const otherId = (other.body as { billingCustomerId: string }).billingCustomerId;
    const anonymised = await call('POST', `/billing/customers/${otherId}/anonymise`, undefined, `erase-customer:${otherId}`);
    await expectAnswer('anonymiseCustomer', anonymised, 200);
    expect(anonymised.body).toMatchObject({ customerReference: 'erased', anonymisedAt: expect.any(String) });
    expect(anonymised.body).not.toHaveProperty('email');
    await expectAnswer('anonymiseCustomer', await call('POST', `/billing/customers/${otherId}/anonymise`, undefined, 'erase-customer:again'), 200);
    await expectAnswer('anonymiseCustomer', await call('POST', '/billing/customers/cus_missing/anonymise', undefined, 'erase-customer:missing'), 404);
    const invoice = await call('POST', '/billing/invoices', { ...invoiceRequest, billingCustomerId }, 'invoice:1');
    await expectAnswer('createInvoice', invoice, 201);
    const { invoiceReference } = invoice.body as { invoiceReference: string };
    await expectAnswer('getInvoice', await call('GET', `/billing/invoices/${invoiceReference}`), 200);
    await expectAnswer('createCreditNote', await call('POST', '/billing/credit-notes', { ...creditNoteRequest, invoiceReference }, 'credit-note:1'), 201);
    await sandbox.webhooksIdle();

    const today = new Date().toISOString().slice(0, 10);
    for (const [kind, operationId] of [['invoices', 'exportInvoices'], ['payments', 'exportPayments'], ['credit-notes', 'exportCreditNotes'], ['tax-lines', 'exportTaxLines']] as const) {
      const page = await call('GET', `/billing/exports/${kind}?date=${today}&limit=1`);
      await expectAnswer(operationId, page, 200);
      expect((page.body as { items: unknown[] }).items, kind).toHaveLength(1);
    }

    await expectAnswer('createInvoice', await call('POST', '/billing/invoices', { ...invoiceRequest, total: 1 }, 'invoice:1'), 422);
    await expectAnswer('createInvoice', await call('POST', '/billing/invoices', { ...invoiceRequest, currency: 'pounds' }, 'invoice:2'), 400);
    await expectAnswer('createInvoice', await call('POST', '/billing/invoices', invoiceRequest), 400);
    await expectAnswer('createCreditNote', await call('POST', '/billing/credit-notes', { ...creditNoteRequest, invoiceReference: 'in_missing' }, 'credit-note:2'), 404);
    sandbox.faults({ errorRate: 1, errorStatus: 429 });
    await expectAnswer('exportInvoices', await call('GET', `/billing/exports/invoices?date=${today}`), 429);
    sandbox.faults({ errorRate: 1, errorStatus: 503 });
    await expectAnswer('createInvoice', await call('POST', '/billing/invoices', invoiceRequest, 'invoice:3'), 503);
    sandbox.faults({});
    const unsigned = await fetch(`${sandbox.url}/billing/exports/invoices?date=${today}`, { headers: { authorization: `Bearer ${sandbox.clientSettings.token}` } });
    await expectAnswer('exportInvoices', { status: unsigned.status, body: await unsigned.json() }, 401);

    const types = received.map((r) => (JSON.parse(r.body) as { type: string }).type).sort();
    expect(types).toEqual(['credit_note.created', 'invoice.paid', 'subscription.updated']);
    for (const { body, signature } of received) {
      const type = (JSON.parse(body) as { type: string }).type;
      expect(verifyWebhook(body, signature, 'whsec_contract'), type).toBe('ok');
      expect(check(`#/webhooks/${escape(type)}/post/requestBody/content/application~1json/schema`, JSON.parse(body)), type).toBe('');
    }
  });

  it('cancels a subscription at period end (still active, no webhook) or at once (cancelled, subscription.updated), the same again', async () => {
    const customer = await call('POST', '/billing/customers', customerRequest, 'customer:cancel');
    const { billingCustomerId } = customer.body as { billingCustomerId: string };
    const subscribe = async (key: string) => {
      const created = await call('POST', '/billing/subscriptions', { ...subscriptionRequest, billingCustomerId, subscriptionReference: key }, `subscription:${key}`);
      await expectAnswer('createSubscription', created, 201);
      return (created.body as { billingSubscriptionId: string }).billingSubscriptionId;
    };
    await sandbox.webhooksIdle();
    const before = received.length;

    const later = await subscribe('cancel-later');
    const atPeriodEnd = await call('POST', `/billing/subscriptions/${later}/cancel`, cancelSubscriptionRequest, 'subscription-cancel:later');
    await expectAnswer('cancelSubscription', atPeriodEnd, 200);
    expect(atPeriodEnd.body).toMatchObject({ status: 'active', cancelAtPeriodEnd: true, currentPeriodEnd: expect.any(String) });
    expect(await call('POST', `/billing/subscriptions/${later}/cancel`, cancelSubscriptionRequest, 'subscription-cancel:later')).toEqual(atPeriodEnd);

    const now = await subscribe('cancel-now');
    const atOnce = await call('POST', `/billing/subscriptions/${now}/cancel`, { atPeriodEnd: false }, 'subscription-cancel:now');
    await expectAnswer('cancelSubscription', atOnce, 200);
    expect(atOnce.body).toMatchObject({ status: 'cancelled' });
    await expectAnswer('cancelSubscription', await call('POST', '/billing/subscriptions/sub_missing/cancel', { atPeriodEnd: true }, 'subscription-cancel:missing'), 404);
    await expectAnswer('cancelSubscription', await call('POST', `/billing/subscriptions/${now}/cancel`, { atPeriodEnd: 'yes' }, 'subscription-cancel:bad'), 400);
    await sandbox.webhooksIdle();

    const sent = received.slice(before).map((r) => JSON.parse(r.body) as { type: string; data: { object: { billingSubscriptionId: string; status: string } } });
    const cancelledEvents = sent.filter((e) => e.data.object.status === 'cancelled').map((e) => e.data.object.billingSubscriptionId);
    expect(cancelledEvents).toEqual([now]);
  });
});
