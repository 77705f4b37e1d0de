import { randomBytes } from 'node:crypto';
import type { SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { orderCompletedV1 } from '../../../events/orders/order-completed.v1.js';
import { handler as earnPoints } from '../../../functions/loyalty/earn-points.js';
import { handler as getLoyalty } from '../../../functions/loyalty/get-loyalty.js';
import { keys } from '../../../shared/db/keys.js';
import { TransactionCancelled, transactWrite } from '../../../shared/db/transact.js';
import { publish } from '../../../shared/events/publisher.js';
import { getLoyaltyAccount, loyaltySummary, recentLoyaltyEntries } from '../../../shared/loyalty/accounts.js';
import { loyaltyDeps } from '../../../shared/loyalty/deps.js';
import { earnForOrder, type CompletedOrder } from '../../../shared/loyalty/earn.js';
import { walkInShopper } from '../../../shared/orders/model.js';
import { shopperOfLoyaltyId } from '../../../shared/loyalty/loyalty-ids.js';
import { LOYALTY_POLICY } from '../../../shared/loyalty/policy.js';
import { redeemFailure, redeemItems, reverseRedeemItems } from '../../../shared/loyalty/redemptions.js';
import { engines, takeMessage } from '../../support/engines.js';
import { apiEvent, lambdaContext } from '../../support/lambda.js';
import { itemAt } from '../catalog/fixtures.js';

const NOW = new Date('2031-06-01T10:00:00.000Z');
const deps = () => loyaltyDeps({ tableName: engines().tableName, now: () => NOW });
const token = () => randomBytes(4).toString('hex');

function completedOrder(shopperId: string, lineTotals: number[] = [2550, 1000]): CompletedOrder {
  return {
    orderId: `order-${token()}`,
    shopperId,
    storeId: 'store-1',
    currency: 'GBP',
    lines: lineTotals.map((total, i) => ({ sku: `SKU-${i}`, productId: `01JPRODUCT${i}AAAAAAAAAAAAAAA`.slice(0, 26), quantity: 1, total })),
    total: lineTotals.reduce((a, b) => a + b, 0) + 399,
    tax: 0,
    completedAt: NOW.toISOString(),
  };
}

const sqsRecord = (body: unknown, messageId = token()): SQSRecord => ({
  messageId,
  receiptHandle: `rh-${messageId}`,
  body: JSON.stringify(body),
  attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 'local', ApproximateFirstReceiveTimestamp: '0' },
  messageAttributes: {},
  md5OfBody: '',
  eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:eu-west-2:000000000000:loyalty-earn',
  awsRegion: 'eu-west-2',
});

/** Earns points for a shopper the way completed orders do, and returns the order. */
async function earn(shopperId: string, lineTotals: number[]): Promise<CompletedOrder> {
  const order = completedOrder(shopperId, lineTotals);
  await earnForOrder(order, `evt-${token()}`, deps());
  return order;
}

describe('earning points for completed orders', () => {
  it('routes order.completed to the loyalty queue, and a message delivered twice earns once', async () => {
    const shopper = `shopper-${token()}`;
    const order = completedOrder(shopper);
    await publish(orderCompletedV1, order);
    const delivered = await takeMessage('loyalty-earn', (body) => (body as { detail?: { data?: { orderId?: string } } }).detail?.data?.orderId === order.orderId);

    const first = await earnPoints({ Records: [sqsRecord(delivered)] }, lambdaContext());
    const again = await earnPoints({ Records: [sqsRecord(delivered)] }, lambdaContext());
    expect(first).toEqual({ batchItemFailures: [] });
    expect(again).toEqual({ batchItemFailures: [] });

    expect(await getLoyaltyAccount(shopper, deps())).toMatchObject({ balance: 35, lifetimeEarned: 35, version: 1 });
    expect(await recentLoyaltyEntries(shopper, 20, deps())).toEqual([
      { id: expect.any(String), kind: 'earn', points: 35, source: { type: 'order', id: order.orderId }, at: expect.any(String) },
    ]);
    expect(await itemAt(keys.processedEvent('loyalty-earn', order.orderId))).toMatchObject({ points: 35 });
  });

  it('earns once per order even when the order is announced again under another event id', async () => {
    const shopper = `shopper-${token()}`;
    const order = completedOrder(shopper, [1000]);
    expect(await earnForOrder(order, 'evt-1', deps())).toBe(10);
    expect(await earnForOrder(order, 'evt-2', deps())).toBe(0);
    expect(await getLoyaltyAccount(shopper, deps())).toMatchObject({ balance: 10, lifetimeEarned: 10 });
  });

  it('credits concurrent orders of one shopper without losing any', async () => {
    const shopper = `shopper-${token()}`;
    await Promise.all(Array.from({ length: 8 }, () => earn(shopper, [500])));
    expect(await getLoyaltyAccount(shopper, deps())).toMatchObject({ balance: 40, lifetimeEarned: 40, version: 8 });
  });

  it('moves no balance for an order that earns no points, but marks it counted for its refunds', async () => {
    const shopper = `shopper-${token()}`;
    const order = completedOrder(shopper, [99]);
    expect(await earnForOrder(order, 'evt-small', deps())).toBe(0);
    expect(await itemAt(keys.loyaltyAccount(shopper))).toBeUndefined();
    expect(await itemAt(keys.processedEvent('loyalty-earn', order.orderId))).toMatchObject({ points: 0 });
  });

  it('credits no one for a walk-in’s sale at a till, but marks it counted for its refunds', async () => {
    const store = `store-${token()}`;
    const order = completedOrder(walkInShopper(store), [5000]);
    expect(await earnForOrder(order, 'evt-walk-in', deps())).toBe(0);
    expect(await itemAt(keys.loyaltyAccount(walkInShopper(store)))).toBeUndefined();
    expect(await itemAt(keys.processedEvent('loyalty-earn', order.orderId))).toMatchObject({ points: 0 });
  });

  it('writes nothing for an order in another currency than the scheme’s', async () => {
    const shopper = `shopper-${token()}`;
    const order = { ...completedOrder(shopper, [5000]), currency: 'EUR' };
    expect(await earnForOrder(order, 'evt-eur', deps())).toBe(0);
    expect(await itemAt(keys.processedEvent('loyalty-earn', order.orderId))).toBeUndefined();
  });

  it('fails an off-contract message so that it ends in the DLQ, crediting nothing', async () => {
    const result = await earnPoints(
      { Records: [sqsRecord({ 'detail-type': 'order.completed', source: 'smartshelf.orders', detail: { id: 'e', version: 1, data: { orderId: 'x' } } }, 'bad')] },
      lambdaContext(),
    );
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'bad' }] });
  });
});

describe('redeeming points at checkout', () => {
  it('spends points only while the balance covers them', async () => {
    const shopper = `shopper-${token()}`;
    await earn(shopper, [25_000]);
    await transactWrite(deps(), redeemItems(shopper, 200, 'order-r1', deps()));
    expect(await getLoyaltyAccount(shopper, deps())).toMatchObject({ balance: 50, lifetimeEarned: 250 });

    const short = await transactWrite(deps(), redeemItems(shopper, 100, 'order-r2', deps())).catch((e: unknown) => e);
    expect(short).toBeInstanceOf(TransactionCancelled);
    expect(redeemFailure(short as TransactionCancelled, 100)).toMatchObject({ code: 'insufficient-points' });
    expect(await getLoyaltyAccount(shopper, deps())).toMatchObject({ balance: 50 });
    expect((await recentLoyaltyEntries(shopper, 20, deps())).map((e) => [e.kind, e.points])).toEqual([
      ['redeem', -200],
      ['earn', 250],
    ]);
  });

  it('lets only one of two concurrent redemptions spend the same points', async () => {
    const shopper = `shopper-${token()}`;
    await earn(shopper, [15_000]);
    const results = await Promise.allSettled(['order-c1', 'order-c2'].map((orderId) => transactWrite(deps(), redeemItems(shopper, 100, orderId, deps()))));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(await getLoyaltyAccount(shopper, deps())).toMatchObject({ balance: 50 });
  });

  it('refuses a second redemption for one order and a shopper with no account', async () => {
    const shopper = `shopper-${token()}`;
    await earn(shopper, [50_000]);
    await transactWrite(deps(), redeemItems(shopper, 100, 'order-once', deps()));
    const twice = await transactWrite(deps(), redeemItems(shopper, 100, 'order-once', deps())).catch((e: unknown) => e);
    expect(redeemFailure(twice as TransactionCancelled, 100)).toMatchObject({ code: 'points-already-redeemed' });
    const nobody = await transactWrite(deps(), redeemItems(`shopper-${token()}`, 100, `order-${token()}`, deps())).catch((e: unknown) => e);
    expect(redeemFailure(nobody as TransactionCancelled, 100)).toMatchObject({ code: 'insufficient-points' });
    expect((await getLoyaltyAccount(shopper, deps())).balance).toBe(400);
  });

  it('gives back a redemption once, and only the redemption it names', async () => {
    const shopper = `shopper-${token()}`;
    await earn(shopper, [30_000]);
    await transactWrite(deps(), redeemItems(shopper, 300, 'order-back', deps()));
    await expect(transactWrite(deps(), reverseRedeemItems(shopper, 200, 'order-back', deps()))).rejects.toBeInstanceOf(TransactionCancelled);
    await transactWrite(deps(), reverseRedeemItems(shopper, 300, 'order-back', deps()));
    await expect(transactWrite(deps(), reverseRedeemItems(shopper, 300, 'order-back', deps()))).rejects.toBeInstanceOf(TransactionCancelled);
    expect(await getLoyaltyAccount(shopper, deps())).toMatchObject({ balance: 300, lifetimeEarned: 300 });
    expect((await recentLoyaltyEntries(shopper, 20, deps())).map((e) => e.kind)).toEqual(['reverse', 'redeem', 'earn']);
  });
});

describe('GET /loyalty', () => {
  const call = async (principal: Parameters<typeof apiEvent>[0]['principal']) => {
    const response = await getLoyalty(apiEvent({ method: 'GET', resource: '/loyalty', ...(principal ? { principal } : {}) }), lambdaContext());
    return { status: response.statusCode, body: JSON.parse(response.body) as Record<string, unknown> };
  };

  it('shows the caller’s own account, the policy and recent entries', async () => {
    const shopper = `shopper-${token()}`;
    await earn(shopper, [1200]);
    const { status, body } = await call({ subject: shopper, kind: 'user', roles: ['shopper'], scopes: ['cart:write'], stores: [] });
    expect(status).toBe(200);
    expect(body).toEqual({ ...(await loyaltySummary(shopper, deps())), policy: LOYALTY_POLICY });
    expect(body).toMatchObject({ shopperId: shopper, balance: 12, recentEntries: [{ kind: 'earn', points: 12 }] });
  });

  it('shows an empty account to a shopper who never earned', async () => {
    const shopper = `shopper-${token()}`;
    const { body } = await call({ subject: shopper, kind: 'user', roles: ['shopper'], scopes: ['cart:write'], stores: [] });
    expect(body).toMatchObject({ shopperId: shopper, balance: 0, lifetimeEarned: 0, version: 0, recentEntries: [] });
  });

  it('issues each shopper one loyalty identifier on first sight, the same on every read however many first reads race (issue 11)', async () => {
    const shopper = `shopper-${token()}`;
    const principal = { subject: shopper, kind: 'user' as const, roles: ['shopper' as const], scopes: ['cart:write' as const], stores: [] };
    const first = await Promise.all([call(principal), call(principal), call(principal)]);
    const ids = new Set(first.map((answer) => answer.body.loyaltyId));
    expect(ids.size).toBe(1);
    const [loyaltyId] = [...ids] as string[];
    expect(loyaltyId).toMatch(/^[0-9A-HJKMNP-TV-Z]{16}$/);
    expect((await call(principal)).body.loyaltyId).toBe(loyaltyId);
    expect(await shopperOfLoyaltyId(loyaltyId!, deps())).toBe(shopper);
    expect(await getLoyaltyAccount(shopper, deps())).toMatchObject({ balance: 0, lifetimeEarned: 0, version: 0, loyaltyId });
    // Earning afterwards moves the balance of the same account.
    await earn(shopper, [1000]);
    expect(await getLoyaltyAccount(shopper, deps())).toMatchObject({ balance: 10, version: 1, loyaltyId });
    expect((await call({ ...principal, subject: `shopper-${token()}` })).body.loyaltyId).not.toBe(loyaltyId);
  });

  it('answers 401 without credentials and 403 without cart:write', async () => {
    expect((await call(undefined)).status).toBe(401);
    const forbidden = await call({ subject: 'picker-1', kind: 'user', roles: ['picker'], scopes: ['orders:pick'], stores: ['*'] });
    expect(forbidden).toMatchObject({ status: 403, body: { requiredScope: 'cart:write' } });
  });
});
