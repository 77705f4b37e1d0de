import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSRecord } from 'aws-lambda';
import { ulid } from 'ulid';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { handler as syncHandler } from '../../../functions/billing/sync-invoice.js';
import { keys } from '../../../shared/db/keys.js';
import {
  billingSyncDeps,
  creditRefunds,
  INVOICE_CONSUMER,
  invoiceOrder,
  InvoiceNotYetSentError,
  OrderNotCompletedError,
  type BillingSyncDeps,
} from '../../../shared/billing/sync.js';
import { BillingPermanentError, BillingTransientError } from '../../../shared/billing/client.js';
import { createSubscription, getSubscription } from '../../../shared/billing/subscriptions.js';
import { businessMetrics } from '../../../shared/observability/business-metrics.js';
import type { Order } from '../../../shared/orders/model.js';
import { putNewOrder } from '../../../shared/orders/repository.js';
import { engines, testDynamo } from '../../support/engines.js';
import { FakeBilling } from '../../support/fake-billing.js';
import { lambdaContext } from '../../support/lambda.js';
import { AT, anOrder } from '../../unit/orders/fixtures.js';

/**
 * The outbound billing sync against DynamoDB Local, with an in-memory billing system behind the BillingClient port
 * (idempotent by key, as the contract requires, and failing on demand). The handler is driven with real SQS records.
 */

const fake = vi.hoisted(() => ({ current: undefined as unknown }));

vi.mock('../../../shared/billing/client.js', async (importOriginal) => {
  const original: object = await importOriginal();
  return { ...original, billingClient: () => Promise.resolve(fake.current) };
});

let billing: FakeBilling;
const db = testDynamo();

function deps(overrides: Partial<BillingSyncDeps> = {}): BillingSyncDeps {
  return billingSyncDeps({
    db,
    tableName: engines().tableName,
    now: () => AT,
    billing: () => Promise.resolve(billing),
    sleep: () => Promise.resolve(),
    ...overrides,
  });
}

function useFake(): FakeBilling {
  billing = new FakeBilling();
  fake.current = billing;
  return billing;
}

afterEach(() => {
  fake.current = undefined;
});

/** A completed, captured order stored in the table. */
async function aCompletedOrder(overrides: Partial<Order> = {}): Promise<Order> {
  const order = anOrder({
    id: ulid(),
    shopperId: `shopper-${ulid()}`,
    status: 'completed',
    payment: { authorized: 1090, captured: 1000, refunded: 0, status: 'captured', intentId: 'pi_test' },
    statusHistory: [{ from: 'captured', to: 'completed', event: 'complete', at: AT.toISOString(), actor: 'saga' }],
    ...overrides,
  });
  await putNewOrder(deps(), order);
  return order;
}

async function recordRefund(orderId: string, refundRef: string, amount: number): Promise<void> {
  await db.send(
    new PutCommand({
      TableName: engines().tableName,
      Item: { ...keys.orderRefund(orderId, refundRef), entityType: 'RefundRecord', schemaVersion: 1, orderId, refundId: `re_${refundRef}`, amount, reason: 'damaged', at: AT.toISOString() },
    }),
  );
}

const item = async (key: { pk: string; sk: string }) => (await db.send(new GetCommand({ TableName: engines().tableName, Key: key, ConsistentRead: true }))).Item;

const record = (body: unknown, messageId = ulid()): SQSRecord => ({
  messageId,
  receiptHandle: `rh-${messageId}`,
  body: JSON.stringify(body),
  attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 'local', ApproximateFirstReceiveTimestamp: '0' },
  messageAttributes: {},
  md5OfBody: '',
  eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:billing-sync',
  awsRegion: 'us-east-1',
});

/** `order.completed` as the rule delivers it to `billing-sync`. */
function completedEvent(order: Order) {
  return {
    version: '0',
    id: ulid(),
    'detail-type': 'order.completed',
    source: 'smartshelf.orders',
    detail: {
      id: ulid(),
      version: 1,
      occurredAt: AT.toISOString(),
      data: {
        orderId: order.id,
        shopperId: order.shopperId,
        storeId: order.storeId,
        currency: 'GBP',
        lines: [{ sku: 'MILK-1', productId: 'p-1', quantity: 2, total: 250 }],
        total: 1000,
        tax: 0,
        completedAt: AT.toISOString(),
      },
    },
  };
}

function statusChangedEvent(order: Order, event: string, refunded: number) {
  return {
    version: '0',
    id: ulid(),
    'detail-type': 'order.status-changed',
    source: 'smartshelf.orders',
    detail: {
      id: ulid(),
      version: 1,
      occurredAt: AT.toISOString(),
      data: {
        orderId: order.id,
        shopperId: order.shopperId,
        storeId: order.storeId,
        channel: order.channel,
        from: 'completed',
        to: event === 'refund' ? 'partially-refunded' : 'completed',
        event,
        version: 3,
        actor: 'staff-1',
        payment: { authorized: 1090, captured: 1000, refunded },
        currency: 'GBP',
        at: AT.toISOString(),
      },
    },
  };
}

describe('invoicing a completed order', () => {
  it('invoices once through the queue handler, stores the mapping both ways with its processed mark, and ignores a redelivery', async () => {
    useFake();
    const order = await aCompletedOrder({ channel: 'pos', posReference: `TILL-${ulid()}` });
    const message = completedEvent(order);

    expect(await syncHandler({ Records: [record(message)] }, lambdaContext())).toEqual({ batchItemFailures: [] });
    expect(await syncHandler({ Records: [record(message)] }, lambdaContext())).toEqual({ batchItemFailures: [] });

    expect(billing.count('createInvoice')).toBe(1);
    const { request, invoice } = [...billing.invoices.values()][0]!;
    expect(billing.calls[0]!.idempotencyKey).toBe(`invoice:${order.id}`);
    expect(request).toMatchObject({ orderId: order.id, customerReference: order.shopperId, total: 1000, metadata: { channel: 'pos', posReference: order.posReference } });
    expect(await item(keys.invoiceByOrder(order.id))).toMatchObject({ orderId: order.id, invoiceReference: invoice.invoiceReference, status: 'sent', total: 1000, currency: 'GBP' });
    expect(await item(keys.orderByInvoice(invoice.invoiceReference))).toMatchObject({ orderId: order.id });
    expect(await item(keys.processedEvent(INVOICE_CONSUMER, order.id))).toMatchObject({ invoiceReference: invoice.invoiceReference });
  });

  it('records the billing sync lag once, from the order’s completion to its invoice stored, and not on a redelivery', async () => {
    useFake();
    const lag = vi.spyOn(businessMetrics, 'orderInvoiced');
    const completedAt = new Date(AT.getTime() - 95_000).toISOString();
    const order = await aCompletedOrder({ statusHistory: [{ from: 'captured', to: 'completed', event: 'complete', at: completedAt, actor: 'saga' }] });
    await invoiceOrder(order.id, 'test', deps());
    await invoiceOrder(order.id, 'again', deps());
    expect(lag.mock.calls).toEqual([[completedAt, AT]]);
    lag.mockRestore();
  });

  it('sends the shopper’s billing customer id when there is one', async () => {
    useFake();
    const order = await aCompletedOrder();
    await db.send(new PutCommand({ TableName: engines().tableName, Item: { ...keys.billingCustomer(order.shopperId), shopperId: order.shopperId, billingCustomerId: 'cus_known' } }));
    await invoiceOrder(order.id, 'test', deps());
    expect([...billing.invoices.values()][0]!.request.billingCustomerId).toBe('cus_known');
  });

  it('after a lost acknowledgement retries under the same key and gets the same invoice: one in billing', async () => {
    useFake().failNext({ kind: 'ack-lost' }, { kind: 'transient', retryAfterSeconds: 1 });
    const order = await aCompletedOrder();
    const outcome = await invoiceOrder(order.id, 'test', deps());
    expect(billing.count('createInvoice')).toBe(3);
    expect(new Set(billing.calls.map((c) => c.idempotencyKey))).toEqual(new Set([`invoice:${order.id}`]));
    expect(billing.invoices.size).toBe(1);
    expect(outcome).toEqual({ outcome: 'invoiced', invoiceReference: [...billing.invoices.values()][0]!.invoice.invoiceReference });
  });

  it('fails the record once the retries run out, stores nothing, and invoices on the redelivery after recovery', async () => {
    useFake().failNext({ kind: 'transient' }, { kind: 'transient' }, { kind: 'transient' });
    const order = await aCompletedOrder();
    const message = record(completedEvent(order));
    expect(await syncHandler({ Records: [message] }, lambdaContext())).toEqual({ batchItemFailures: [{ itemIdentifier: message.messageId }] });
    expect(await item(keys.invoiceByOrder(order.id))).toBeUndefined();

    expect(await syncHandler({ Records: [message] }, lambdaContext())).toEqual({ batchItemFailures: [] });
    expect(billing.invoices.size).toBe(1);
    expect(await item(keys.invoiceByOrder(order.id))).toBeDefined();
  });

  it('fails only the failing record of a batch', async () => {
    useFake();
    const [good, other] = [await aCompletedOrder(), await aCompletedOrder()];
    const missing = { ...good, id: ulid() };
    const records = [record(completedEvent(good)), record(completedEvent(missing)), record(completedEvent(other))];
    expect(await syncHandler({ Records: records }, lambdaContext())).toEqual({ batchItemFailures: [{ itemIdentifier: records[1]!.messageId }] });
    expect(billing.invoices.size).toBe(2);
  });

  it('a permanent refusal fails the record without retrying', async () => {
    useFake().failNext({ kind: 'permanent', status: 422 });
    const order = await aCompletedOrder();
    await expect(invoiceOrder(order.id, 'test', deps())).rejects.toBeInstanceOf(BillingPermanentError);
    expect(billing.count('createInvoice')).toBe(1);
  });

  it('two deliveries at once make one invoice and both succeed', async () => {
    useFake();
    const order = await aCompletedOrder();
    const outcomes = await Promise.all([invoiceOrder(order.id, 'a', deps()), invoiceOrder(order.id, 'b', deps())]);
    expect(billing.invoices.size).toBe(1);
    expect(new Set(outcomes.map((o) => o.invoiceReference)).size).toBe(1);
  });

  it('refuses an order that never completed, and takes the direct message from reconciliation', async () => {
    useFake();
    const pending = await aCompletedOrder({ status: 'captured', statusHistory: [] });
    await expect(invoiceOrder(pending.id, 'test', deps())).rejects.toBeInstanceOf(OrderNotCompletedError);

    const order = await aCompletedOrder();
    expect(await syncHandler({ Records: [record({ kind: 'invoice', orderId: order.id })] }, lambdaContext())).toEqual({ batchItemFailures: [] });
    expect(await item(keys.invoiceByOrder(order.id))).toBeDefined();
  });

  it('keeps a message outside the contract as a failure (poison, for the DLQ)', async () => {
    useFake();
    const poison = record({ kind: 'refund', orderId: 'x' });
    expect(await syncHandler({ Records: [poison] }, lambdaContext())).toEqual({ batchItemFailures: [{ itemIdentifier: poison.messageId }] });
  });
});

describe('credit notes for refunds', () => {
  it('credits each refund once against the invoice, both ways, and ignores other status changes', async () => {
    useFake();
    const order = await aCompletedOrder();
    await invoiceOrder(order.id, 'test', deps());
    const invoiceReference = [...billing.invoices.values()][0]!.invoice.invoiceReference;
    await recordRefund(order.id, 'refund-a', 300);

    expect(await syncHandler({ Records: [record(statusChangedEvent(order, 'refund', 300))] }, lambdaContext())).toEqual({ batchItemFailures: [] });
    await recordRefund(order.id, 'refund-b', 200);
    const second = statusChangedEvent(order, 'refund', 500);
    expect(await syncHandler({ Records: [record(second), record(second), record(statusChangedEvent(order, 'pick', 0))] }, lambdaContext())).toEqual({
      batchItemFailures: [],
    });

    expect(billing.creditNotes.size).toBe(2);
    expect([...billing.creditNotes.keys()].sort()).toEqual([`credit-note:${order.id}:refund-a`, `credit-note:${order.id}:refund-b`]);
    for (const [refundRef, amount] of [['refund-a', 300], ['refund-b', 200]] as const) {
      const note = billing.creditNotes.get(`credit-note:${order.id}:${refundRef}`)!;
      // Recorded before refunds carried their tax: the order's share (none here: nothing in it is taxed), on one line.
      const lines = [{ sku: 'REFUND', description: 'Refund', quantity: 1, amount, tax: 0 }];
      expect(note.request).toEqual({ orderId: order.id, invoiceReference, refundRef, currency: 'GBP', amount, tax: 0, lines, reason: 'damaged' });
      expect(await item(keys.creditNoteByRefund(order.id, refundRef))).toMatchObject({ creditNoteReference: note.note.creditNoteReference, amount, status: 'sent' });
      expect(await item(keys.refundByCreditNote(note.note.creditNoteReference))).toMatchObject({ orderId: order.id, refundRef });
    }
    expect(await creditRefunds(order.id, deps())).toEqual({ credited: [], alreadyCredited: 2 });
  });

  it('invoices the fee with its VAT, and credits a refund with the tax and lines it was recorded with: tax agrees with the books', async () => {
    useFake();
    const base = anOrder();
    const [milk, cheddar] = base.lines;
    // The milk at 20 % (42 of 250), the £3.99 delivery fee at 20 % (67 of 399), prices including tax.
    const order = await aCompletedOrder({
      lines: [{ ...milk!, tax: { rateBasisPoints: 2000, amount: 42 } }, cheddar!],
      totals: { ...base.totals, tax: 109, fees: 399, total: 1249, authorizationTotal: 1339 },
      payment: { authorized: 1339, captured: 1249, refunded: 0, status: 'captured', intentId: 'pi_test' },
    });
    await invoiceOrder(order.id, 'test', deps());
    const { request, invoice } = [...billing.invoices.values()][0]!;
    expect(request.lines.find((line) => line.sku === 'FEES')).toEqual({ sku: 'FEES', description: 'Delivery and service fees', quantity: 1, amount: 399, tax: 67 });
    expect(request).toMatchObject({ total: 1249, tax: 109 });
    expect(await item(keys.invoiceByOrder(order.id))).toMatchObject({ total: 1249, tax: 109 });

    const lines = [{ lineId: milk!.lineId, sku: 'MILK-1', description: 'Milk', quantity: 1, amount: 125, tax: 21 }];
    await db.send(
      new PutCommand({
        TableName: engines().tableName,
        Item: { ...keys.orderRefund(order.id, 'ret-1'), entityType: 'RefundRecord', schemaVersion: 2, orderId: order.id, refundId: 're_1', amount: 125, tax: 21, lines, reason: 'sour', at: AT.toISOString() },
      }),
    );
    await creditRefunds(order.id, deps());
    const note = billing.creditNotes.get(`credit-note:${order.id}:ret-1`)!;
    expect(note.request).toEqual({
      orderId: order.id,
      invoiceReference: invoice.invoiceReference,
      refundRef: 'ret-1',
      currency: 'GBP',
      amount: 125,
      tax: 21,
      lines: [{ sku: 'MILK-1', description: 'Milk', quantity: 1, amount: 125, tax: 21 }],
      reason: 'sour',
    });
    expect(await item(keys.creditNoteByRefund(order.id, 'ret-1'))).toMatchObject({ amount: 125, tax: 21, status: 'sent' });
  });

  it('fails a refund that overtook its invoice, and credits it once the invoice is there', async () => {
    useFake();
    const order = await aCompletedOrder();
    await recordRefund(order.id, 'early', 100);
    await expect(creditRefunds(order.id, deps())).rejects.toBeInstanceOf(InvoiceNotYetSentError);
    expect(billing.count('createCreditNote')).toBe(0);

    await invoiceOrder(order.id, 'test', deps());
    expect((await creditRefunds(order.id, deps())).credited).toHaveLength(1);
  });

  it('after a lost acknowledgement gets the same credit note back', async () => {
    useFake();
    const order = await aCompletedOrder();
    await invoiceOrder(order.id, 'test', deps());
    await recordRefund(order.id, 'r1', 100);
    billing.failNext({ kind: 'ack-lost' });
    await creditRefunds(order.id, deps());
    expect(billing.count('createCreditNote')).toBe(2);
    expect(billing.creditNotes.size).toBe(1);
  });

  it('gives up on a billing outage, keeping nothing half-written', async () => {
    useFake();
    const order = await aCompletedOrder();
    await invoiceOrder(order.id, 'test', deps());
    await recordRefund(order.id, 'r1', 100);
    billing.failNext({ kind: 'transient' }, { kind: 'transient' }, { kind: 'transient' });
    await expect(creditRefunds(order.id, deps())).rejects.toBeInstanceOf(BillingTransientError);
    expect(await item(keys.creditNoteByRefund(order.id, 'r1'))).toBeUndefined();
  });
});

describe('subscriptions through billing-sync', () => {
  it('creates the billing customer and subscription, retrying a transient failure', async () => {
    useFake().failNext({ kind: 'transient' });
    const shopper = `shopper-${ulid()}`;
    const sent: unknown[] = [];
    const subscription = await createSubscription({ plan: 'delivery-pass-monthly' }, { subject: shopper }, { ...deps(), sendToSync: (m) => Promise.resolve(void sent.push(m)) });
    expect(sent).toEqual([{ kind: 'subscription', subscriptionId: subscription.id }]);

    expect(await syncHandler({ Records: [record(sent[0])] }, lambdaContext())).toEqual({ batchItemFailures: [] });
    expect(billing.count('createCustomer')).toBe(2);
    expect(await getSubscription(subscription.id, deps())).toMatchObject({ billingSubscriptionId: expect.any(String), status: 'active' });
  });
});
