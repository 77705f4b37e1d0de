import { describe, expect, it } from 'vitest';
import { TransactionCancelled } from '../../../shared/db/transact.js';
import { pointsForOrder } from '../../../shared/loyalty/earn.js';
import { LOYALTY_POLICY } from '../../../shared/loyalty/policy.js';
import { redeemFailure, redeemItems, reverseRedeemItems } from '../../../shared/loyalty/redemptions.js';
import { LoyaltyPolicy, redeemPoints } from '../../../shared/pricing/loyalty.js';

const order = (totals: number[], extra: { currency?: string; tax?: number } = {}) => ({
  currency: extra.currency ?? 'GBP',
  tax: extra.tax ?? 0,
  lines: totals.map((total, i) => ({ sku: `SKU-${i}`, productId: `P${i}`, quantity: 1, total })),
});

describe('LOYALTY_POLICY', () => {
  it('is 1 point per £1, 100-point blocks worth £1, at most half the goods, as documented', () => {
    expect(LoyaltyPolicy.parse(LOYALTY_POLICY)).toEqual({
      earn: { points: 1, per: { amount: 100, currency: 'GBP' }, basis: 'gross' },
      redeem: { points: 100, value: { amount: 100, currency: 'GBP' } },
      maxRedeemBasisPoints: 5000,
      minPointsToRedeem: 100,
    });
  });

  it('lets £40 of goods take at most £20 of points, in whole blocks of 100', () => {
    expect(redeemPoints({ balance: 5000, pointsToRedeem: 5000 }, LOYALTY_POLICY, 4000)).toMatchObject({ points: 2000, amount: 2000, limitedBy: 'max-share' });
    expect(redeemPoints({ balance: 250, pointsToRedeem: 250 }, LOYALTY_POLICY, 4000)).toMatchObject({ points: 200, amount: 200 });
  });
});

describe('points for a completed order', () => {
  it('earns 1 point per whole £1 of the line totals, fees excluded', () => {
    expect(pointsForOrder(order([1250, 799]))).toBe(20);
    expect(pointsForOrder(order([99]))).toBe(0);
  });

  it('earns nothing on an order in another currency than the scheme’s', () => {
    expect(pointsForOrder(order([10_000], { currency: 'EUR' }))).toBe(0);
  });

  it('takes the order’s tax off first on the net basis', () => {
    const net = LoyaltyPolicy.parse({ ...LOYALTY_POLICY, earn: { ...LOYALTY_POLICY.earn, basis: 'net' } });
    expect(pointsForOrder(order([1200], { tax: 200 }), net)).toBe(10);
    expect(pointsForOrder(order([100], { tax: 500 }), net)).toBe(0);
  });
});

describe('redemption items', () => {
  const deps = { tableName: 't', now: () => new Date('2026-03-01T10:00:00Z'), newId: () => '01JABCDEFGHJKMNPQRSTVWXYZ0' };

  it('spends only under the condition balance >= points, with a mark per order and a ledger entry', () => {
    const items = redeemItems('shopper-1', 300, 'order-1', deps);
    expect(items).toHaveLength(3);
    expect(items[0]!.Put).toMatchObject({ Item: { pk: 'PROCESSED#loyalty-redeem#order-1' }, ConditionExpression: 'attribute_not_exists(pk)' });
    expect(items[1]!.Update).toMatchObject({ ConditionExpression: 'balance >= :needed', ExpressionAttributeValues: { ':needed': 300, ':points': -300 } });
    expect(items[2]!.Put!.Item).toMatchObject({ kind: 'redeem', points: -300, source: { type: 'order', id: 'order-1' } });
  });

  it('refuses to build a redemption of nothing or of a fraction', () => {
    for (const points of [0, -100, 1.5]) expect(() => redeemItems('s', points, 'o', deps)).toThrow(RangeError);
  });

  it('reverses only the redemption it names, once', () => {
    const [check, mark, balance, entry] = reverseRedeemItems('shopper-1', 300, 'order-1', deps);
    expect(check!.ConditionCheck).toMatchObject({ Key: { pk: 'PROCESSED#loyalty-redeem#order-1' }, ExpressionAttributeValues: { ':points': 300 } });
    expect(mark!.Put).toMatchObject({ Item: { pk: 'PROCESSED#loyalty-redeem-reversal#order-1' }, ConditionExpression: 'attribute_not_exists(pk)' });
    expect(balance!.Update!.ExpressionAttributeValues).toMatchObject({ ':points': 300 });
    expect(entry!.Put!.Item).toMatchObject({ kind: 'reverse', points: 300 });
  });

  it('explains a cancelled checkout by the item that failed, wherever the items sit in it', () => {
    const at = (codes: string[]) => new TransactionCancelled(codes);
    expect(redeemFailure(at(['None', 'None', 'None', 'ConditionalCheckFailed', 'None']), 200, 2)).toMatchObject({ code: 'insufficient-points', kind: 'unprocessable' });
    expect(redeemFailure(at(['None', 'None', 'ConditionalCheckFailed', 'None', 'None']), 200, 2)).toMatchObject({ code: 'points-already-redeemed', kind: 'conflict' });
    expect(redeemFailure(at(['ConditionalCheckFailed', 'None', 'None', 'None', 'None']), 200, 2)).toBeUndefined();
  });
});
