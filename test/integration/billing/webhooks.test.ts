import { randomBytes } from 'node:crypto';
import type { SQSEvent } from 'aws-lambda';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it, vi } from 'vitest';
import { handler as processWebhook } from '../../../functions/billing/process-webhook.js';
import { handler as receiveWebhook } from '../../../functions/billing/receive-webhook.js';
import { signWebhook } from '../../../shared/billing/signing.js';
import { createSubscription, getSubscription } from '../../../shared/billing/subscriptions.js';
import {
  applyBillingEvent,
  BILLING_WEBHOOK_CONSUMER,
  BillingRecordNotYetKnownError,
  type BillingWebhookMessage,
  type BillingWebhookOutcome,
} from '../../../shared/billing/webhooks.js';
import { tableDeps } from '../../../shared/db/deps.js';
import { keys } from '../../../shared/db/keys.js';
import { engines, takeMessage, testDynamo } from '../../support/engines.js';
import { apiEvent, lambdaContext } from '../../support/lambda.js';
import { itemAt } from '../catalog/fixtures.js';

// The handler's configuration is read when it is imported, so the keys must be in place before the imports run.
const secrets = vi.hoisted(() => {
  const values = { current: 'billing_it_new_key_0123456789', previous: 'billing_it_old_key_0123456789' };
  process.env.BILLING_WEBHOOK_SECRET = values.current;
  process.env.BILLING_WEBHOOK_SECRET_PREVIOUS = values.previous;
  return values;
});

const token = () => randomBytes(6).toString('hex');
const deps = () => tableDeps({ tableName: engines().tableName });
const nowSeconds = () => Math.floor(Date.now() / 1000);

function post(body: string, signature: string | undefined) {
  return receiveWebhook(
    apiEvent({
      method: 'POST',
      resource: '/webhooks/billing',
      headers: { 'content-type': 'application/json', ...(signature ? { 'Billing-Signature': signature } : {}) },
      body,
    }),
    lambdaContext(),
  );
}

function invoiceEvent(type: 'invoice.paid' | 'invoice.payment_failed', orderId: string, invoiceReference: string, created: number, extra: Record<string, unknown> = {}): BillingWebhookMessage {
  return {
    id: `evt_${token()}`,
    type,
    created,
    data: { object: { invoiceReference, externalId: orderId, status: type === 'invoice.paid' ? 'paid' : 'open', currency: 'GBP', total: 2400, tax: 400, createdAt: new Date().toISOString(), ...extra } },
  };
}

/** The invoice mapping the billing-sync worker stores once billing answered, as the spec gives it. */
async function storeInvoice(orderId: string, invoiceReference: string): Promise<void> {
  await testDynamo().send(
    new PutCommand({
      TableName: engines().tableName,
      Item: { ...keys.invoiceByOrder(orderId), entityType: 'BillingInvoice', orderId, invoiceReference, status: 'sent', currency: 'GBP', total: 2400, tax: 400, sentAt: new Date().toISOString() },
    }),
  );
}

async function outboxData(eventId: string): Promise<Record<string, unknown> | undefined> {
  const item = await itemAt(keys.outboxEvent(eventId));
  return item ? (JSON.parse(item.detail as string) as { data: Record<string, unknown> }).data : undefined;
}

/** Applies deliveries as SQS would: one that fails comes back after the others. */
async function deliver(deliveries: BillingWebhookMessage[]): Promise<Map<string, BillingWebhookOutcome[]>> {
  const outcomes = new Map<string, BillingWebhookOutcome[]>();
  const queue = [...deliveries];
  for (let i = 0; i < queue.length; i += 1) {
    const event = queue[i]!;
    try {
      const outcome = await applyBillingEvent(event, deps());
      outcomes.set(event.id, [...(outcomes.get(event.id) ?? []), outcome]);
    } catch (error) {
      if (!(error instanceof BillingRecordNotYetKnownError)) throw error;
      queue.push(event);
    }
  }
  return outcomes;
}

function shuffled<T>(items: T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i -= 1) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

describe('POST /webhooks/billing', () => {
  it('accepts an event signed with the current key, the previous one, or both, and queues its raw body', async () => {
    for (const keysUsed of [secrets.current, secrets.previous, [secrets.previous, secrets.current]]) {
      const event = invoiceEvent('invoice.paid', `order-${token()}`, `inv_${token()}`, nowSeconds());
      const body = JSON.stringify(event, null, 2);
      const response = await post(body, signWebhook(body, keysUsed));
      expect(response.statusCode).toBe(200);
      expect(JSON.parse(response.body)).toEqual({ received: true });
      expect(await takeMessage('billing-webhooks', (b) => (b as { id?: string }).id === event.id)).toEqual(event);
    }
  });

  it('refuses a forged, missing or tampered signature with 401 and a stale one with 400, and queues none of them', async () => {
    const events = [0, 1, 2, 3].map(() => invoiceEvent('invoice.paid', `order-${token()}`, `inv_${token()}`, nowSeconds()));
    const [forged, missing, stale, tampered] = events.map((e) => JSON.stringify(e)) as [string, string, string, string];
    const responses = [
      await post(forged, signWebhook(forged, 'someone_elses_key')),
      await post(missing, undefined),
      await post(stale, signWebhook(stale, secrets.current, Date.now() - 301_000)),
      await post(tampered.replace('2400', '1'), signWebhook(tampered, secrets.current)),
    ];
    expect(responses.map((r) => r.statusCode)).toEqual([401, 401, 400, 401]);
    for (const response of responses) expect(response.headers?.['content-type']).toBe('application/problem+json');
    expect(JSON.parse(responses[0]!.body)).toMatchObject({ type: expect.stringContaining('bad-webhook-signature') });
    expect(JSON.parse(responses[2]!.body)).toMatchObject({ type: expect.stringContaining('stale-webhook') });
    const ids = new Set(events.map((e) => e.id));
    await expect(takeMessage('billing-webhooks', (b) => ids.has((b as { id: string }).id), 2_000)).rejects.toThrow(/no matching message/);
  });
});

describe('billing-process-webhook', () => {
  it('applies an order invoice’s events once however often and in whatever order they arrive, waiting for the mapping', async () => {
    const orderId = `order-${token()}`;
    const invoiceReference = `inv_${token()}`;
    const t = nowSeconds();
    const failed = invoiceEvent('invoice.payment_failed', orderId, invoiceReference, t);
    const paid = invoiceEvent('invoice.paid', orderId, invoiceReference, t + 60);

    // Paid before the worker stored the invoice: fails, so SQS delivers it again later.
    await expect(applyBillingEvent(paid, deps())).rejects.toThrow(BillingRecordNotYetKnownError);
    expect(await itemAt(keys.processedEvent(BILLING_WEBHOOK_CONSUMER, paid.id))).toBeUndefined();
    await storeInvoice(orderId, invoiceReference);

    const outcomes = await deliver(shuffled([failed, paid].flatMap((e) => [e, e, e, e, e])));
    // Each event applies once and its copies are duplicates, unless it was overtaken: then every copy is stale.
    for (const event of [failed, paid]) {
      const list = [...outcomes.get(event.id)!].sort();
      expect([['applied', 'duplicate', 'duplicate', 'duplicate', 'duplicate'], ['stale', 'stale', 'stale', 'stale', 'stale']]).toContainEqual(list);
    }
    expect(outcomes.get(paid.id)).toContain('applied');
    const invoice = await itemAt(keys.invoiceByOrder(orderId));
    expect(invoice).toMatchObject({ status: 'paid', paidAt: new Date((t + 60) * 1000).toISOString(), invoiceReference });
    // A failure that arrived first was applied (and announced); one that arrived after the payment changed nothing.
    const announced = await outboxData(`billing-payment-failed-${failed.id}`);
    if (outcomes.get(failed.id)!.includes('applied')) {
      expect(announced).toMatchObject({ kind: 'invoice', orderId, invoiceReference, total: 2400, currency: 'GBP', billingEventId: failed.id });
    } else {
      expect(outcomes.get(failed.id)).toContain('stale');
      expect(announced).toBeUndefined();
    }
  });

  it('flags a failed order invoice and announces billing.payment-failed once', async () => {
    const orderId = `order-${token()}`;
    const invoiceReference = `inv_${token()}`;
    await storeInvoice(orderId, invoiceReference);
    const failed = invoiceEvent('invoice.payment_failed', orderId, invoiceReference, nowSeconds());
    expect(await applyBillingEvent(failed, deps())).toBe('applied');
    expect(await applyBillingEvent(failed, deps())).toBe('duplicate');
    expect(await itemAt(keys.invoiceByOrder(orderId))).toMatchObject({ status: 'payment-failed' });
    const outbox = await itemAt(keys.outboxEvent(`billing-payment-failed-${failed.id}`));
    expect(outbox).toMatchObject({ source: 'smartshelf.billing', detailType: 'billing.payment-failed' });
    // A second, later failure of the same invoice finds it already flagged.
    expect(await applyBillingEvent(invoiceEvent('invoice.payment_failed', orderId, invoiceReference, nowSeconds() + 5), deps())).toBe('stale');
  });

  it('confirms a refund’s credit note, after waiting for it to be stored', async () => {
    const orderId = `order-${token()}`;
    const refundRef = `refund-${token()}`;
    const event: BillingWebhookMessage = {
      id: `evt_${token()}`,
      type: 'credit_note.created',
      created: nowSeconds(),
      data: { object: { creditNoteReference: `cn_${token()}`, invoiceReference: `inv_${token()}`, externalId: `${orderId}#${refundRef}`, amount: 500, currency: 'GBP', createdAt: new Date().toISOString() } },
    };
    await expect(applyBillingEvent(event, deps())).rejects.toThrow(BillingRecordNotYetKnownError);
    await testDynamo().send(
      new PutCommand({
        TableName: engines().tableName,
        Item: { ...keys.creditNoteByRefund(orderId, refundRef), entityType: 'BillingCreditNote', orderId, refundRef, amount: 500, currency: 'GBP', status: 'sent' },
      }),
    );
    expect(await applyBillingEvent(event, deps())).toBe('applied');
    expect(await applyBillingEvent(event, deps())).toBe('duplicate');
    expect(await itemAt(keys.creditNoteByRefund(orderId, refundRef))).toMatchObject({ status: 'confirmed', creditNoteReference: event.data.object.creditNoteReference });
  });

  it('drives a delivery pass: paid → active, failed → past_due (announced), updates by event time, cancelled final', async () => {
    const shopper = `shopper-${token()}`;
    const sent: unknown[] = [];
    const subscription = await createSubscription({ plan: 'delivery-pass-monthly' }, { subject: shopper }, { ...deps(), sendToSync: (m) => Promise.resolve(void sent.push(m)) });
    const t = nowSeconds();
    const passInvoice = (type: 'invoice.paid' | 'invoice.payment_failed', created: number) =>
      invoiceEvent(type, `ext-${token()}`, `inv_${token()}`, created, { subscriptionReference: subscription.id });
    const update = (status: string, created: number): BillingWebhookMessage => ({
      id: `evt_${token()}`,
      type: 'subscription.updated',
      created,
      data: { object: { billingSubscriptionId: `bsub_${token()}`, subscriptionReference: subscription.id, status } },
    });

    expect(await applyBillingEvent(passInvoice('invoice.paid', t), deps())).toBe('applied');
    expect((await getSubscription(subscription.id, deps()))?.status).toBe('active');
    const failed = passInvoice('invoice.payment_failed', t + 30);
    expect(await applyBillingEvent(failed, deps())).toBe('applied');
    expect((await getSubscription(subscription.id, deps()))?.status).toBe('past_due');
    expect(await outboxData(`billing-payment-failed-${failed.id}`)).toMatchObject({ kind: 'subscription', subscriptionId: subscription.id, shopperId: shopper, plan: 'delivery-pass-monthly' });
    // An older "active" arriving late does not undo the failure; a newer one does.
    expect(await applyBillingEvent(update('active', t + 10), deps())).toBe('stale');
    expect(await applyBillingEvent(update('active', t + 60), deps())).toBe('applied');
    expect((await getSubscription(subscription.id, deps()))?.status).toBe('active');
    expect(await applyBillingEvent(update('cancelled', t + 90), deps())).toBe('applied');
    expect(await applyBillingEvent(passInvoice('invoice.paid', t + 120), deps())).toBe('stale');
    expect((await getSubscription(subscription.id, deps()))?.status).toBe('cancelled');
    // For a subscription nobody stored: retried.
    await expect(applyBillingEvent({ ...update('active', t), data: { object: { billingSubscriptionId: 'bsub_x', subscriptionReference: `missing-${token()}`, status: 'active' } } }, deps())).rejects.toThrow(
      BillingRecordNotYetKnownError,
    );
  });

  it('reports only the records that failed in a batch, so SQS redelivers just those', async () => {
    const orderId = `order-${token()}`;
    const invoiceReference = `inv_${token()}`;
    await storeInvoice(orderId, invoiceReference);
    const known = invoiceEvent('invoice.paid', orderId, invoiceReference, nowSeconds());
    const unknown = invoiceEvent('invoice.paid', `order-${token()}`, `inv_${token()}`, nowSeconds());
    const ignored: BillingWebhookMessage = { id: `evt_${token()}`, type: 'customer.created', created: nowSeconds(), data: { object: {} } };
    const record = (body: unknown, messageId: string) => ({
      messageId,
      receiptHandle: messageId,
      body: JSON.stringify(body),
      attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 'test', ApproximateFirstReceiveTimestamp: '0' },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:eu-west-2:000000000000:billing-webhooks',
      awsRegion: 'eu-west-2',
    });
    const event: SQSEvent = { Records: [record(known, 'm-known'), record(unknown, 'm-unknown'), record(ignored, 'm-ignored'), record({ not: 'an event' }, 'm-poison')] };
    const response = await processWebhook(event, lambdaContext('billing-process-webhook'));
    expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(['m-poison', 'm-unknown']);
    expect(await itemAt(keys.invoiceByOrder(orderId))).toMatchObject({ status: 'paid' });
  });
});
