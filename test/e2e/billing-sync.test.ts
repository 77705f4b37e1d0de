import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { orderCompletedV1 } from '../../events/orders/order-completed.v1.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../infra/local/engines/credentials.js';
import { localDynamoClient } from '../../infra/local/engines/dynamodb.js';
import type { BillingSandboxFaults, BillingSandboxState } from '../../infra/local/billing-sandbox/server.js';
import type { TableDeps } from '../../shared/db/deps.js';
import { keys } from '../../shared/db/keys.js';
import { outboxEvent } from '../../shared/events/outbox.js';
import type { Order } from '../../shared/orders/model.js';
import { putNewOrder, requireOrder, updateOrderStatus } from '../../shared/orders/repository.js';
import { refundRecordItem } from '../../shared/orders/books.js';
import type { RedriveReport } from '../../shared/ops/redrive.js';
import { ApiClient } from '../support/api-client.js';
import { eventually } from '../support/e2e.js';
import { anOrder } from '../unit/orders/fixtures.js';

/**
 * The fault tests for outbound billing, on the running local platform and its billing sandbox. Each of 100
 * orders is stored completed with its `order.completed` event in the same transaction, as the checkout's last step
 * does (the saga itself is not run: 100 checkouts would test the saga, not billing), so the event travels the real
 * path: table stream → outbox relay → bus → rule → billing-sync queue → billing-sync-invoice → sandbox. Refunds travel
 * the same way as `order.status-changed`.
 */

const ORDERS = 100;
const dataDir = inject('dataDir');
const api = new ApiClient(inject('baseUrl')).as({ apiKey: inject('adminApiKey') });
const runtime = JSON.parse(await readFile(join(dataDir, 'runtime.json'), 'utf8')) as {
  endpoints: { dynamodb: string; sqs: string };
  tableName: string;
  queueUrls: Record<string, string>;
  billingSandboxUrl: string;
};
const db = DynamoDBDocumentClient.from(localDynamoClient(runtime.endpoints.dynamodb), { marshallOptions: { removeUndefinedValues: true } });
const sqs = new SQSClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: runtime.endpoints.sqs });
const deps: TableDeps = { db, tableName: runtime.tableName, now: () => new Date(), newId: ulid };
afterAll(() => {
  db.destroy();
  sqs.destroy();
});

async function sandbox<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${runtime.billingSandboxUrl}${path}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  expect(response.status, path).toBe(200);
  return (await response.json()) as T;
}
const setFaults = (faults: BillingSandboxFaults) => sandbox('POST', '/_sandbox/faults', faults);
const clearFaults = () => sandbox('DELETE', '/_sandbox/faults');
const sandboxState = () => sandbox<BillingSandboxState>('GET', '/_sandbox/state');

/** Stores `count` completed orders, each with its order.completed in the same transaction; returns their ids. */
async function completeOrders(count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const at = new Date().toISOString();
    const order: Order = anOrder({
      id: ulid(),
      shopperId: `shopper-billing-e2e-${i % 7}`,
      status: 'completed',
      payment: { authorized: 1090, captured: 1000 + i, refunded: 0, status: 'captured', intentId: `pi_billing_e2e_${i}` },
      statusHistory: [{ from: 'captured', to: 'completed', event: 'complete', at, actor: 'billing-e2e' }],
      createdAt: at,
      updatedAt: at,
    });
    const event = outboxEvent(deps.tableName, orderCompletedV1, {
      orderId: order.id,
      shopperId: order.shopperId,
      storeId: order.storeId,
      currency: 'GBP',
      lines: [{ sku: 'MILK-1', productId: order.lines[0]!.productId, quantity: 2, total: 250 }],
      total: order.payment.captured,
      tax: 0,
      completedAt: at,
    });
    await putNewOrder(deps, order, [event.item]);
    ids.push(order.id);
  }
  return ids;
}

/** How many of these orders have their invoice mapping stored. */
async function invoiced(orderIds: readonly string[]): Promise<number> {
  let found = 0;
  for (let i = 0; i < orderIds.length; i += 100) {
    const chunk = orderIds.slice(i, i + 100);
    const { Responses } = await db.send(new BatchGetCommand({ RequestItems: { [deps.tableName]: { Keys: chunk.map((id) => keys.invoiceByOrder(id)), ConsistentRead: true } } }));
    found += Responses?.[deps.tableName]?.length ?? 0;
  }
  return found;
}

async function depth(queue: string): Promise<number> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: runtime.queueUrls[queue]!, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return Number(Attributes!.ApproximateNumberOfMessages) + Number(Attributes!.ApproximateNumberOfMessagesNotVisible);
}

/** The sandbox's invoices for these orders, by order: exactly one each is what "none lost, none duplicated" means. */
async function invoicesPerOrder(orderIds: readonly string[]): Promise<Map<string, number>> {
  const wanted = new Set(orderIds);
  const counts = new Map<string, number>();
  for (const invoice of (await sandboxState()).invoices) {
    if (wanted.has(invoice.externalId)) counts.set(invoice.externalId, (counts.get(invoice.externalId) ?? 0) + 1);
  }
  return counts;
}

/** `npm run dlq:redrive -- billing-sync` against this platform, as an operator would run it. */
async function redriveByScript(): Promise<RedriveReport> {
  const { stdout } = await promisify(execFile)('npm', ['run', '--silent', 'dlq:redrive', '--', 'billing-sync'], { env: { ...process.env, SMARTSHELF_DATA_DIR: dataDir } });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as RedriveReport;
}

/**
 * Records a refund as `POST /orders/{id}/refunds` does once the provider has refunded (the provider call itself is
 * left out): the order moves with its `order.status-changed` (event `refund`), its refund record and the day's books,
 * in one transaction.
 */
async function refund(orderId: string, refundRef: string, amount: number): Promise<void> {
  const order = await requireOrder(deps, orderId);
  await updateOrderStatus(deps, order, { type: 'refund', amount, reason: 'damaged' }, { actor: 'billing-e2e' }, (next) => [
    {
      Put: {
        TableName: deps.tableName,
        Item: { ...keys.orderRefund(orderId, refundRef), entityType: 'RefundRecord', schemaVersion: 1, orderId, refundId: `re_${refundRef}`, amount, reason: 'damaged', actor: 'billing-e2e', at: next.updatedAt },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    refundRecordItem(deps.tableName, next, { refundRef, amount, tax: 0 }, next.updatedAt),
  ]);
}

const itemAt = async (key: { pk: string; sk: string }) => (await db.send(new GetCommand({ TableName: deps.tableName, Key: key, ConsistentRead: true }))).Item;

const seconds = (ms: number) => Math.round(ms / 100) / 10;

describe('billing sync under faults, on the local platform', () => {
  it('billing down for every call while 100 orders complete: after recovery and a redrive, exactly 100 invoices', { timeout: 420_000 }, async () => {
    await clearFaults();
    const before = await sandboxState();
    expect(await depth('billing-sync-dlq')).toBe(0);
    await setFaults({ errorRate: 1, errorStatus: 503 });

    const started = Date.now();
    const orderIds = await completeOrders(ORDERS);
    // Each message fails its retries on each of its 5 receives and is parked: the outage outlasts what SQS will retry.
    await eventually('every order parked in the DLQ', async () => ((await depth('billing-sync-dlq')) >= ORDERS ? true : undefined), 300_000, 1000);
    const parkedAfter = Date.now() - started;
    expect(await invoiced(orderIds)).toBe(0);
    const duringOutage = await sandboxState();
    expect((await invoicesPerOrder(orderIds)).size).toBe(0);

    await clearFaults();
    const recovered = Date.now();
    const report = await redriveByScript();
    expect(report).toMatchObject({ moved: ORDERS, failed: 0, more: false });
    await eventually('every order invoiced', async () => ((await invoiced(orderIds)) === ORDERS ? true : undefined), 120_000, 500);
    const drained = Date.now() - recovered;

    const perOrder = await invoicesPerOrder(orderIds);
    expect(perOrder.size).toBe(ORDERS);
    expect([...perOrder.values()].every((n) => n === 1)).toBe(true);
    expect(await depth('billing-sync-dlq')).toBe(0);
    const after = await sandboxState();
    console.info(
      `billing outage: ${ORDERS} orders; ${duringOutage.counts.apiCalls - before.counts.apiCalls} calls refused (${(duringOutage.counts.apiCalls - before.counts.apiCalls) / ORDERS} per order: 3 tries x 5 receives); ` +
        `all ${report.moved} parked in billing-sync-dlq after ${seconds(parkedAfter)} s; redriven by npm run dlq:redrive; drained ${seconds(drained)} s after recovery ` +
        `with ${after.counts.apiCalls - duringOutage.counts.apiCalls} calls; invoices ${perOrder.size}, duplicates ${[...perOrder.values()].filter((n) => n > 1).length}`,
    );
  });

  it('30% of calls lose their acknowledgement: exactly 100 invoices, none duplicated', { timeout: 300_000 }, async () => {
    await clearFaults();
    const before = await sandboxState();
    await setFaults({ ackLostRate: 0.3 });

    const started = Date.now();
    const orderIds = await completeOrders(ORDERS);
    let redriven = 0;
    await eventually(
      'every order invoiced',
      async () => {
        if ((await invoiced(orderIds)) === ORDERS) return true;
        // A message unlucky on all 15 tries would be parked; the admin endpoint brings it back.
        if ((await depth('billing-sync-dlq')) > 0) {
          const response = await api.request('POST', '/admin/queues/billing-sync/redrive');
          expect(response.status).toBe(200);
          redriven += (response.body as RedriveReport).moved;
        }
        return undefined;
      },
      240_000,
      500,
    );
    const drained = Date.now() - started;
    await clearFaults();

    const perOrder = await invoicesPerOrder(orderIds);
    expect(perOrder.size).toBe(ORDERS);
    expect([...perOrder.values()].every((n) => n === 1)).toBe(true);
    const after = await sandboxState();
    const calls = after.counts.apiCalls - before.counts.apiCalls;
    console.info(
      `acknowledgements lost on 30%: ${ORDERS} orders invoiced in ${seconds(drained)} s with ${calls} calls (${calls - ORDERS} retries under the same key); ` +
        `${redriven} redriven from the DLQ; invoices ${perOrder.size}, duplicates ${[...perOrder.values()].filter((n) => n > 1).length}`,
    );
  });

  it('each refund gets one credit note against the invoice, while billing loses 30% of its acknowledgements', { timeout: 120_000 }, async () => {
    await clearFaults();
    const [orderId] = await completeOrders(1);
    await eventually('the order invoiced', async () => ((await invoiced([orderId!])) === 1 ? true : undefined), 60_000, 250);
    await setFaults({ ackLostRate: 0.3 });
    const refs = [`r1-${ulid()}`, `r2-${ulid()}`];
    await refund(orderId!, refs[0]!, 300);
    await refund(orderId!, refs[1]!, 200);
    for (const ref of refs) await eventually(`credit note ${ref}`, () => itemAt(keys.creditNoteByRefund(orderId!, ref)), 60_000, 250);
    await clearFaults();

    const invoiceReference = (await itemAt(keys.invoiceByOrder(orderId!)))!.invoiceReference as string;
    const notes = (await sandboxState()).creditNotes.filter((n) => n.externalId.startsWith(`${orderId}#`));
    expect(notes.map((n) => [n.externalId, n.amount, n.invoiceReference]).sort()).toEqual(
      [
        [`${orderId}#${refs[0]}`, 300, invoiceReference],
        [`${orderId}#${refs[1]}`, 200, invoiceReference],
      ].sort(),
    );
    for (const note of notes) expect(await itemAt(keys.refundByCreditNote(note.creditNoteReference))).toMatchObject({ orderId });
  });
});
