import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startBillingSandbox, type BillingSandbox, type BillingSandboxState, type SandboxEvent } from '../../../infra/local/billing-sandbox/server.js';
import { BillingTransientError, httpBillingClient, type BillingClient, type CreditNoteRequest, type InvoiceRequest } from '../../../shared/billing/client.js';
import { verifyWebhook } from '../../../shared/billing/signing.js';

/**
 * The billing sandbox over HTTP, as the local platform and the end-to-end tests use it: signed
 * webhooks (auto-pay, credit notes, subscriptions, duplicated, shuffled, replayed), its test
 * controls, seeded days in the exports, and the fault figures the outbound worker is held to,
 * here with a bare retry loop standing in for the worker.
 */

interface Received {
  body: string;
  signature: string | undefined;
  event: SandboxEvent;
}

let sandbox: BillingSandbox;
let receiver: Server;
let hookUrl: string;
let client: BillingClient;
const received: Received[] = [];

function invoiceFor(orderId: string, total = 500): InvoiceRequest {
  return {
    orderId,
    customerReference: 'shopper-1',
    currency: 'GBP',
    lines: [
      { sku: 'A', description: 'A', quantity: 1, amount: total - 100, tax: 10 },
      { sku: 'B', description: 'B', quantity: 1, amount: 100, tax: 5 },
    ],
    discount: 0,
    tax: 15,
    total,
    metadata: { storeId: 'store-1', channel: 'online' },
  };
}

/** A credit note of `amount` with `tax` in it, on one line. */
function creditFor(orderId: string, invoiceReference: string, refundRef: string, amount: number, tax: number): CreditNoteRequest {
  return { orderId, invoiceReference, refundRef, currency: 'GBP', amount, tax, lines: [{ sku: 'A', description: 'A', quantity: 1, amount, tax }] };
}

async function control<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`${sandbox.url}${path}`, { method, headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: response.status, body: (await response.json()) as T };
}

/** Retries transient failures under the same key, as the worker does (without its backoff). */
async function withRetries<T>(call: () => Promise<T>, attempts = 50): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof BillingTransientError) || attempt >= attempts) throw error;
      await sleep(5);
    }
  }
}

const today = () => new Date().toISOString().slice(0, 10);

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const signature = req.headers['billing-signature'];
      received.push({ body, signature: typeof signature === 'string' ? signature : undefined, event: JSON.parse(body) as SandboxEvent });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/billing`;
  sandbox = await startBillingSandbox({ webhook: { url: hookUrl, secrets: ['whsec_one'] }, settings: { autoPayDelayMs: 10 } });
  client = httpBillingClient({ ...sandbox.clientSettings, timeoutMs: 2000 });
});

afterAll(async () => {
  await sandbox.stop();
  await new Promise((resolve) => receiver.close(resolve));
});

beforeEach(async () => {
  await sandbox.webhooksIdle();
  sandbox.reset();
  sandbox.settings({ autoPay: true, autoPayDelayMs: 10, autoPayOutcome: 'paid' });
  sandbox.webhook({ url: hookUrl, secrets: ['whsec_one'] });
  received.length = 0;
});

describe('billing sandbox webhooks', () => {
  it('pays a new invoice shortly after, sending invoice.paid signed with the configured key, and records the payment', async () => {
    const invoice = await client.createInvoice(invoiceFor('order-1'), 'invoice:order-1');
    await sandbox.webhooksIdle();
    expect(received.map((r) => r.event.type)).toEqual(['invoice.paid']);
    const [paid] = received;
    expect(verifyWebhook(paid!.body, paid!.signature, 'whsec_one')).toBe('ok');
    expect(verifyWebhook(paid!.body, paid!.signature, 'whsec_other')).toBe('bad-signature');
    expect(paid!.event.data.object).toEqual({ ...invoice, status: 'paid' });
    const state = sandbox.state();
    expect(state.invoices[0]).toMatchObject({ status: 'paid', paidAt: expect.any(String) });
    expect(state.payments).toEqual([expect.objectContaining({ invoiceReference: invoice.invoiceReference, externalId: 'order-1', amount: 500, status: 'succeeded' })]);
  });

  it('sends invoice.payment_failed when payments fail, leaving the invoice open, and settles by hand', async () => {
    sandbox.settings({ autoPayOutcome: 'payment_failed' });
    const invoice = await client.createInvoice(invoiceFor('order-2'), 'invoice:order-2');
    await sandbox.webhooksIdle();
    expect(received.map((r) => [r.event.type, r.event.data.object.status])).toEqual([['invoice.payment_failed', 'open']]);
    const settled = await control<{ status: string }>('POST', `/_sandbox/invoices/${invoice.invoiceReference}/settle`, { outcome: 'paid' });
    expect(settled).toMatchObject({ status: 200, body: { status: 'paid' } });
    expect((await control('POST', `/_sandbox/invoices/${invoice.invoiceReference}/settle`, { outcome: 'paid' })).status).toBe(409);
    await sandbox.webhooksIdle();
    expect(received.map((r) => r.event.type)).toEqual(['invoice.payment_failed', 'invoice.paid']);
    expect(sandbox.state().payments.map((p) => p.status)).toEqual(['failed', 'succeeded']);
  });

  it('sends credit_note.created and subscription.updated (on creation and on a status change)', async () => {
    sandbox.settings({ autoPay: false });
    const invoice = await client.createInvoice(invoiceFor('order-3'), 'invoice:order-3');
    const note = await client.createCreditNote(creditFor('order-3', invoice.invoiceReference, 'r1', 200, 0), 'credit-note:order-3:r1');
    const { billingCustomerId } = await client.createCustomer({ customerReference: 'shopper-1' }, 'customer:shopper-1');
    const subscription = await client.createSubscription({ billingCustomerId, plan: 'delivery-pass-monthly', subscriptionReference: 'sub-1' }, 'subscription:sub-1');
    const changed = await control('POST', `/_sandbox/subscriptions/${subscription.billingSubscriptionId}/status`, { status: 'past_due' });
    expect(changed.status).toBe(200);
    await sandbox.webhooksIdle();
    expect(received.map((r) => [r.event.type, r.event.data.object])).toEqual([
      ['credit_note.created', note],
      ['subscription.updated', { billingSubscriptionId: subscription.billingSubscriptionId, subscriptionReference: 'sub-1', status: 'active' }],
      ['subscription.updated', { billingSubscriptionId: subscription.billingSubscriptionId, subscriptionReference: 'sub-1', status: 'past_due' }],
    ]);
    const over = client.createCreditNote(creditFor('order-3', invoice.invoiceReference, 'r2', 301, 0), 'credit-note:order-3:r2');
    await expect(over).rejects.toMatchObject({ status: 400, code: 'amount_too_large' });
  });

  it('credits tax as its lines say, never more than the invoice charged, and exports the lines as the credit note’s tax lines', async () => {
    sandbox.settings({ autoPay: false });
    const invoice = await client.createInvoice(invoiceFor('order-5'), 'invoice:order-5');
    const unbalanced = { ...creditFor('order-5', invoice.invoiceReference, 'r1', 120, 6), tax: 7 };
    await expect(client.createCreditNote(unbalanced, 'credit-note:order-5:r0')).rejects.toMatchObject({ status: 400, code: 'parameter_invalid' });
    const note = await client.createCreditNote(
      {
        ...creditFor('order-5', invoice.invoiceReference, 'r1', 150, 9),
        lines: [
          { sku: 'A', description: 'A', quantity: 1, amount: 100, tax: 5 },
          { sku: 'B', description: 'B', quantity: 1, amount: 50, tax: 4 },
        ],
      },
      'credit-note:order-5:r1',
    );
    expect(note).toMatchObject({ amount: 150, tax: 9, externalId: 'order-5#r1' });
    const tooTaxed = client.createCreditNote(creditFor('order-5', invoice.invoiceReference, 'r2', 10, 7), 'credit-note:order-5:r2');
    await expect(tooTaxed).rejects.toMatchObject({ status: 400, code: 'tax_too_large' });
    const taxLines = (await client.exportPage('tax-lines', today())).items as { externalId: string }[];
    expect(taxLines.filter((line) => line.externalId === 'order-5#r1')).toEqual([
      expect.objectContaining({ creditNoteReference: note.creditNoteReference, invoiceReference: invoice.invoiceReference, lineNumber: 1, sku: 'A', tax: 5 }),
      expect.objectContaining({ creditNoteReference: note.creditNoteReference, lineNumber: 2, sku: 'B', tax: 4 }),
    ]);
    expect((await client.exportPage('credit-notes', today())).items).toContainEqual(expect.objectContaining({ creditNoteReference: note.creditNoteReference, tax: 9 }));
  });

  it('signs with both keys during a rotation, set over HTTP', async () => {
    expect((await control('PUT', '/_sandbox/webhooks', { url: hookUrl, secrets: ['whsec_new', 'whsec_old'] })).status).toBe(200);
    await client.createInvoice(invoiceFor('order-4'), 'invoice:order-4');
    await sandbox.webhooksIdle();
    const [paid] = received;
    expect(paid!.signature?.match(/v1=/g)).toHaveLength(2);
    expect(verifyWebhook(paid!.body, paid!.signature, 'whsec_old')).toBe('ok');
    expect(verifyWebhook(paid!.body, paid!.signature, { current: 'whsec_new' })).toBe('ok');
  });

  it('duplicates and shuffles webhooks on demand, and replays an event with the same id and body', async () => {
    sandbox.settings({ autoPay: false });
    await control('POST', '/_sandbox/faults', { webhookDuplicates: 3, webhookShuffle: true });
    const invoices = [];
    for (const n of [1, 2, 3, 4, 5]) invoices.push(await client.createInvoice(invoiceFor(`order-s${n}`), `invoice:order-s${n}`));
    for (const invoice of invoices) await control('POST', `/_sandbox/invoices/${invoice.invoiceReference}/settle`, { outcome: 'paid' });
    await sandbox.webhooksIdle();
    expect(received).toHaveLength(15);
    const ids = received.map((r) => r.event.id);
    expect(new Set(ids).size).toBe(5);
    for (const id of new Set(ids)) expect(ids.filter((i) => i === id)).toHaveLength(3);

    await control('DELETE', '/_sandbox/faults');
    const first = received[0]!;
    received.length = 0;
    expect(await control('POST', '/_sandbox/webhooks/replay', { eventId: first.event.id })).toEqual({ status: 200, body: { replayed: 1 } });
    expect((await control('POST', '/_sandbox/webhooks/replay', { eventId: 'evt_unknown' })).status).toBe(404);
    await sandbox.webhooksIdle();
    expect(received.map((r) => r.body)).toEqual([first.body]);
  });
});

describe('billing sandbox controls and exports', () => {
  it('serves a seeded day in the exports, paginated, beside what the API made, and shows it in the state', async () => {
    sandbox.settings({ autoPay: false });
    const day = '2026-11-20';
    const seeded = await control<BillingSandboxState>('POST', '/_sandbox/seed', {
      invoices: [
        { externalId: 'order-orphan', currency: 'GBP', total: 999, tax: 166, createdAt: `${day}T10:00:00.000Z`, status: 'paid' },
        { externalId: 'order-wrong-amount', currency: 'GBP', total: 1, createdAt: `${day}T11:00:00.000Z` },
      ],
      payments: [],
    });
    expect(seeded.status).toBe(200);
    const orphan = seeded.body.invoices.find((i) => i.externalId === 'order-orphan')!;
    await control('POST', '/_sandbox/seed', {
      creditNotes: [{ invoiceReference: orphan.invoiceReference, externalId: 'order-orphan#r1', amount: 100, currency: 'GBP', createdAt: `${day}T12:00:00.000Z` }],
      payments: [{ invoiceReference: orphan.invoiceReference, amount: 999, currency: 'GBP', createdAt: `${day}T10:00:01.000Z` }],
    });
    await client.createInvoice(invoiceFor('order-today'), 'invoice:order-today');

    const paged = httpBillingClient({ ...sandbox.clientSettings, exportPageSize: 1 });
    const first = await paged.exportPage('invoices', day);
    expect(first.items).toEqual([expect.objectContaining({ externalId: 'order-orphan', total: 999, tax: 166, status: 'paid' })]);
    const second = await paged.exportPage('invoices', day, first.nextCursor);
    expect(second).toEqual({ items: [expect.objectContaining({ externalId: 'order-wrong-amount', total: 1 })] });
    expect(await client.exportPage('payments', day)).toEqual({ items: [expect.objectContaining({ externalId: 'order-orphan', amount: 999, status: 'succeeded' })] });
    expect(await client.exportPage('credit-notes', day)).toEqual({ items: [expect.objectContaining({ externalId: 'order-orphan#r1', amount: 100 })] });
    expect((await client.exportPage('tax-lines', day)).items).toEqual([
      expect.objectContaining({ externalId: 'order-orphan', tax: 166 }),
      expect.objectContaining({ externalId: 'order-wrong-amount', tax: 0 }),
      expect.objectContaining({ externalId: 'order-orphan#r1', invoiceReference: orphan.invoiceReference, creditNoteReference: expect.any(String), amount: 100, tax: 0 }),
    ]);
    expect((await client.exportPage('tax-lines', today())).items).toHaveLength(2);
    await expect(client.exportPage('invoices', day, 'not-a-cursor')).rejects.toMatchObject({ status: 400, code: 'cursor_invalid' });

    const state = await control<BillingSandboxState>('GET', '/_sandbox/state');
    expect(state.body.counts).toMatchObject({ invoices: 3, payments: 1, creditNotes: 1 });
    await control('POST', '/_sandbox/reset');
    expect(sandbox.state().counts).toMatchObject({ invoices: 0, payments: 0, creditNotes: 0, events: 0 });
  });

  it('answers a concurrent request under a key in flight 409, then replays the first answer', async () => {
    sandbox.faults({ latencyMs: 300 });
    const first = client.createInvoice(invoiceFor('order-c'), 'invoice:order-c');
    await sleep(50);
    await expect(client.createInvoice(invoiceFor('order-c'), 'invoice:order-c')).rejects.toMatchObject({ name: 'BillingTransientError', status: 409 });
    const created = await first;
    sandbox.faults({});
    expect(await client.createInvoice(invoiceFor('order-c'), 'invoice:order-c')).toEqual(created);
    expect(sandbox.state().counts.invoices).toBe(1);
  });

  it('refuses a POST without an Idempotency-Key, and faults set over HTTP are validated', async () => {
    const bare = httpBillingClient(sandbox.clientSettings);
    await expect(bare.createInvoice(invoiceFor('order-k'), '')).rejects.toMatchObject({ status: 400, code: 'idempotency_key_missing' });
    expect((await control('POST', '/_sandbox/faults', { errorRate: 2 })).status).toBe(400);
    expect((await control('POST', '/_sandbox/faults', { errorStatus: 502 })).status).toBe(400);
  });

  it('stops faults when their window ends', async () => {
    await control('POST', '/_sandbox/faults', { errorRate: 1, errorStatus: 503, window: { untilEpochMs: Date.now() + 300 } });
    await expect(client.createInvoice(invoiceFor('order-w'), 'invoice:order-w')).rejects.toMatchObject({ name: 'BillingTransientError', status: 503 });
    await sleep(350);
    await expect(client.createInvoice(invoiceFor('order-w'), 'invoice:order-w')).resolves.toMatchObject({ externalId: 'order-w' });
  });
});

describe('the fault figures, with retries under derived keys', () => {
  it('100% failures over a window while 100 orders are invoiced: after it, exactly 100 invoices', async () => {
    sandbox.settings({ autoPay: false });
    sandbox.faults({ errorRate: 1, errorStatus: 500, window: { untilEpochMs: Date.now() + 500 } });
    const orders = Array.from({ length: 100 }, (_, i) => `order-f${i}`);
    const firstTries = await Promise.allSettled(orders.map((o) => client.createInvoice(invoiceFor(o), `invoice:${o}`)));
    expect(firstTries.every((r) => r.status === 'rejected' && r.reason instanceof BillingTransientError)).toBe(true);
    expect(sandbox.state().counts.invoices).toBe(0);
    await sleep(550);
    await Promise.all(orders.map((o) => withRetries(() => client.createInvoice(invoiceFor(o), `invoice:${o}`))));
    const externalIds = sandbox.state().invoices.map((i) => i.externalId);
    expect(externalIds).toHaveLength(100);
    expect(new Set(externalIds).size).toBe(100);
  });

  it('acknowledgement lost on 30% of calls: exactly 100 invoices, none lost or doubled', async () => {
    sandbox.settings({ autoPay: false });
    sandbox.faults({ ackLostRate: 0.3 });
    const orders = Array.from({ length: 100 }, (_, i) => `order-a${i}`);
    const answers = await Promise.all(orders.map((o) => withRetries(() => client.createInvoice(invoiceFor(o), `invoice:${o}`))));
    const state = sandbox.state();
    expect(state.invoices).toHaveLength(100);
    expect(new Set(state.invoices.map((i) => i.externalId)).size).toBe(100);
    // Each order's answer, however many tries it took, names the one invoice the sandbox holds for it.
    const held = new Map(state.invoices.map((i) => [i.externalId, i.invoiceReference]));
    for (const answer of answers) expect(held.get(answer.externalId)).toBe(answer.invoiceReference);
    expect(state.counts.apiCalls).toBeGreaterThan(100);
  });

  it('a call that is never answered times out and had no effect', async () => {
    sandbox.faults({ timeout: true });
    const quick = httpBillingClient({ ...sandbox.clientSettings, timeoutMs: 150 });
    await expect(quick.createInvoice(invoiceFor('order-t'), 'invoice:order-t')).rejects.toBeInstanceOf(BillingTransientError);
    sandbox.faults({});
    expect(sandbox.state().counts.invoices).toBe(0);
    await expect(quick.createInvoice(invoiceFor('order-t'), 'invoice:order-t')).resolves.toMatchObject({ externalId: 'order-t' });
  });
});
