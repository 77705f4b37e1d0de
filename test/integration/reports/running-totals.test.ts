import { randomBytes } from 'node:crypto';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSRecord } from 'aws-lambda';
import { ulid } from 'ulid';
import { describe, expect, it } from 'vitest';
import { orderCompletedV1 } from '../../../events/orders/order-completed.v1.js';
import { orderRefundedV1 } from '../../../events/orders/order-refunded.v1.js';
import { handler as getSalesReport } from '../../../functions/reports/get-sales-report.js';
import { handler as getTaxReport } from '../../../functions/reports/get-tax-report.js';
import { handler as recordTotals } from '../../../functions/reports/record-totals.js';
import type { Principal } from '../../../shared/auth/principal.js';
import { scopesForRoles } from '../../../shared/auth/roles.js';
import { tableDeps } from '../../../shared/db/deps.js';
import { keys } from '../../../shared/db/keys.js';
import { publish } from '../../../shared/events/publisher.js';
import type { Order } from '../../../shared/orders/model.js';
import { putNewOrder } from '../../../shared/orders/repository.js';
import { refundRecordItem, saleRecordItem } from '../../../shared/orders/books.js';
import { transactWrite } from '../../../shared/db/transact.js';
import { backfillReportTotals } from '../../../shared/reports/backfill.js';
import { readDays, recordRefund, recordSale } from '../../../shared/reports/running-totals.js';
import type { Store } from '../../../shared/stores/model.js';
import { storeItem } from '../../../shared/stores/repository.js';
import { engines, takeMessage } from '../../support/engines.js';
import { apiEvent, lambdaContext } from '../../support/lambda.js';
import { anOrder } from '../../unit/orders/fixtures.js';

/**
 * The report totals against DynamoDB Local: the consumers counting each sale and refund once (a message delivered
 * twice, two deliveries at once), refunds on their own day, days in the store's time zone, and a year read in one
 * Query of at most 366 items.
 */

const token = () => randomBytes(4).toString('hex');
const deps = () => tableDeps({ tableName: engines().tableName });
const headOffice: Principal = { subject: 'head-office-1', kind: 'user', roles: ['head-office'], scopes: scopesForRoles(['head-office']), stores: ['*'] };

/** A store of its own for each test, so their days never mix. */
async function aStore(timezone: string, taxJurisdiction = 'GB'): Promise<Store> {
  const store: Store = {
    id: `reports-${token()}`,
    name: 'Reports test store',
    address: { line1: '1 Test Street', city: 'London', postcode: 'SE1 2TU', country: 'GB' },
    timezone,
    taxJurisdiction,
    currency: 'GBP',
    fulfillmentModes: ['pickup'],
    deliveryArea: { districts: ['SE1'], prefixes: [] },
    collectionArea: { districts: ['SE1'], prefixes: [] },
    status: 'open',
    createdAt: '2030-01-01T00:00:00.000Z',
    updatedAt: '2030-01-01T00:00:00.000Z',
  };
  await deps().db.send(new PutCommand({ TableName: deps().tableName, Item: storeItem(store) }));
  return store;
}

/** A completed order of 1,000 (250 at 20% with 42 tax, 600 zero-rated, a fee of 150 with 25 tax) at the store. */
async function aCompletedOrder(storeId: string): Promise<Order> {
  const base = anOrder();
  const order = anOrder({
    id: ulid(),
    storeId,
    lines: [
      { ...base.lines[0]!, subtotal: 300, discounts: [{ promotionId: 'P1', name: '10% off', amount: 50 }], total: 250, tax: { rateBasisPoints: 2000, amount: 42 } },
      { ...base.lines[1]!, picked: { quantity: { grams: 500 }, total: 600, tax: 0 } },
    ],
    totals: { currency: 'GBP', taxMode: 'inclusive', subtotal: 900, discount: 50, tax: 67, fees: 150, total: 1000, authorizationTotal: 1090 },
    payment: { intentId: 'pi_1', authorized: 1090, captured: 1000, refunded: 0, status: 'captured' },
    status: 'completed',
  });
  await putNewOrder(deps(), order);
  return order;
}

const completed = (order: Order, completedAt: string) => ({
  orderId: order.id,
  shopperId: order.shopperId,
  storeId: order.storeId,
  currency: 'GBP',
  lines: [{ sku: 'MILK-1', productId: order.lines[0]!.productId, quantity: 2, total: 250 }],
  total: 1000,
  tax: 67,
  completedAt,
});

const sqsRecord = (body: unknown): SQSRecord => ({
  messageId: token(),
  receiptHandle: `rh-${token()}`,
  body: JSON.stringify(body),
  attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 'local', ApproximateFirstReceiveTimestamp: '0' },
  messageAttributes: {},
  md5OfBody: '',
  eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:eu-west-2:000000000000:reports',
  awsRegion: 'eu-west-2',
});

async function report(fn: typeof getSalesReport, path: string, query: Record<string, string>, principal: Principal = headOffice) {
  const response = await fn(apiEvent({ method: 'GET', resource: path, query, principal }), lambdaContext());
  return { status: response.statusCode, headers: response.headers ?? {}, body: response.body };
}

describe('the report totals’ consumers', () => {
  it('route order.completed and order.refunded to the totals’ queue, and count a message delivered twice once', async () => {
    const store = await aStore('Europe/London');
    const order = await aCompletedOrder(store.id);
    await publish(orderCompletedV1, completed(order, '2030-03-04T09:00:00.000Z'));
    const refund = { orderId: order.id, storeId: store.id, refundRef: 'r1', currency: 'GBP', amount: 300, tax: 20, lines: [{ sku: 'REFUND', amount: 300, tax: 20 }], at: '2030-03-06T10:00:00.000Z' };
    await publish(orderRefundedV1, refund);
    const about = (detailType: string) => (body: unknown) => {
      const event = body as { 'detail-type'?: string; detail?: { data?: { orderId?: string } } };
      return event['detail-type'] === detailType && event.detail?.data?.orderId === order.id;
    };
    const sale = await takeMessage('reports-totals', about('order.completed'));
    const refunded = await takeMessage('reports-totals', about('order.refunded'));

    for (let delivery = 0; delivery < 2; delivery += 1) {
      expect(await recordTotals({ Records: [sqsRecord(sale), sqsRecord(refunded)] }, lambdaContext())).toEqual({ batchItemFailures: [] });
    }

    const days = await readDays(deps(), store.id, '2030-03-01', '2030-03-31');
    // The refund lands on the day it was made, two days after the sale's.
    expect(days.map((d) => [d.day, d.counters['sales.orders'] ?? 0, d.counters['refunds.count'] ?? 0])).toEqual([
      ['2030-03-04', 1, 0],
      ['2030-03-06', 0, 1],
    ]);
    const sales = await report(getSalesReport, '/reports/sales', { storeId: store.id, from: '2030-03-04', to: '2030-03-06' });
    expect(sales.status).toBe(200);
    expect(JSON.parse(sales.body)).toMatchObject({
      kind: 'sales',
      storeId: store.id,
      currency: 'GBP',
      timezone: 'Europe/London',
      days: [{ date: '2030-03-04', orders: 1, net: 1000 }, { date: '2030-03-05', orders: 0, net: 0 }, { date: '2030-03-06', orders: 0 }],
      totals: { orders: 1, gross: 1050, discounts: 50, net: 1000, tax: 67, fees: 150, feesTax: 25 },
    });
    const tax = JSON.parse((await report(getTaxReport, '/reports/tax', { storeId: store.id, from: '2030-03-01', to: '2030-03-31' })).body) as { totals: { rows: { salesTax: number; refundTax: number }[] } };
    expect(tax.totals.rows.reduce((sum, r) => sum + r.salesTax - r.refundTax, 0)).toBe(67 - 20);
  });

  it('counts a sale once when two deliveries of it race', async () => {
    const store = await aStore('Europe/London');
    const order = await aCompletedOrder(store.id);
    const results = await Promise.all(Array.from({ length: 4 }, () => recordSale({ orderId: order.id, completedAt: '2030-03-04T09:00:00.000Z' }, deps())));
    expect(results.filter(Boolean)).toHaveLength(1);
    const [day] = await readDays(deps(), store.id, '2030-03-04', '2030-03-04');
    expect(day?.counters).toMatchObject({ 'sales.orders': 1, 'sales.net': 1000 });
    const marker = await deps().db.send(new GetCommand({ TableName: deps().tableName, Key: keys.reportApplied(keys.reportSaleRef(order.id)) }));
    expect(marker.Item).toMatchObject({ storeId: store.id, day: '2030-03-04' });
  });

  it('puts an order completed at 23:30 UTC in a store ahead of UTC on its next local day, and a refund on its own', async () => {
    const store = await aStore('Asia/Tokyo', 'JP');
    const order = await aCompletedOrder(store.id);
    await recordSale({ orderId: order.id, completedAt: '2030-03-04T23:30:00.000Z' }, deps());
    await recordRefund({ orderId: order.id, refundRef: 'r1', amount: 250, tax: 42, lines: [{ lineId: order.lines[0]!.lineId, sku: 'MILK-1', amount: 250, tax: 42 }], at: '2030-03-05T14:59:00.000Z' }, deps());
    await recordRefund({ orderId: order.id, refundRef: 'r2', amount: 100, tax: 0, lines: [{ lineId: order.lines[1]!.lineId, sku: 'CHEDDAR-1', amount: 100, tax: 0 }], at: '2030-03-05T15:00:00.000Z' }, deps());
    const days = await readDays(deps(), store.id, '2030-03-01', '2030-03-31');
    expect(days.map((d) => [d.day, d.counters['sales.orders'] ?? 0, d.counters['refunds.amount'] ?? 0])).toEqual([
      ['2030-03-05', 1, 250],
      ['2030-03-06', 0, 100],
    ]);
    const tax = JSON.parse((await report(getTaxReport, '/reports/tax', { storeId: store.id, from: '2030-03-05', to: '2030-03-05' })).body) as { days: { rows: unknown[] }[] };
    expect(tax.days[0]!.rows).toContainEqual({ jurisdiction: 'JP', rateBasisPoints: 2000, salesNet: 208, salesTax: 42, refundNet: 208, refundTax: 42, netTax: 0 });
  });
});

describe('reading a report', () => {
  it('reads a year of a busy store in one Query of at most 366 items', async () => {
    const store = await aStore('Europe/London');
    const db = deps();
    // 400 days of totals, so the range is bounded by its keys, not by what exists.
    const start = Date.parse('2029-12-01T00:00:00Z');
    for (let batch = 0; batch < 400; batch += 25) {
      await Promise.all(
        Array.from({ length: 25 }, (_, i) => {
          const day = new Date(start + (batch + i) * 86_400_000).toISOString().slice(0, 10);
          return db.db.send(new PutCommand({ TableName: db.tableName, Item: { ...keys.reportDay(store.id, day), entityType: 'ReportDay', schemaVersion: 1, storeId: store.id, day, currency: 'GBP', 'sales.orders': 3, 'sales.net': 1000 } }));
        }),
      );
    }
    const pages: number[] = [];
    const days = await readDays(db, store.id, '2030-01-01', '2030-12-31', (count) => pages.push(count));
    expect(pages).toEqual([365]);
    expect(days).toHaveLength(365);
    const sales = JSON.parse((await report(getSalesReport, '/reports/sales', { storeId: store.id, from: '2030-01-01', to: '2030-12-31' })).body) as { days: unknown[]; totals: { orders: number; net: number } };
    expect(sales.days).toHaveLength(365);
    expect(sales.totals).toMatchObject({ orders: 1095, net: 365_000 });
  });

  it('answers CSV as a download when asked, by Accept or by format', async () => {
    const store = await aStore('Europe/London');
    const order = await aCompletedOrder(store.id);
    await recordSale({ orderId: order.id, completedAt: '2030-03-04T09:00:00.000Z' }, deps());
    const byAccept = await getSalesReport(
      apiEvent({ method: 'GET', resource: '/reports/sales', query: { storeId: store.id, from: '2030-03-04', to: '2030-03-05' }, principal: headOffice, headers: { accept: 'text/csv' } }),
      lambdaContext(),
    );
    const byFormat = await report(getSalesReport, '/reports/sales', { storeId: store.id, from: '2030-03-04', to: '2030-03-05', format: 'csv' });
    expect(byAccept.body).toBe(byFormat.body);
    expect(byFormat.headers).toMatchObject({ 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="sales-${store.id}-2030-03-04-to-2030-03-05.csv"` });
    expect(byFormat.body.trim().split('\n')).toEqual([
      'date,currency,orders,gross,discounts,net,tax,fees,feesTax',
      '2030-03-04,GBP,1,1050,50,1000,67,150,25',
      '2030-03-05,GBP,0,0,0,0,0,0,0',
      'total,GBP,1,1050,50,1000,67,150,25',
    ]);
  });

  it('gives staff of another store a 404 like a missing store, and refuses a bad range naming the field', async () => {
    const store = await aStore('Europe/London');
    const elsewhere: Principal = { ...headOffice, subject: 'manager-elsewhere', stores: ['some-other-store'] };
    const foreign = await report(getSalesReport, '/reports/sales', { storeId: store.id, from: '2030-03-04', to: '2030-03-05' }, elsewhere);
    const missing = await report(getSalesReport, '/reports/sales', { storeId: 'no-such-store', from: '2030-03-04', to: '2030-03-05' });
    expect([foreign.status, missing.status]).toEqual([404, 404]);
    expect(JSON.parse(foreign.body)).toMatchObject({ type: JSON.parse(missing.body).type, detail: `Store ${store.id} does not exist.` });
    const tooLong = await report(getSalesReport, '/reports/sales', { storeId: store.id, from: '2030-01-01', to: '2031-01-02' });
    expect(tooLong.status).toBe(400);
    expect(JSON.parse(tooLong.body)).toMatchObject({ errors: [{ field: 'query.to', message: expect.stringContaining('366') }] });
  });
});

describe('the backfill', () => {
  it('counts the books’ sales and refunds once, however often it runs and whatever the consumer counted before', async () => {
    const store = await aStore('Europe/London');
    // A day of its own in the books: other tests' records never fall on it.
    const day = `2031-0${1 + (parseInt(token(), 16) % 9)}-${String(1 + (parseInt(token(), 16) % 28)).padStart(2, '0')}`;
    const sold = await aCompletedOrder(store.id);
    const alsoSold = await aCompletedOrder(store.id);
    await transactWrite(deps(), [
      saleRecordItem(deps().tableName, sold, `${day}T10:00:00.000Z`),
      saleRecordItem(deps().tableName, alsoSold, `${day}T11:00:00.000Z`),
      refundRecordItem(deps().tableName, sold, { refundRef: 'old-refund', amount: 300, tax: 20 }, `${day}T12:00:00.000Z`),
    ]);
    // The consumer counted one sale already (its event arrived after the upgrade).
    expect(await recordSale({ orderId: sold.id, completedAt: `${day}T10:00:00.000Z` }, deps())).toBe(true);

    const first = await backfillReportTotals(deps(), day, day);
    const again = await backfillReportTotals(deps(), day, day);
    expect(first.counted + first.alreadyCounted).toBe(first.read);
    expect(again.counted).toBe(0);
    const [totals] = await readDays(deps(), store.id, day, day);
    expect(totals?.counters).toMatchObject({ 'sales.orders': 2, 'sales.net': 2000, 'refunds.count': 1, 'refunds.amount': 300, 'refunds.tax': 20 });
  });
});
