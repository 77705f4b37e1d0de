import { randomBytes } from 'node:crypto';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { ulid } from 'ulid';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startPaymentsSandbox, type PaymentsSandbox } from '../../../infra/local/payments-sandbox/server.js';
import { handler as refundHandler } from '../../../functions/orders/refund-order.js';
import type { Principal } from '../../../shared/auth/principal.js';
import { scopesForRoles } from '../../../shared/auth/roles.js';
import { checkoutDeps, type CheckoutDeps } from '../../../shared/checkout/deps.js';
import type { Workflow } from '../../../shared/checkout/workflow.js';
import { keys } from '../../../shared/db/keys.js';
import type { Order } from '../../../shared/orders/model.js';
import type { OrderAccess } from '../../../shared/orders/access.js';
import { refundOrder } from '../../../shared/orders/refunds.js';
import { getOrderRecord, putNewOrder } from '../../../shared/orders/repository.js';
import { idempotencyKey, type PaymentGateway, type Refund } from '../../../shared/payments/gateway.js';
import { stripeGateway } from '../../../shared/payments/stripe-gateway.js';
import { engines } from '../../support/engines.js';
import { apiEvent, lambdaContext } from '../../support/lambda.js';
import { appError } from '../carts/fixtures.js';
import { AT, anOrder } from '../../unit/orders/fixtures.js';

/**
 * Refunds against DynamoDB Local and the payments sandbox, driven through the real Stripe client: an order captured for
 * real (intent created, confirmed and captured), refunded in part and then in full; refused refunds never reach the
 * provider, which a wrapping gateway counts.
 */

const sandboxGateway = vi.hoisted(() => ({ current: undefined as PaymentGateway | undefined }));

vi.mock('../../../shared/payments/gateway-config.js', async (importOriginal) => {
  const original: object = await importOriginal();
  return { ...original, paymentGateway: async () => sandboxGateway.current! };
});

const token = () => randomBytes(4).toString('hex');
const gbp = (amount: number) => ({ amount, currency: 'GBP' });
const chainWide = (subject: string): OrderAccess => ({ kind: 'staff', subject, stores: ['*'] });
const STAFF = { actor: 'store-manager-1', correlationId: 'it-refunds', access: chainWide('store-manager-1') };

let sandbox: PaymentsSandbox;
let provider: PaymentGateway;

beforeAll(async () => {
  sandbox = await startPaymentsSandbox();
  provider = stripeGateway({ ...sandbox.stripeOptions, maxNetworkRetries: 2 });
});

afterAll(async () => {
  await sandbox.stop();
});

/** The provider behind a gateway that keeps every refund it was asked for and what came back. */
function counting(): { gateway: PaymentGateway; refunds: Refund[]; calls: () => number } {
  const refunds: Refund[] = [];
  let calls = 0;
  const gateway = new Proxy(provider, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (property !== 'refund' || typeof value !== 'function') return value;
      return async (...args: Parameters<PaymentGateway['refund']>) => {
        calls += 1;
        const refund = (await Reflect.apply(value, target, args)) as Refund;
        refunds.push(refund);
        return refund;
      };
    },
  });
  return { gateway, refunds, calls: () => calls };
}

const noWorkflow: Workflow = {
  start: () => Promise.reject(new Error('refunds start no saga')),
  succeed: () => Promise.reject(new Error('refunds complete no task')),
  fail: () => Promise.reject(new Error('refunds complete no task')),
};

function testDeps(gateway: PaymentGateway): CheckoutDeps {
  return checkoutDeps({ tableName: engines().tableName, now: () => AT, gateway: async () => gateway, workflow: noWorkflow, settings: { captureOnConfirm: true, authenticationTimeoutSeconds: 900 } });
}

/** An order of 1,000 captured for real at the provider and stored as `captured` (or `status`, with its payment as given). */
async function aCapturedOrder(overrides: Partial<Order> = {}): Promise<Order> {
  const id = ulid();
  const created = await provider.createIntent({ orderId: id, amount: gbp(1000), paymentMethod: 'pm_card_visa' }, idempotencyKey(id, 'authorize'));
  await provider.confirm(created.intentId, idempotencyKey(id, 'confirm'));
  await provider.capture({ intentId: created.intentId, amount: gbp(1000), authorized: gbp(1000) }, idempotencyKey(id, 'capture'));
  const order = anOrder({
    id,
    shopperId: `shopper-${token()}`,
    storeId: `store-${token()}`,
    status: 'captured',
    payment: { method: 'pm_card_visa', intentId: created.intentId, authorized: 1000, captured: 1000, refunded: 0, status: 'captured' },
    statusHistory: [{ from: 'picked', to: 'captured', event: 'capture', at: AT.toISOString(), actor: 'checkout-saga' }],
    version: 9,
    ...overrides,
  });
  await putNewOrder(testDeps(provider), order);
  return order;
}

describe('refundOrder', () => {
  it('refunds part of a captured order, then all that is left, each once at the provider, with the reasons in the history', async () => {
    const { gateway, refunds, calls } = counting();
    const deps = testDeps(gateway);
    const order = await aCapturedOrder();

    const partial = await refundOrder(order.id, { amount: 300, reason: 'Bruised bananas' }, 'refund-1', STAFF, deps);
    expect(partial).toMatchObject({ status: 'partially-refunded', payment: { captured: 1000, refunded: 300, status: 'partially-refunded' }, version: 10 });
    expect(partial.statusHistory.at(-1)).toEqual({ from: 'captured', to: 'partially-refunded', event: 'refund', at: AT.toISOString(), actor: STAFF.actor, reason: 'Bruised bananas' });
    expect(await getOrderRecord(deps, order.id)).toEqual(partial);

    const rest = await refundOrder(order.id, { reason: 'Customer returned the rest' }, 'refund-2', STAFF, deps);
    expect(rest).toMatchObject({ status: 'refunded', payment: { refunded: 1000, status: 'refunded' }, version: 11 });
    expect(refunds.map((r) => [r.intentId, r.amount, r.status])).toEqual([
      [order.payment.intentId, gbp(300), 'succeeded'],
      [order.payment.intentId, gbp(700), 'succeeded'],
    ]);
    expect(calls()).toBe(2);
  });

  it('records each refund’s tax, its share of the tax left, on the order, its record and the day’s books: all of it once refunded in full', async () => {
    const deps = testDeps(counting().gateway);
    const base = anOrder();
    // 67 of tax in the 1,000 captured: the milk's 42 and the fee's 25.
    const order = await aCapturedOrder({
      lines: base.lines.map((line, i) => (i === 0 ? { ...line, tax: { rateBasisPoints: 2000, amount: 42 } } : line)),
      totals: { ...base.totals, tax: 67 },
    });
    const partial = await refundOrder(order.id, { amount: 300, reason: 'Bruised bananas' }, 'tax-1', STAFF, deps);
    expect(partial.payment).toMatchObject({ refunded: 300, refundedTax: 20 });
    const rest = await refundOrder(order.id, { reason: 'The rest' }, 'tax-2', STAFF, deps);
    expect(rest.payment).toMatchObject({ refunded: 1000, refundedTax: 67 });

    const { Items = [] } = await deps.db.send(
      new QueryCommand({ TableName: deps.tableName, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :refund)', ExpressionAttributeValues: { ':pk': `ORDER#${order.id}`, ':refund': 'REFUND#' } }),
    );
    expect(Items.map((item) => [item.amount, item.tax, item.lines]).sort((a, b) => Number(a[0]) - Number(b[0]))).toEqual([
      [300, 20, [{ sku: 'REFUND', description: 'Refund', quantity: 1, amount: 300, tax: 20 }]],
      [700, 47, [{ sku: 'REFUND', description: 'Refund', quantity: 1, amount: 700, tax: 47 }]],
    ]);
    const books = await Promise.all(
      Items.map(async (item) => (await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: keys.financialRecord(AT.toISOString().slice(0, 10), 'REFUND', `${order.id}#${String(item.sk).slice(7)}`) }))).Item),
    );
    expect(books.map((item) => [item?.amount, item?.tax]).sort((a, b) => Number(a[0]) - Number(b[0]))).toEqual([
      [300, 20],
      [700, 47],
    ]);
    // Each refund is announced once, with its tax and lines, in the same transaction (the report totals count it).
    const announced = await Promise.all(
      Items.map(async (item) => (await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: keys.outboxEvent(`order-refunded-${order.id}-${String(item.sk).slice(7)}`) }))).Item),
    );
    expect(announced.map((item) => [item?.detailType, JSON.parse(String(item?.detail)).data.amount, JSON.parse(String(item?.detail)).data.tax]).sort((a, b) => Number(a[1]) - Number(b[1]))).toEqual([
      ['order.refunded', 300, 20],
      ['order.refunded', 700, 47],
    ]);
  });

  it('answers a repeated request (same caller, same key) with the order as it is, refunding nothing more', async () => {
    const { gateway, calls } = counting();
    const deps = testDeps(gateway);
    const order = await aCapturedOrder();
    const first = await refundOrder(order.id, { amount: 250, reason: 'Late delivery' }, 'same-key', STAFF, deps);
    expect(await refundOrder(order.id, { amount: 250, reason: 'Late delivery' }, 'same-key', STAFF, deps)).toEqual(first);
    expect(calls()).toBe(1);
    // Another caller's key of the same text is another request.
    const other = await refundOrder(order.id, { amount: 250, reason: 'Late delivery' }, 'same-key', { actor: 'another-manager', access: chainWide('another-manager') }, deps);
    expect(other.payment.refunded).toBe(500);
    expect(calls()).toBe(2);
  });

  it('records a refund the provider made even when the order changed in between', async () => {
    const { gateway } = counting();
    const deps = testDeps(gateway);
    const order = await aCapturedOrder();
    const racing: PaymentGateway = new Proxy(gateway, {
      get(target, property, receiver) {
        const value: unknown = Reflect.get(target, property, receiver);
        if (property !== 'refund' || typeof value !== 'function') return value;
        return async (...args: Parameters<PaymentGateway['refund']>) => {
          // Another manager's refund lands while this one is at the provider.
          await refundOrder(order.id, { amount: 100, reason: 'Racing refund' }, 'racer', { actor: 'racer', access: chainWide('racer') }, deps);
          return Reflect.apply(value, target, args) as Promise<Refund>;
        };
      },
    });
    const refunded = await refundOrder(order.id, { amount: 200, reason: 'Slow refund' }, 'slow', STAFF, testDeps(racing));
    expect(refunded).toMatchObject({ status: 'partially-refunded', payment: { refunded: 300 }, version: 11 });
    expect(refunded.statusHistory.map((c) => c.reason)).toEqual([undefined, 'Racing refund', 'Slow refund']);
  });

  it('refuses more than is left of the capture with 409 refund-exceeds-capture, before any call to the provider', async () => {
    const { gateway, calls } = counting();
    const deps = testDeps(gateway);
    const order = await aCapturedOrder();
    const error = await appError(refundOrder(order.id, { amount: 1001, reason: 'Too much' }, 'too-much', STAFF, deps));
    expect([error.kind, error.code, error.extensions]).toEqual(['conflict', 'refund-exceeds-capture', { orderId: order.id, amount: 1001, refundable: 1000 }]);
    await refundOrder(order.id, { amount: 900, reason: 'Most of it' }, 'most', STAFF, deps);
    expect((await appError(refundOrder(order.id, { amount: 101, reason: 'Past the rest' }, 'past', STAFF, deps))).code).toBe('refund-exceeds-capture');
    expect(calls()).toBe(1);
    expect((await getOrderRecord(deps, order.id))?.payment).toMatchObject({ refunded: 900, status: 'partially-refunded' });
  });

  it('refuses an order that is not captured, and one already refunded in full, with 409, calling nothing', async () => {
    const { gateway, calls } = counting();
    const deps = testDeps(gateway);
    const confirmed = await aCapturedOrder({ status: 'confirmed', payment: { method: 'pm_card_visa', intentId: 'pi_unused', authorized: 1000, captured: 0, refunded: 0, status: 'authorized' } });
    const error = await appError(refundOrder(confirmed.id, { reason: 'Changed their mind' }, 'k', STAFF, deps));
    expect([error.code, error.extensions]).toEqual(['invalid-order-transition', expect.objectContaining({ from: 'confirmed', event: 'refund' })]);
    const done = await aCapturedOrder();
    await refundOrder(done.id, { reason: 'All of it' }, 'all', STAFF, deps);
    expect((await appError(refundOrder(done.id, { reason: 'Again' }, 'again', STAFF, deps))).code).toBe('invalid-order-transition');
    expect(calls()).toBe(1);
    expect((await appError(refundOrder(ulid(), { reason: 'Nothing' }, 'none', STAFF, deps))).kind).toBe('not-found');
  });

  it('answers another store’s manager 404, as for an order that does not exist, and moves no money', async () => {
    const { gateway, calls } = counting();
    const deps = testDeps(gateway);
    const order = await aCapturedOrder();
    const elsewhere = { actor: 'manager-elsewhere', access: { kind: 'staff', subject: 'manager-elsewhere', stores: ['somewhere-else'] } as OrderAccess };
    const error = await appError(refundOrder(order.id, { reason: 'Not my store' }, 'elsewhere', elsewhere, deps));
    expect([error.kind, error.code]).toEqual(['not-found', 'not-found']);
    const local = { actor: 'manager-here', access: { kind: 'staff', subject: 'manager-here', stores: [order.storeId] } as OrderAccess };
    expect((await refundOrder(order.id, { amount: 100, reason: 'My store' }, 'here', local, deps)).payment.refunded).toBe(100);
    expect(calls()).toBe(1);
  });
});

type Handler = (event: APIGatewayProxyEvent, context: ReturnType<typeof lambdaContext>) => Promise<{ statusCode: number; body: string }>;

const as = (role: 'store-manager' | 'picker'): Principal => ({ subject: `${role}-${token()}`, kind: 'user', roles: [role], scopes: scopesForRoles([role]), stores: ['*'] });

async function post(id: string, body: unknown, principal: Principal, key?: string) {
  const headers: Record<string, string> = { 'Content-Type': 'application/json', ...(key === undefined ? {} : { 'Idempotency-Key': key }) };
  const event = apiEvent({ method: 'POST', resource: '/orders/{id}/refunds', pathParameters: { id }, headers, body: JSON.stringify(body), principal });
  const response = await (refundHandler as unknown as Handler)(event, lambdaContext());
  return { status: response.statusCode, json: JSON.parse(response.body) as Record<string, unknown> & { errors?: { field: string }[] } };
}

describe('POST /orders/{id}/refunds', () => {
  it('refunds with 200 and the order, replays the first answer for the same key, and requires the key', async () => {
    const { gateway, calls } = counting();
    sandboxGateway.current = gateway;
    const order = await aCapturedOrder();
    const manager = as('store-manager');
    const key = `refund-${token()}`;
    const first = await post(order.id, { amount: 400, reason: 'Damaged in delivery' }, manager, key);
    expect(first).toMatchObject({ status: 200, json: { id: order.id, status: 'partially-refunded', payment: { refunded: 400 } } });
    expect(await post(order.id, { amount: 400, reason: 'Damaged in delivery' }, manager, key)).toEqual(first);
    expect(calls()).toBe(1);

    const keyless = await post(order.id, { amount: 400, reason: 'Damaged in delivery' }, manager);
    expect([keyless.status, keyless.json.errors?.map((e) => e.field)]).toEqual([400, ['header.idempotency-key']]);
    const bad = await post(order.id, { amount: 0, reason: '' }, manager, `k-${token()}`);
    expect([bad.status, bad.json.errors?.map((e) => e.field).sort()]).toEqual([400, ['body.amount', 'body.reason']]);
    expect((await post(order.id, { reason: 'Not mine to give' }, as('picker'), `k-${token()}`)).status).toBe(403);
    const otherStore: Principal = { ...manager, subject: `manager-${token()}`, stores: ['another-store'] };
    const hidden = await post(order.id, { reason: 'Not my store' }, otherStore, `k-${token()}`);
    expect([hidden.status, hidden.json.type]).toEqual([404, 'https://smartshelf.dev/problems/not-found']);
    expect(calls()).toBe(1);
  });
});
