import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { z } from 'zod';
import { orderCompletedV1 } from '../../events/orders/order-completed.v1.js';
import { orderRefundedV1 } from '../../events/orders/order-refunded.v1.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../infra/local/engines/credentials.js';
import { localDynamoClient } from '../../infra/local/engines/dynamodb.js';
import { LOCAL_STRIPE_SECRET_KEY } from '../../infra/local/resources.js';
import type { TableDeps } from '../../shared/db/deps.js';
import { keys } from '../../shared/db/keys.js';
import { outboxEvent, type OutboxItem } from '../../shared/events/outbox.js';
import type { Order } from '../../shared/orders/model.js';
import { putNewOrder } from '../../shared/orders/repository.js';
import { idempotencyKey } from '../../shared/payments/gateway.js';
import { stripeGateway } from '../../shared/payments/stripe-gateway.js';
import { localDay } from '../../shared/reports/contribution.js';
import type { Report } from '../../shared/reports/reports.js';
import type { Store } from '../../shared/stores/model.js';
import { storeItem } from '../../shared/stores/repository.js';
import { ApiClient } from '../support/api-client.js';
import { eventually, problem } from '../support/e2e.js';
import { anOrder } from '../unit/orders/fixtures.js';

/**
 * The reports on the running local platform: two orders complete (their `order.completed` written with them, as the
 * checkout's last step does, so each travels the real path: table stream → outbox relay → bus → rule → reports-totals
 * queue → consumer), one is refunded through the API (`order.refunded` the same way), and both the sales and the
 * refund are announced again: once under another event id through the outbox, once by putting the very same message
 * on the queue again (as SQS may deliver it twice). The reports then give exactly the expected figures, for the day
 * and for ranges, in JSON and in CSV, each sale and the refund counted once. Then who may read them: the store's own
 * manager, not another store's (a 404 like a missing store), and not the chain-wide reconciliation.
 *
 * The days are relative to today (the sales ten days ago, the refund today), so every range stays within a report's
 * 366 days whenever this runs.
 */

const dataDir = inject('dataDir');
const admin = new ApiClient(inject('baseUrl')).as({ apiKey: inject('adminApiKey') });
const runtime = JSON.parse(await readFile(join(dataDir, 'runtime.json'), 'utf8')) as {
  endpoints: { dynamodb: string; sqs: string };
  tableName: string;
  queueUrls: Record<string, string>;
  paymentsSandboxUrl: string;
};
const db = DynamoDBDocumentClient.from(localDynamoClient(runtime.endpoints.dynamodb), { marshallOptions: { removeUndefinedValues: true } });
const sqs = new SQSClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: runtime.endpoints.sqs });
const deps: TableDeps = { db, tableName: runtime.tableName, now: () => new Date(), newId: ulid };
const sandbox = new URL(runtime.paymentsSandboxUrl);
const provider = stripeGateway({ secretKey: LOCAL_STRIPE_SECRET_KEY, host: sandbox.hostname, port: Number(sandbox.port), protocol: 'http' });
afterAll(() => {
  db.destroy();
  sqs.destroy();
});

const run = Date.now().toString(36);
/** A store of this file's own, in Tokyo (UTC+9), so an order completed at 23:30 UTC is on its next local day. */
const STORE: Store = {
  id: `reports-e2e-${run}`,
  name: 'Reports e2e store',
  address: { line1: '1 Test Street', city: 'London', postcode: 'SE1 2TU', country: 'GB' },
  timezone: 'Asia/Tokyo',
  taxJurisdiction: 'JP',
  currency: 'GBP',
  fulfillmentModes: ['pickup'],
  // No area at all: the e2e platform is shared, and a store covering a real district would join other files' store searches.
  deliveryArea: { districts: [], prefixes: [] },
  collectionArea: { districts: [], prefixes: [] },
  status: 'open',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
};

/**
 * A completed order of 1,000 captured for real at the payments sandbox: 250 at 20% (42 tax, a 50 promotion), 600
 * zero-rated, a fee of 150 with 25 tax. Stored with its `order.completed`, which says it completed at `completedAt`.
 */
async function completedOrder(completedAt: string): Promise<{ order: Order; envelope: unknown }> {
  const id = ulid();
  const created = await provider.createIntent({ orderId: id, amount: { amount: 1000, currency: 'GBP' }, paymentMethod: 'pm_card_visa' }, idempotencyKey(id, 'authorize'));
  await provider.confirm(created.intentId, idempotencyKey(id, 'confirm'));
  await provider.capture({ intentId: created.intentId, amount: { amount: 1000, currency: 'GBP' }, authorized: { amount: 1000, currency: 'GBP' } }, idempotencyKey(id, 'capture'));
  const base = anOrder();
  const order = anOrder({
    id,
    shopperId: `shopper-reports-e2e-${run}`,
    storeId: STORE.id,
    lines: [
      { ...base.lines[0]!, subtotal: 300, discounts: [{ promotionId: 'P1', name: 'Promotion', amount: 50 }], total: 250, tax: { rateBasisPoints: 2000, amount: 42 } },
      { ...base.lines[1]!, picked: { quantity: { grams: 500 }, total: 600, tax: 0 } },
    ],
    totals: { currency: 'GBP', taxMode: 'inclusive', subtotal: 900, discount: 50, tax: 67, fees: 150, total: 1000, authorizationTotal: 1090 },
    payment: { method: 'pm_card_visa', intentId: created.intentId, authorized: 1000, captured: 1000, refunded: 0, status: 'captured' },
    status: 'completed',
    statusHistory: [{ from: 'captured', to: 'completed', event: 'complete', at: completedAt, actor: 'reports-e2e' }],
    createdAt: completedAt,
    updatedAt: completedAt,
  });
  const event = outboxEvent(deps.tableName, orderCompletedV1, completedData(order, completedAt), { id: `order-completed-${order.id}`, now: new Date(completedAt) });
  await putNewOrder(deps, order, [event.item]);
  return { order, envelope: event.envelope };
}

function completedData(order: Order, completedAt: string) {
  return {
    orderId: order.id,
    shopperId: order.shopperId,
    storeId: order.storeId,
    currency: 'GBP',
    lines: [{ sku: order.lines[0]!.sku, productId: order.lines[0]!.productId, quantity: 2, total: 250 }],
    total: 1000,
    tax: 67,
    completedAt,
  };
}

/** Whether the reports' queue has nothing waiting or in flight: every delivery so far has been consumed. */
async function drained(): Promise<boolean> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: runtime.queueUrls['reports-totals'], AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return Number(Attributes.ApproximateNumberOfMessages) + Number(Attributes.ApproximateNumberOfMessagesNotVisible) === 0;
}

const query = (from: string, to: string, extra = '') => `storeId=${STORE.id}&from=${from}&to=${to}${extra}`;

/** `yyyy-mm-dd` plus `days` calendar days. */
const plusDays = (date: string, days: number): string => new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
/** The UTC day ten days ago: its 23:30 is 08:30 of the next day in Tokyo, the sales' day. */
const UTC_DAY = new Date(Date.now() - 10 * 86_400_000).toISOString().slice(0, 10);
const SALES_DAY = plusDays(UTC_DAY, 1);
const [BEFORE, AFTER] = [plusDays(SALES_DAY, -1), plusDays(SALES_DAY, 1)];
const LATE_SALE = `${UTC_DAY}T23:30:00.000Z`;
const EARLY_SALE = `${SALES_DAY}T03:00:00.000Z`;

/** An event as EventBridge puts it on the reports' queue: what SQS delivers again when it delivers twice. */
const redeliver = (detailType: string, source: string, envelope: unknown) =>
  sqs.send(
    new SendMessageCommand({
      QueueUrl: runtime.queueUrls['reports-totals'],
      MessageBody: JSON.stringify({ version: '0', id: ulid(), 'detail-type': detailType, source, time: new Date().toISOString(), region: LOCAL_REGION, resources: [], detail: envelope }),
    }),
  );

/** The `order.refunded` envelope the refund of an order wrote to the outbox (the order's one refund). */
async function refundEnvelope(orderId: string): Promise<{ id: string; data: z.infer<typeof orderRefundedV1.schema> }> {
  const { Items = [] } = await db.send(
    new QueryCommand({
      TableName: deps.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :refund)',
      ExpressionAttributeValues: { ':pk': keys.orderRefund(orderId, '').pk, ':refund': keys.orderRefund(orderId, '').sk },
      ConsistentRead: true,
    }),
  );
  expect(Items).toHaveLength(1);
  const refundRef = String(Items[0]!.sk).slice(keys.orderRefund(orderId, '').sk.length);
  const { Item } = await db.send(new GetCommand({ TableName: deps.tableName, Key: keys.outboxEvent(`order-refunded-${orderId}-${refundRef}`), ConsistentRead: true }));
  expect(Item, 'the refund’s order.refunded in the outbox').toBeDefined();
  return JSON.parse((Item as OutboxItem).detail) as { id: string; data: z.infer<typeof orderRefundedV1.schema> };
}

describe('reports from running totals, on the platform', () => {
  it('give exactly the expected figures after two orders, a refund and the sales announced twice, in JSON and CSV', async () => {
    await db.send(new PutCommand({ TableName: deps.tableName, Item: storeItem(STORE) }));
    // 23:30 UTC is 08:30 the next day in Tokyo: both sales are on the store's SALES_DAY.
    const late = await completedOrder(LATE_SALE);
    const early = await completedOrder(EARLY_SALE);

    const refunded = await admin.post<Order>(`/orders/${late.order.id}/refunds`, { amount: 300, reason: 'Bruised fruit' }, { headers: { 'Idempotency-Key': `reports-e2e-${run}` } });
    expect(refunded.status, JSON.stringify(refunded.body)).toBe(200);
    const refundDay = localDay(refunded.body.updatedAt, STORE.timezone);

    // The same sale announced again under another event id, through the outbox like the first.
    const again = outboxEvent(deps.tableName, orderCompletedV1, completedData(early.order, EARLY_SALE), { id: `order-completed-again-${early.order.id}` });
    await db.send(new PutCommand(again.item.Put!));
    // The very same message as EventBridge delivers it, put on the queue a second time (a redelivery).
    await redeliver(orderCompletedV1.detailType, orderCompletedV1.source, late.envelope);
    // The refund likewise: its very own order.refunded delivered a second time, and announced again under another id.
    const refundedEvent = await refundEnvelope(late.order.id);
    await redeliver(orderRefundedV1.detailType, orderRefundedV1.source, refundedEvent);
    const refundAgain = outboxEvent(deps.tableName, orderRefundedV1, refundedEvent.data, { id: `order-refunded-again-${late.order.id}` });
    await db.send(new PutCommand(refundAgain.item.Put!));

    const sales = await eventually('both sales and the refund counted, and every delivery consumed', async () => {
      const report = await admin.get<Report<'sales'>>(`/reports/sales?${query(BEFORE, AFTER)}`);
      const refunds = await admin.get<Report<'refunds'>>(`/reports/refunds?${query(refundDay, refundDay)}`);
      const counted = report.body.totals.orders >= 2 && refunds.body.totals.refunds >= 1;
      return counted && (await drained()) ? report : undefined;
    });
    // The re-announcement went through the stream relay after the refund: give it time to arrive, then look again.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    await eventually('every late delivery consumed', async () => ((await drained()) ? true : undefined));
    const settled = await admin.get<Report<'sales'>>(`/reports/sales?${query(BEFORE, AFTER)}`);
    expect(settled.body).toEqual(sales.body);

    const zero = { orders: 0, gross: 0, discounts: 0, net: 0, tax: 0, fees: 0, feesTax: 0, taxByRate: [] };
    const twoSales = {
      orders: 2,
      gross: 2100,
      discounts: 100,
      net: 2000,
      tax: 134,
      fees: 300,
      feesTax: 50,
      taxByRate: [
        { rateBasisPoints: 0, net: 1200, tax: 0 },
        { rateBasisPoints: 2000, net: 416, tax: 84 },
        { rateBasisPoints: null, net: 250, tax: 50 },
      ],
    };
    expect(sales.body).toEqual({
      kind: 'sales',
      storeId: STORE.id,
      timezone: 'Asia/Tokyo',
      currency: 'GBP',
      from: BEFORE,
      to: AFTER,
      days: [
        { date: BEFORE, ...zero },
        { date: SALES_DAY, ...twoSales },
        { date: AFTER, ...zero },
      ],
      totals: twoSales,
    });
    // The day alone, and a range from the sales to the refund: the same sales, the refund's day adds none.
    expect((await admin.get<Report<'sales'>>(`/reports/sales?${query(SALES_DAY, SALES_DAY)}`)).body.totals).toEqual(twoSales);
    const salesToRefund = await admin.get<Report<'sales'>>(`/reports/sales?${query(BEFORE, refundDay)}`);
    expect(salesToRefund.body.totals).toEqual(twoSales);
    expect(salesToRefund.body.days.filter((day) => day.orders > 0).map((day) => day.date)).toEqual([SALES_DAY]);

    // The refund of money is split over the order's rates in proportion to what each charged (250, 600, 150) and its
    // 20 of tax (300 × 67 / 1,000) in proportion to each rate's tax (42, 0, 25).
    const refunds = await admin.get<Report<'refunds'>>(`/reports/refunds?${query(refundDay, refundDay)}`);
    const oneRefund = {
      refunds: 1,
      amount: 300,
      tax: 20,
      taxByRate: [
        { rateBasisPoints: 0, net: 180, tax: 0 },
        { rateBasisPoints: 2000, net: 62, tax: 13 },
        { rateBasisPoints: null, net: 38, tax: 7 },
      ],
    };
    expect(refunds.body.days).toEqual([{ date: refundDay, ...oneRefund }]);
    expect(refunds.body.totals).toEqual(oneRefund);
    // From the sales to the refund: one refund, on its own day (the day it was made, not the sale's).
    const refundsRange = await admin.get<Report<'refunds'>>(`/reports/refunds?${query(SALES_DAY, refundDay)}`);
    expect(refundsRange.body.totals).toEqual(oneRefund);
    expect(refundsRange.body.days.filter((day) => day.refunds > 0)).toEqual([{ date: refundDay, ...oneRefund }]);

    const csv = await admin.get<string>(`/reports/sales?${query(BEFORE, AFTER, '&format=csv')}`);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.headers.get('content-disposition')).toBe(`attachment; filename="sales-${STORE.id}-${BEFORE}-to-${AFTER}.csv"`);
    expect(csv.body.trim().split('\n')).toEqual([
      'date,currency,orders,gross,discounts,net,tax,fees,feesTax',
      `${BEFORE},GBP,0,0,0,0,0,0,0`,
      `${SALES_DAY},GBP,2,2100,100,2000,134,300,50`,
      `${AFTER},GBP,0,0,0,0,0,0,0`,
      'total,GBP,2,2100,100,2000,134,300,50',
    ]);
    const refundsCsv = await admin.get<string>(`/reports/refunds?${query(refundDay, refundDay)}`, { headers: { accept: 'text/csv' } });
    expect(refundsCsv.body.trim().split('\n')).toEqual(['date,currency,refunds,amount,tax', `${refundDay},GBP,1,300,20`, 'total,GBP,1,300,20']);
    const refundsRangeCsv = await admin.get<string>(`/reports/refunds?${query(SALES_DAY, refundDay, '&format=csv')}`);
    expect(refundsRangeCsv.body.trim().split('\n').filter((row) => !/,0,0,0$/.test(row))).toEqual(['date,currency,refunds,amount,tax', `${refundDay},GBP,1,300,20`, 'total,GBP,1,300,20']);

    // The tax summary of both days together: the sales' tax less the refund's, by jurisdiction and rate.
    const tax = await admin.get<Report<'tax'>>(`/reports/tax?${query(SALES_DAY, refundDay)}`);
    const taxRows = [
      { jurisdiction: 'JP', rateBasisPoints: 0, salesNet: 1200, salesTax: 0, refundNet: 180, refundTax: 0, netTax: 0 },
      { jurisdiction: 'JP', rateBasisPoints: 2000, salesNet: 416, salesTax: 84, refundNet: 62, refundTax: 13, netTax: 71 },
      { jurisdiction: 'JP', rateBasisPoints: null, salesNet: 250, salesTax: 50, refundNet: 38, refundTax: 7, netTax: 43 },
    ];
    expect(tax.body.totals.rows).toEqual(taxRows);
    // Each day by itself: the sales' day has the sales' part, the refund's day the refund's.
    const taxByDay = new Map(tax.body.days.filter((day) => day.rows.length > 0).map((day) => [day.date, day.rows]));
    expect([...taxByDay.keys()]).toEqual([SALES_DAY, refundDay]);
    expect(taxByDay.get(SALES_DAY)).toEqual(taxRows.map((row) => ({ ...row, refundNet: 0, refundTax: 0, netTax: row.salesTax })));
    expect(taxByDay.get(refundDay)).toEqual([
      { jurisdiction: 'JP', rateBasisPoints: 0, salesNet: 0, salesTax: 0, refundNet: 180, refundTax: 0, netTax: 0 },
      { jurisdiction: 'JP', rateBasisPoints: 2000, salesNet: 0, salesTax: 0, refundNet: 62, refundTax: 13, netTax: -13 },
      { jurisdiction: 'JP', rateBasisPoints: null, salesNet: 0, salesTax: 0, refundNet: 38, refundTax: 7, netTax: -7 },
    ]);
    const taxCsv = await admin.get<string>(`/reports/tax?${query(SALES_DAY, refundDay, '&format=csv')}`);
    expect(taxCsv.body.trim().split('\n').filter((row) => row.startsWith('total,'))).toEqual([
      'total,GBP,JP,0,1200,0,180,0,0',
      'total,GBP,JP,2000,416,84,62,13,71',
      'total,GBP,JP,fees,250,50,38,7,43',
    ]);
  });

  it('are read by the store’s own manager, not by another store’s (404, like a missing store), and not the reconciliation', async () => {
    const manager = new ApiClient(inject('baseUrl')).as({ token: await admin.mintToken(`reports-manager-${run}`, ['store-manager'], [STORE.id]) });
    const elsewhere = new ApiClient(inject('baseUrl')).as({ token: await admin.mintToken(`reports-away-manager-${run}`, ['store-manager'], ['london-bridge']) });
    const picker = new ApiClient(inject('baseUrl')).as({ token: await admin.mintToken(`reports-picker-${run}`, ['picker'], [STORE.id]) });
    for (const kind of ['sales', 'refunds', 'tax']) {
      const path = `/reports/${kind}?${query(BEFORE, AFTER)}`;
      const own = await manager.get(path);
      expect(own.status, JSON.stringify(own.body)).toBe(200);
      expect(own.body).toEqual((await admin.get(path)).body);
      const theirs = await problem(elsewhere.get(path), 404);
      const missing = await problem(elsewhere.get(`/reports/${kind}?storeId=no-such-store&from=${BEFORE}&to=${AFTER}`), 404);
      expect(theirs.type).toBe(missing.type);
      expect(await problem(picker.get(path), 403, 'insufficient-scope')).toMatchObject({ requiredScope: 'store-reports:read' });
    }
    expect(await problem(manager.get(`/reports/reconciliation?date=${BEFORE}`), 403, 'insufficient-scope')).toMatchObject({ requiredScope: 'reports:read' });
  });

  it('refuses a bad range with a 400 naming the field, and a store that does not exist with a 404', async () => {
    const tooLong = await admin.get<{ errors: { field: string }[] }>(`/reports/sales?storeId=${STORE.id}&from=2026-01-01&to=2027-01-02`);
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.errors.map((e) => e.field)).toEqual(['query.to']);
    const backwards = await admin.get<{ errors: { field: string }[] }>(`/reports/tax?storeId=${STORE.id}&from=2026-02-02&to=2026-02-01`);
    expect(backwards.status).toBe(400);
    expect((await admin.get(`/reports/refunds?storeId=no-such-store&from=2026-01-01&to=2026-01-31`)).status).toBe(404);
  });
});
