import { randomBytes } from 'node:crypto';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { handler as inspectHandler } from '../../../functions/orders/inspect-return.js';
import { handler as receiveHandler } from '../../../functions/orders/receive-return.js';
import { handler as requestHandler } from '../../../functions/orders/request-return.js';
import { startPaymentsSandbox, type PaymentsSandbox } from '../../../infra/local/payments-sandbox/server.js';
import type { Principal } from '../../../shared/auth/principal.js';
import { scopesForRoles, type Role } from '../../../shared/auth/roles.js';
import { createCategory } from '../../../shared/catalog/categories.js';
import { createProduct } from '../../../shared/catalog/products.js';
import { keys } from '../../../shared/db/keys.js';
import { stockItem } from '../../../shared/inventory/stock-repository.js';
import { takeBackForRefund, type OrderStatusChange } from '../../../shared/loyalty/clawback.js';
import { loyaltyDeps } from '../../../shared/loyalty/deps.js';
import { earnForOrder } from '../../../shared/loyalty/earn.js';
import type { OrderAccess } from '../../../shared/orders/access.js';
import type { Order } from '../../../shared/orders/model.js';
import { getOrderRecord, putNewOrder } from '../../../shared/orders/repository.js';
import { getReturn, inspectReturn, listReturns, receiveReturn, requestReturn, returnDeps, type ReturnDeps } from '../../../shared/orders/return-actions.js';
import { RETURN_POLICY } from '../../../shared/orders/return-policy.js';
import { idempotencyKey, type PaymentGateway, type Refund } from '../../../shared/payments/gateway.js';
import { stripeGateway } from '../../../shared/payments/stripe-gateway.js';
import { engines, testDynamo } from '../../support/engines.js';
import { apiEvent, lambdaContext } from '../../support/lambda.js';
import { appError } from '../carts/fixtures.js';
import { testDeps as catalogTestDeps, uniqueSlug } from '../catalog/fixtures.js';
import { AT } from '../../unit/orders/fixtures.js';
import { aReceivedOrder, CHEDDAR, MILK, WASHING_UP } from '../../unit/orders/return-fixtures.js';

/**
 * Returns against DynamoDB Local and the payments sandbox, driven through the real Stripe client: orders captured for
 * real and received (delivered), returned line by line; fresh food refunded at once, the rest received, inspected,
 * restocked or written off and refunded; retries and races refund once and move the stock once; the handlers' 4xx.
 */

const sandboxGateway = vi.hoisted(() => ({ current: undefined as PaymentGateway | undefined }));

vi.mock('../../../shared/payments/gateway-config.js', async (importOriginal) => {
  const original: object = await importOriginal();
  return { ...original, paymentGateway: async () => sandboxGateway.current! };
});

const token = () => randomBytes(4).toString('hex');
const gbp = (amount: number) => ({ amount, currency: 'GBP' });
const db = testDynamo();
const NOW = new Date(AT.getTime() + 86_400_000);

let sandbox: PaymentsSandbox;
let provider: PaymentGateway;

beforeAll(async () => {
  sandbox = await startPaymentsSandbox();
  provider = stripeGateway({ ...sandbox.stripeOptions, maxNetworkRetries: 2 });
  sandboxGateway.current = provider;
});

afterAll(async () => {
  await sandbox.stop();
});

/** The provider behind a gateway that counts the refunds it was asked for. */
function counting(): { gateway: PaymentGateway; refunds: Refund[] } {
  const refunds: Refund[] = [];
  const gateway = new Proxy(provider, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (property !== 'refund' || typeof value !== 'function') return value;
      return async (...args: Parameters<PaymentGateway['refund']>) => {
        const refund = (await Reflect.apply(value, target, args)) as Refund;
        refunds.push(refund);
        return refund;
      };
    },
  });
  return { gateway, refunds };
}

function deps(gateway: PaymentGateway = provider, overrides: Partial<ReturnDeps> = {}): ReturnDeps {
  return returnDeps({ tableName: engines().tableName, now: () => NOW, gateway: async () => gateway, ...overrides });
}

/** The fixture's delivered order (1,837 captured, 157 of it tax), captured for real, at a store of its own with stock. */
async function aReceivedCapturedOrder(overrides: Partial<Order> = {}): Promise<Order> {
  const id = ulid();
  const created = await provider.createIntent({ orderId: id, amount: gbp(1837), paymentMethod: 'pm_card_visa' }, idempotencyKey(id, 'authorize'));
  await provider.confirm(created.intentId, idempotencyKey(id, 'confirm'));
  await provider.capture({ intentId: created.intentId, amount: gbp(1837), authorized: gbp(1837) }, idempotencyKey(id, 'capture'));
  const order = aReceivedOrder({
    id,
    shopperId: `shopper-${token()}`,
    storeId: `store-${token()}`,
    payment: { method: 'pm_card_visa', intentId: created.intentId, authorized: 1837, captured: 1837, refunded: 0, status: 'captured' },
    version: 12,
    ...overrides,
  });
  await putNewOrder(deps(), order);
  for (const sku of ['MILK-1', 'CHEDDAR-1', 'WASH-UP-500']) {
    await db.send(
      new PutCommand({
        TableName: engines().tableName,
        Item: stockItem({ sku, storeId: order.storeId, available: 10, reserved: 0, committed: 0, leadTimeDays: 2, version: 3, updatedAt: AT.toISOString() }),
      }),
    );
  }
  return order;
}

const shopperOf = (order: Order) => ({ actor: order.shopperId, correlationId: 'it-returns', access: { kind: 'shopper', subject: order.shopperId } as OrderAccess });
const staffAt = (order: Order, subject = `manager-${token()}`) => ({ actor: subject, correlationId: 'it-returns', access: { kind: 'staff', subject, stores: [order.storeId] } as OrderAccess });

const item = async (key: { pk: string; sk: string }) => (await db.send(new GetCommand({ TableName: engines().tableName, Key: key, ConsistentRead: true }))).Item;
const stock = async (order: Order, sku: string) => item(keys.stock(sku, order.storeId));

async function refundRecords(orderId: string): Promise<Record<string, unknown>[]> {
  const { Items = [] } = await db.send(
    new QueryCommand({ TableName: engines().tableName, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :r)', ExpressionAttributeValues: { ':pk': `ORDER#${orderId}`, ':r': 'REFUND#' }, ConsistentRead: true }),
  );
  return Items;
}

async function auditOf(order: Order, sku: string): Promise<Record<string, unknown>[]> {
  const { Items = [] } = await db.send(
    new QueryCommand({ TableName: engines().tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `AUDIT#stock#${order.storeId}/${sku}` }, ConsistentRead: true }),
  );
  return Items;
}

/** The `order.status-changed` the order's change to `version` wrote to the outbox. */
async function statusChange(orderId: string, version: number): Promise<OrderStatusChange> {
  const outbox = await item(keys.outboxEvent(`order-${orderId}-v${version}`));
  return (JSON.parse(String(outbox!.detail)) as { data: OrderStatusChange }).data;
}

describe('a return of fresh food and of goods sent back', () => {
  it('refunds the fresh food at once with its tax lines, then receives, restocks and refunds the rest once, each with its books and stock', async () => {
    const { gateway, refunds } = counting();
    const order = await aReceivedCapturedOrder();
    const shopper = shopperOf(order);
    const request = {
      lines: [
        { lineId: MILK, quantity: 1, reason: 'past-date' as const },
        { lineId: WASHING_UP, quantity: 2, reason: 'changed-mind' as const, note: 'Two too many' },
      ],
      method: 'collection' as const,
    };
    const { ret, created } = await requestReturn(order.id, request, 'return-1', shopper, deps(gateway));
    expect(created).toBe(true);
    expect(ret).toMatchObject({ status: 'awaiting-goods', method: 'collection', amount: 125 + 360, tax: 60, refunds: [{ stage: 'on-request', amount: 125, tax: 0 }] });
    expect(ret.lines.map((l) => [l.lineId, l.handling, l.amount, l.tax])).toEqual([
      [MILK, 'refund-only', 125, 0],
      [WASHING_UP, 'send-back', 360, 60],
    ]);
    expect((await getOrderRecord(deps(), order.id))?.payment).toMatchObject({ refunded: 125, refundedTax: 0, status: 'partially-refunded' });

    const staff = staffAt(order);
    expect(await receiveReturn(order.id, ret.id, 'Collected by the van', staff, deps(gateway))).toMatchObject({ status: 'received' });
    const done = await inspectReturn(order.id, ret.id, { lines: [{ lineId: WASHING_UP, disposition: 'restock' }] }, staff, deps(gateway));
    expect(done).toMatchObject({ status: 'refunded', refunds: [{ stage: 'on-request' }, { stage: 'on-inspection', amount: 360, tax: 60 }] });
    expect(done.lines[1]!.outcome).toEqual({ disposition: 'restock' });
    expect(done.history.map((c) => c.to)).toEqual(['requested', 'awaiting-goods', 'received', 'inspected', 'refunded']);

    const after = (await getOrderRecord(deps(), order.id))!;
    expect(after).toMatchObject({ status: 'partially-refunded', payment: { captured: 1837, refunded: 485, refundedTax: 60 } });
    expect(refunds.map((r) => [r.amount, r.status])).toEqual([
      [gbp(125), 'succeeded'],
      [gbp(360), 'succeeded'],
    ]);
    // The refunds' records carry what billing's credit notes need: the lines and their tax.
    const records = await refundRecords(order.id);
    expect(records.map((r) => [r.sk, r.amount, r.tax, r.returnId, r.lines]).sort()).toEqual([
      [`REFUND#ret-${ret.id}-1`, 125, 0, ret.id, [{ lineId: MILK, sku: 'MILK-1', description: 'Milk', quantity: 1, amount: 125, tax: 0 }]],
      [`REFUND#ret-${ret.id}-2`, 360, 60, ret.id, [{ lineId: WASHING_UP, sku: 'WASH-UP-500', description: 'Washing-up liquid 500 ml', quantity: 2, amount: 360, tax: 60 }]],
    ]);
    const day = NOW.toISOString().slice(0, 10);
    expect(await item(keys.financialRecord(day, 'REFUND', `${order.id}#ret-${ret.id}-2`))).toMatchObject({ amount: 360, tax: 60 });
    // Restocked: 2 back on the shelf under the version read, audited, announced; the milk never came back.
    expect(await stock(order, 'WASH-UP-500')).toMatchObject({ available: 12, version: 4 });
    expect(await stock(order, 'MILK-1')).toMatchObject({ available: 10, version: 3 });
    expect((await auditOf(order, 'WASH-UP-500')).map((a) => [a.action, (a.after as Record<string, unknown>).reason, (a.after as Record<string, unknown>).delta])).toEqual([['adjust', 'return', 2]]);
    expect(await listReturns(order.id, shopper.access, deps())).toEqual([done]);
  });

  it('writes off what is damaged (the shelf as it was, an audit entry with the reason) and refunds it all the same; perishables are never restocked', async () => {
    const order = await aReceivedCapturedOrder();
    const staff = staffAt(order);
    const { ret } = await requestReturn(order.id, { lines: [{ lineId: WASHING_UP, quantity: 3, reason: 'damaged' }], method: 'drop-off' }, 'return-2', shopperOf(order), deps());
    expect(ret).toMatchObject({ status: 'awaiting-goods', amount: 540, tax: 90, refunds: [] });
    await expect(inspectReturn(order.id, ret.id, { lines: [{ lineId: WASHING_UP, disposition: 'restock' }] }, staff, deps())).rejects.toMatchObject({ code: 'return-not-received' });
    await receiveReturn(order.id, ret.id, undefined, staff, deps());
    const done = await inspectReturn(order.id, ret.id, { lines: [{ lineId: WASHING_UP, disposition: 'write-off', reason: 'damaged' }] }, staff, deps());
    expect(done).toMatchObject({ status: 'refunded', refunds: [{ stage: 'on-inspection', amount: 540, tax: 90 }] });
    expect(await stock(order, 'WASH-UP-500')).toMatchObject({ available: 10, version: 3 });
    const [audit] = await auditOf(order, 'WASH-UP-500');
    expect(audit).toMatchObject({ action: 'write-off', after: { writtenOff: 3, reason: 'damaged' } });
    expect((await getOrderRecord(deps(), order.id))?.payment).toMatchObject({ refunded: 540, refundedTax: 90 });

    // Weighed goods go back by the gram: 100 g of the 540 g of cheddar (648) is 120, and 100 g go back on the shelf.
    // (Unpacked, it has no zone, and the catalog does not know it here: it is other goods, sent back.)
    const unpacked = await aReceivedCapturedOrder({ packing: undefined });
    const sent = (await requestReturn(unpacked.id, { lines: [{ lineId: CHEDDAR, quantity: 100, reason: 'changed-mind' }], method: 'drop-off' }, 'return-3', shopperOf(unpacked), deps())).ret;
    expect(sent.lines[0]).toMatchObject({ handling: 'send-back', amount: 120, stock: [{ sku: 'CHEDDAR-1', quantity: 100 }] });
    await receiveReturn(unpacked.id, sent.id, undefined, staffAt(unpacked), deps());
    expect(await inspectReturn(unpacked.id, sent.id, { lines: [{ lineId: CHEDDAR, disposition: 'restock' }] }, staffAt(unpacked), deps())).toMatchObject({ status: 'refunded' });
    expect(await stock(unpacked, 'CHEDDAR-1')).toMatchObject({ available: 110 });
  });

  it('refunds fresh food only, never receives or inspects it; and refuses with 422 to restock goods that travelled chilled, writing nothing', async () => {
    const order = await aReceivedCapturedOrder({
      packing: { ...aReceivedOrder().packing!, zones: [{ zone: 'chilled', bags: 1, lineIds: [MILK, CHEDDAR, WASHING_UP] }] },
    });
    // Packed chilled, the washing-up liquid is fresh for the policy: refunded at once, never inspected.
    const { ret } = await requestReturn(order.id, { lines: [{ lineId: WASHING_UP, quantity: 1, reason: 'damaged' }] }, 'return-4', shopperOf(order), deps());
    expect(ret).toMatchObject({ status: 'refunded', lines: [{ handling: 'refund-only', zone: 'chilled' }] });
    await expect(receiveReturn(order.id, ret.id, undefined, staffAt(order), deps())).rejects.toMatchObject({ code: 'return-has-no-goods' });
    const inspection = await appError(inspectReturn(order.id, ret.id, { lines: [{ lineId: WASHING_UP, disposition: 'restock' }] }, staffAt(order), deps()));
    expect([inspection.code, inspection.fields]).toEqual(['validation-failed', [{ field: 'body.lines.0.lineId', message: expect.stringContaining('refunded without being sent back') }]]);

    // A store whose policy has everything sent back: what travelled chilled still cannot go back on sale.
    const sendAll = { rules: [{ name: 'everything', returnable: true as const, handling: 'send-back' as const, windowDays: 30, reasons: RETURN_POLICY.rules.flatMap((r) => (r.returnable ? r.reasons : [])) }] };
    const milk = (await requestReturn(order.id, { lines: [{ lineId: MILK, quantity: 1, reason: 'damaged' }], method: 'drop-off' }, 'return-5', shopperOf(order), deps(provider, { policy: sendAll }))).ret;
    await receiveReturn(order.id, milk.id, undefined, staffAt(order), deps());
    const perishable = await appError(inspectReturn(order.id, milk.id, { lines: [{ lineId: MILK, disposition: 'restock' }] }, staffAt(order), deps()));
    expect([perishable.kind, perishable.code, perishable.fields]).toEqual(['unprocessable', 'perishable-not-restockable', [{ field: 'body.lines.0.disposition', message: expect.stringContaining('chilled') }]]);
    expect((await getReturn(deps(), order.id, milk.id))?.status).toBe('received');
    expect(await stock(order, 'MILK-1')).toMatchObject({ available: 10, version: 3 });
  });
});

describe('returns under retries and races', () => {
  it('makes one return of one request sent five times at once, refunded once', async () => {
    const { gateway } = counting();
    const order = await aReceivedCapturedOrder();
    const request = { lines: [{ lineId: MILK, quantity: 2, reason: 'past-date' as const }] };
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => requestReturn(order.id, request, 'same-key', shopperOf(order), deps(gateway))));
    expect(new Set(outcomes.map((o) => o.ret.id)).size).toBe(1);
    expect(outcomes.filter((o) => o.created)).toHaveLength(1);
    expect((await getReturn(deps(), order.id, outcomes[0]!.ret.id))?.status).toBe('refunded');
    expect((await getOrderRecord(deps(), order.id))?.payment).toMatchObject({ refunded: 250 });
    expect(await refundRecords(order.id)).toHaveLength(1);
    // The same key again, later, answers the return as it is.
    expect(await requestReturn(order.id, request, 'same-key', shopperOf(order), deps(gateway))).toMatchObject({ created: false, ret: { status: 'refunded' } });
  });

  it('never lets two returns take the same goods: of two asking for 2 of 3 at once, one is made and the other told what is left', async () => {
    const order = await aReceivedCapturedOrder();
    const ask = (key: string) => requestReturn(order.id, { lines: [{ lineId: WASHING_UP, quantity: 2, reason: 'faulty' }], method: 'drop-off' }, key, shopperOf(order), deps());
    const settled = await Promise.allSettled([ask('a'), ask('b')]);
    expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(1);
    const refused = settled.find((s) => s.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toMatchObject({ code: 'validation-failed', fields: [{ field: 'body.lines.0.quantity', message: expect.stringContaining('at most 1') }] });
    expect(await item(keys.orderReturned(order.id))).toMatchObject({ [`q_${WASHING_UP}`]: 2 });
    // The one left can still go back, for its exact share: 3 × 180 is 540, so the last one is 180.
    const last = await requestReturn(order.id, { lines: [{ lineId: WASHING_UP, quantity: 1, reason: 'faulty' }], method: 'drop-off' }, 'c', shopperOf(order), deps());
    expect(last.ret.lines[0]).toMatchObject({ amount: 180, tax: 30 });
  });

  it('moves the stock once and refunds once when the inspection is sent three times at once and again later', async () => {
    const { gateway, refunds } = counting();
    const order = await aReceivedCapturedOrder();
    const staff = staffAt(order);
    const { ret } = await requestReturn(order.id, { lines: [{ lineId: WASHING_UP, quantity: 2, reason: 'changed-mind' }], method: 'drop-off' }, 'race', shopperOf(order), deps(gateway));
    await Promise.all([receiveReturn(order.id, ret.id, undefined, staff, deps(gateway)), receiveReturn(order.id, ret.id, undefined, staffAt(order), deps(gateway))]);
    const inspection = { lines: [{ lineId: WASHING_UP, disposition: 'restock' as const }] };
    const results = await Promise.all([1, 2, 3].map(() => inspectReturn(order.id, ret.id, inspection, staff, deps(gateway))));
    expect(results.every((r) => r.status === 'refunded')).toBe(true);
    expect(await inspectReturn(order.id, ret.id, inspection, staff, deps(gateway))).toMatchObject({ status: 'refunded' });
    expect(await stock(order, 'WASH-UP-500')).toMatchObject({ available: 12 });
    expect(await auditOf(order, 'WASH-UP-500')).toHaveLength(1);
    expect((await getOrderRecord(deps(), order.id))?.payment).toMatchObject({ refunded: 360, refundedTax: 60 });
    expect(await refundRecords(order.id)).toHaveLength(1);
    expect(new Set(refunds.map((r) => r.refundId)).size).toBe(1);
    await expect(inspectReturn(order.id, ret.id, { lines: [{ lineId: WASHING_UP, disposition: 'write-off', reason: 'damaged' }] }, staff, deps(gateway))).rejects.toMatchObject({
      code: 'return-inspected',
    });
  });
});

describe('the policy and the loyalty points', () => {
  it('reads the goods’ category from the catalog: a category the policy does not take back is a 422, and nothing is written', async () => {
    const catalog = catalogTestDeps();
    const path = uniqueSlug('pharmacy');
    const category = await createCategory({ slug: path, name: 'Pharmacy' }, { actor: 'it' }, catalog);
    const product = await createProduct(
      { name: 'Paracetamol', categoryId: category.id, taxCategory: 'non-food', variants: [{ sku: `PARA-${token()}`.toUpperCase(), name: '16 tablets', soldBy: 'each', price: gbp(180) }] },
      { actor: 'it' },
      catalog,
    );
    const order = await aReceivedCapturedOrder();
    const asProduct = { ...order, lines: order.lines.map((line) => (line.lineId === WASHING_UP ? { ...line, productId: product.id } : line)) };
    await db.send(new PutCommand({ TableName: engines().tableName, Item: { ...(await item(keys.order(order.id)))!, lines: asProduct.lines } }));
    const policy = { rules: [{ name: 'medicines', match: { categories: [path] }, returnable: false as const }, ...RETURN_POLICY.rules] };
    const refusal = await appError(
      requestReturn(order.id, { lines: [{ lineId: WASHING_UP, quantity: 1, reason: 'faulty' }], method: 'drop-off' }, 'medicine', shopperOf(order), deps(provider, { policy })),
    );
    expect([refusal.kind, refusal.code, refusal.extensions]).toEqual(['unprocessable', 'return-not-allowed', { orderId: order.id, lines: [{ lineId: WASHING_UP, why: 'medicines cannot be returned' }] }]);
    expect(await listReturns(order.id, shopperOf(order).access, deps())).toEqual([]);
    expect(await item(keys.orderReturned(order.id))).toBeUndefined();
  });

  it('takes back the points the returned goods earned, in the refunded share, once however the refund events come', async () => {
    const order = await aReceivedCapturedOrder();
    const loyalty = loyaltyDeps({ tableName: engines().tableName, now: () => NOW });
    const lines = [{ sku: 'MILK-1', productId: order.lines[0]!.productId, quantity: 2, total: 1837 }];
    // 18 points on £18.37.
    expect(await earnForOrder({ orderId: order.id, shopperId: order.shopperId, storeId: order.storeId, currency: 'GBP', lines, total: 1837, tax: 0, completedAt: AT.toISOString() }, `evt-${token()}`, loyalty)).toBe(18);
    const { ret } = await requestReturn(order.id, { lines: [{ lineId: WASHING_UP, quantity: 3, reason: 'faulty' }], method: 'drop-off' }, 'points', shopperOf(order), deps());
    await receiveReturn(order.id, ret.id, undefined, staffAt(order), deps());
    await inspectReturn(order.id, ret.id, { lines: [{ lineId: WASHING_UP, disposition: 'restock' }] }, staffAt(order), deps());
    const refunded = (await getOrderRecord(deps(), order.id))!;
    const change = await statusChange(order.id, refunded.version);
    expect(change).toMatchObject({ event: 'refund', to: 'partially-refunded', payment: { captured: 1837, refunded: 540 } });
    // The shopper keeps what £12.97 earns of the 18 points (12): 6 come back, once.
    expect(await takeBackForRefund(change, loyalty)).toEqual({ taken: 6, shortfall: 0, returned: 0 });
    expect(await takeBackForRefund(change, loyalty)).toEqual({ taken: 0, shortfall: 0, returned: 0 });
  });
});

type Handler = (event: APIGatewayProxyEvent, context: ReturnType<typeof lambdaContext>) => Promise<{ statusCode: number; body: string }>;

const principal = (role: Role, subject: string, stores: string[] = []): Principal => ({ subject, kind: 'user', roles: [role], scopes: scopesForRoles([role]), stores });

async function call(handler: unknown, resource: string, pathParameters: Record<string, string>, body: unknown, who: Principal, key?: string) {
  const headers: Record<string, string> = { 'Content-Type': 'application/json', ...(key === undefined ? {} : { 'Idempotency-Key': key }) };
  const event = apiEvent({ method: 'POST', resource, pathParameters, headers, body: typeof body === 'string' ? body : JSON.stringify(body), principal: who });
  const response = await (handler as Handler)(event, lambdaContext());
  return { status: response.statusCode, json: JSON.parse(response.body) as Record<string, unknown> & { code?: string; errors?: { field: string }[] }, headers: (response as { headers?: Record<string, string> }).headers };
}

describe('the return routes', () => {
  it('makes a return with 201 and its Location, and answers the same key with the first answer', async () => {
    const order = await aReceivedCapturedOrder();
    const shopper = principal('shopper', order.shopperId);
    const body = { lines: [{ lineId: MILK, quantity: 1, reason: 'past-date' }] };
    const key = `k-${token()}`;
    const first = await call(requestHandler, '/orders/{id}/returns', { id: order.id }, body, shopper, key);
    expect(first.status).toBe(201);
    expect(first.headers?.location).toBe(`/orders/${order.id}/returns/${first.json.id as string}`);
    expect(first.json).toMatchObject({ status: 'refunded', amount: 125 });
    const again = await call(requestHandler, '/orders/{id}/returns', { id: order.id }, body, shopper, key);
    expect([again.status, again.json]).toEqual([201, first.json]);
    expect((await getOrderRecord(deps(), order.id))?.payment.refunded).toBe(125);
  });

  it('answers bad input with a 4xx problem that names it and changes nothing', async () => {
    const order = await aReceivedCapturedOrder();
    const shopper = principal('shopper', order.shopperId);
    const good = { lines: [{ lineId: WASHING_UP, quantity: 1, reason: 'faulty' }], method: 'drop-off' };
    const cases: [string, unknown, string | undefined, number, string][] = [
      ['no key', good, undefined, 400, 'header.idempotency-key'],
      ['unknown field', { ...good, refundTo: 'cash' }, 'k1', 400, 'body'],
      ['no lines', { lines: [] }, 'k2', 400, 'body.lines'],
      ['a reason the policy has not', { lines: [{ lineId: WASHING_UP, quantity: 1, reason: 'bored' }], method: 'drop-off' }, 'k3', 400, 'body.lines.0.reason'],
      ['a fractional quantity', { lines: [{ lineId: WASHING_UP, quantity: 1.5, reason: 'faulty' }], method: 'drop-off' }, 'k4', 400, 'body.lines.0.quantity'],
      ['too many', { lines: [{ lineId: WASHING_UP, quantity: 4, reason: 'faulty' }], method: 'drop-off' }, 'k5', 400, 'body.lines.0.quantity'],
      ['no method', { lines: [{ lineId: WASHING_UP, quantity: 1, reason: 'faulty' }] }, 'k6', 400, 'body.method'],
      ['out of the window', { lines: [{ lineId: MILK, quantity: 1, reason: 'changed-mind' }] }, 'k7', 422, 'body.lines.0.reason'],
      ['malformed JSON', '{"lines": [', 'k8', 400, ''],
    ];
    for (const [what, body, key, status, field] of cases) {
      const answer = await call(requestHandler, '/orders/{id}/returns', { id: order.id }, body, shopper, key);
      expect(answer.status, what).toBe(status);
      if (field !== '') expect(answer.json.errors?.map((e) => e.field), what).toContain(field);
    }
    expect(await listReturns(order.id, { kind: 'shopper', subject: order.shopperId }, deps())).toEqual([]);
    expect((await getOrderRecord(deps(), order.id))?.payment.refunded).toBe(0);
  });

  it('answers another shopper and another store’s staff 404, a picker at the desk 403, and a return not yet received 409', async () => {
    const order = await aReceivedCapturedOrder();
    const body = { lines: [{ lineId: WASHING_UP, quantity: 1, reason: 'faulty' }], method: 'drop-off' };
    expect((await call(requestHandler, '/orders/{id}/returns', { id: order.id }, body, principal('shopper', `someone-${token()}`), 'k')).status).toBe(404);
    expect((await call(requestHandler, '/orders/{id}/returns', { id: order.id }, body, principal('picker', 'pat', [order.storeId]), 'k')).json).toMatchObject({ status: 403, requiredScope: 'orders:write' });
    const made = await call(requestHandler, '/orders/{id}/returns', { id: order.id }, body, principal('shopper', order.shopperId), 'k');
    expect(made.status).toBe(201);
    const params = { id: order.id, returnId: made.json.id as string };
    const elsewhere = principal('store-manager', 'manager-elsewhere', ['somewhere-else']);
    expect((await call(receiveHandler, '/orders/{id}/returns/{returnId}/receive', params, {}, elsewhere)).status).toBe(404);
    const here = principal('store-manager', 'manager-here', [order.storeId]);
    const early = await call(inspectHandler, '/orders/{id}/returns/{returnId}/inspect', params, { lines: [{ lineId: WASHING_UP, disposition: 'restock' }] }, here);
    expect([early.status, early.json.type]).toEqual([409, expect.stringContaining('return-not-received')]);
    expect((await call(receiveHandler, '/orders/{id}/returns/{returnId}/receive', params, { note: 'At the desk' }, here)).json).toMatchObject({ status: 'received' });
    const wrong = await call(inspectHandler, '/orders/{id}/returns/{returnId}/inspect', params, { lines: [{ lineId: MILK, disposition: 'restock' }] }, here);
    expect([wrong.status, wrong.json.errors?.map((e) => e.field)]).toEqual([400, ['body.lines.0.lineId', 'body.lines']]);
    expect((await getReturn(deps(), order.id, params.returnId))?.status).toBe('received');
    expect(await stock(order, 'WASH-UP-500')).toMatchObject({ available: 10 });
  });
});
