import { randomBytes } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSRecord } from 'aws-lambda';
import { ulid } from 'ulid';
import { describe, expect, it } from 'vitest';
import { orderStatusChangedV1 } from '../../../events/orders/order-status-changed.v1.js';
import { handler as takeBackPoints } from '../../../functions/loyalty/take-back-points.js';
import { dynamo } from '../../../shared/db/client.js';
import { keys } from '../../../shared/db/keys.js';
import { transactWrite } from '../../../shared/db/transact.js';
import { publish } from '../../../shared/events/publisher.js';
import { getLoyaltyAccount, recentLoyaltyEntries } from '../../../shared/loyalty/accounts.js';
import { EarnNotRecordedError, takeBackForRefund, type OrderStatusChange } from '../../../shared/loyalty/clawback.js';
import { loyaltyDeps } from '../../../shared/loyalty/deps.js';
import { earnForOrder } from '../../../shared/loyalty/earn.js';
import { redeemItems } from '../../../shared/loyalty/redemptions.js';
import { orderItem } from '../../../shared/orders/repository.js';
import { engines, takeMessage } from '../../support/engines.js';
import { lambdaContext } from '../../support/lambda.js';
import { anOrder } from '../../unit/orders/fixtures.js';
import type { Order } from '../../../shared/orders/model.js';
import { itemAt } from '../catalog/fixtures.js';

/**
 * Refunds take back the points their order earned (issue 11: loyalty points survived a full refund): in the refunded share,
 * all of them for a full refund, once however the refund events are duplicated, raced or reordered, never below a zero
 * balance; and a fully refunded order's redeemed points go back to the shopper, once.
 */

const NOW = new Date('2031-07-01T10:00:00.000Z');
const deps = () => loyaltyDeps({ tableName: engines().tableName, now: () => NOW });
const token = () => randomBytes(4).toString('hex');

/** An order of £35.50 of goods (35 points) and a £3.99 fee, completed and credited for `shopperId`. */
async function earnedOrder(shopperId: string): Promise<{ orderId: string; captured: number }> {
  const orderId = ulid();
  const lines = [2550, 1000].map((total, i) => ({ sku: `SKU-${i}`, productId: ulid(), quantity: 1, total }));
  expect(await earnForOrder({ orderId, shopperId, storeId: 'store-1', currency: 'GBP', lines, total: 3949, tax: 0, completedAt: NOW.toISOString() }, `evt-${token()}`, deps())).toBe(35);
  return { orderId, captured: 3949 };
}

/** The `order.status-changed` of a refund bringing what was refunded of the order to `refunded`. */
function refund(order: { orderId: string; captured: number }, shopperId: string, refunded: number, version = 10): OrderStatusChange {
  return {
    orderId: order.orderId,
    shopperId,
    storeId: 'store-1',
    channel: 'online',
    from: 'completed',
    to: refunded >= order.captured ? 'refunded' : 'partially-refunded',
    event: 'refund',
    version,
    actor: 'manager-1',
    reason: 'damaged',
    payment: { authorized: order.captured, captured: order.captured, refunded },
    currency: 'GBP',
    at: NOW.toISOString(),
  };
}

const sqsRecord = (body: unknown): SQSRecord => ({
  messageId: token(),
  receiptHandle: `rh-${token()}`,
  body: JSON.stringify(body),
  attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 'local', ApproximateFirstReceiveTimestamp: '0' },
  messageAttributes: {},
  md5OfBody: '',
  eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:eu-west-2:000000000000:loyalty-refunds',
  awsRegion: 'eu-west-2',
});

describe('refunds take back the points their order earned (issue 11)', () => {
  it('takes back every point of a fully refunded order exactly once, however the event is duplicated and raced', async () => {
    const shopper = `shopper-${token()}`;
    const order = await earnedOrder(shopper);
    const change = refund(order, shopper, order.captured);
    await publish(orderStatusChangedV1, change);
    const delivered = await takeMessage('loyalty-refunds', (body) => (body as { detail?: { data?: { orderId?: string } } }).detail?.data?.orderId === order.orderId);

    const handled = await Promise.all([
      takeBackPoints({ Records: [sqsRecord(delivered), sqsRecord(delivered)] }, lambdaContext()),
      takeBackPoints({ Records: [sqsRecord(delivered)] }, lambdaContext()),
      takeBackForRefund(change, deps()),
      takeBackForRefund(change, deps()),
    ]);
    expect(handled.slice(0, 2)).toEqual([{ batchItemFailures: [] }, { batchItemFailures: [] }]);
    expect(await takeBackForRefund(change, deps())).toEqual({ taken: 0, shortfall: 0, returned: 0 });

    expect(await getLoyaltyAccount(shopper, deps())).toMatchObject({ balance: 0, lifetimeEarned: 35 });
    const entries = await recentLoyaltyEntries(shopper, 20, deps());
    expect(entries.filter((e) => e.kind === 'clawback')).toEqual([{ id: expect.any(String), kind: 'clawback', points: -35, source: { type: 'order', id: order.orderId }, at: expect.any(String) }]);
    expect(await itemAt(keys.loyaltyClawback(shopper, order.orderId))).toMatchObject({ due: 35, taken: 35, shortfall: 0 });
  });

  it('takes back the refunded share of a partial refund, the rest once it is refunded in full, and ignores an overtaken event', async () => {
    const shopper = `shopper-${token()}`;
    const order = await earnedOrder(shopper);
    // £10 of £39.49 refunded: the shopper keeps what £29.49 earns of the 35 points (26), so 9 come back.
    expect(await takeBackForRefund(refund(order, shopper, 1000, 10), deps())).toEqual({ taken: 9, shortfall: 0, returned: 0 });
    expect((await getLoyaltyAccount(shopper, deps())).balance).toBe(26);
    expect(await takeBackForRefund(refund(order, shopper, order.captured, 11), deps())).toEqual({ taken: 26, shortfall: 0, returned: 0 });
    expect(await takeBackForRefund(refund(order, shopper, 1000, 10), deps())).toEqual({ taken: 0, shortfall: 0, returned: 0 });
    expect((await getLoyaltyAccount(shopper, deps())).balance).toBe(0);
  });

  it('takes the balance to zero, never below, when the points were already spent, and records what it could not take', async () => {
    const shopper = `shopper-${token()}`;
    const order = await earnedOrder(shopper);
    await transactWrite(deps(), redeemItems(shopper, 30, ulid(), deps()));
    expect(await takeBackForRefund(refund(order, shopper, order.captured), deps())).toEqual({ taken: 5, shortfall: 30, returned: 0 });
    expect((await getLoyaltyAccount(shopper, deps())).balance).toBe(0);
    expect(await itemAt(keys.loyaltyClawback(shopper, order.orderId))).toMatchObject({ due: 35, taken: 5, shortfall: 30 });
    // Later points are the shopper's: the shortfall is not taken from them.
    await earnedOrder(shopper);
    expect(await takeBackForRefund(refund(order, shopper, order.captured), deps())).toEqual({ taken: 0, shortfall: 0, returned: 0 });
    expect((await getLoyaltyAccount(shopper, deps())).balance).toBe(35);
  });

  it('gives a fully refunded order’s redeemed points back once, and keeps them spent for a partial refund', async () => {
    const shopper = `shopper-${token()}`;
    const order = await earnedOrder(shopper);
    await transactWrite(deps(), redeemItems(shopper, 20, order.orderId, deps()));
    expect((await getLoyaltyAccount(shopper, deps())).balance).toBe(15);
    expect(await takeBackForRefund(refund(order, shopper, 1000), deps())).toMatchObject({ returned: 0 });
    expect(await takeBackForRefund(refund(order, shopper, order.captured, 11), deps())).toEqual({ taken: 26, shortfall: 0, returned: 20 });
    expect(await takeBackForRefund(refund(order, shopper, order.captured, 11), deps())).toEqual({ taken: 0, shortfall: 0, returned: 0 });
    // 35 earned − 20 redeemed + 20 given back − 35 taken back.
    expect((await getLoyaltyAccount(shopper, deps())).balance).toBe(0);
  });

  it('waits while a completed order’s points are on their way, and takes nothing for an order refunded before it completed', async () => {
    const shopper = `shopper-${token()}`;
    const history: Order['statusHistory'] = [
      { from: 'captured', to: 'completed', event: 'complete', at: NOW.toISOString(), actor: 'checkout-saga' },
      { from: 'completed', to: 'refunded', event: 'refund', at: NOW.toISOString(), actor: 'manager-1' },
    ];
    const completed = anOrder({ id: ulid(), shopperId: shopper, status: 'refunded', statusHistory: history, loyalty: { pointsRedeemed: 0, redemptionAmount: 0, pointsEarned: 10 } });
    await dynamo.send(new PutCommand({ TableName: engines().tableName, Item: orderItem(completed) }));
    const early = refund({ orderId: completed.id, captured: 1000 }, shopper, 1000);
    await expect(takeBackForRefund(early, deps())).rejects.toBeInstanceOf(EarnNotRecordedError);
    expect((await takeBackPoints({ Records: [sqsRecord({ 'detail-type': 'order.status-changed', source: 'smartshelf.orders', detail: { id: 'e1', version: 1, data: early } })] }, lambdaContext())).batchItemFailures).toHaveLength(1);

    // An order priced to earn nothing, completed before such orders were marked, never will be: nothing to wait for.
    const earnsNothing = anOrder({ id: ulid(), shopperId: shopper, status: 'refunded', statusHistory: history, loyalty: { pointsRedeemed: 0, redemptionAmount: 0, pointsEarned: 0 } });
    await dynamo.send(new PutCommand({ TableName: engines().tableName, Item: orderItem(earnsNothing) }));
    expect(await takeBackForRefund(refund({ orderId: earnsNothing.id, captured: 1000 }, shopper, 1000), deps())).toEqual({ taken: 0, shortfall: 0, returned: 0 });

    const neverCompleted = refund({ orderId: ulid(), captured: 1000 }, shopper, 1000);
    expect(await takeBackForRefund(neverCompleted, deps())).toEqual({ taken: 0, shortfall: 0, returned: 0 });
    expect(await takeBackForRefund({ ...neverCompleted, currency: 'EUR' }, deps())).toEqual({ taken: 0, shortfall: 0, returned: 0 });
  });
});
