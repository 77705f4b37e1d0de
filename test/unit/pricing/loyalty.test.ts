import { describe, expect, it } from 'vitest';
import { priceCart } from '../../../shared/pricing/cart-pricing.js';
import { LoyaltyPolicy, pointsEarned, redeemPoints } from '../../../shared/pricing/loyalty.js';
import { POLICY, context, gbp, promotion, units } from './cart-fixtures.js';

describe('LoyaltyPolicy schema', () => {
  it('accepts the fixture policy and refuses a zero-value point block', () => {
    expect(LoyaltyPolicy.parse(POLICY)).toEqual(POLICY);
    const result = LoyaltyPolicy.safeParse({ ...POLICY, redeem: { points: 100, value: gbp(0) } });
    expect(result.error?.issues[0]?.path).toEqual(['redeem', 'value', 'amount']);
  });
});

describe('redeemPoints', () => {
  // POLICY: 100 points = £1, at most 50 % of the goods, at least 100 points.
  it('redeems what was asked when every limit allows it', () => {
    expect(redeemPoints({ balance: 1000, pointsToRedeem: 500 }, POLICY, 2000)).toEqual({ points: 500, amount: 500 });
  });

  it.each([
    ['the balance', { balance: 300, pointsToRedeem: 500 }, 2000, { points: 300, amount: 300, limitedBy: 'balance' }],
    ['the maximum share of the goods', { balance: 5000, pointsToRedeem: 1500 }, 2000, { points: 1000, amount: 1000, limitedBy: 'max-share' }],
    ['whole blocks', { balance: 1000, pointsToRedeem: 250 }, 2000, { points: 200, amount: 200, limitedBy: 'whole-blocks' }],
    ['the minimum, when asked for too few', { balance: 1000, pointsToRedeem: 50 }, 2000, { points: 0, amount: 0, limitedBy: 'minimum-points' }],
  ])('is limited by %s', (_name, request, goods, expected) => {
    expect(redeemPoints(request, POLICY, goods)).toEqual(expected);
  });

  it('redeems nothing when the limits leave less than the minimum', () => {
    const policy = { ...POLICY, minPointsToRedeem: 300 };
    expect(redeemPoints({ balance: 250, pointsToRedeem: 500 }, policy, 5000)).toEqual({ points: 0, amount: 0, limitedBy: 'minimum-points' });
  });

  it('rounds the maximum share down, so it is never exceeded', () => {
    // 50 % of 1999 is 999.5: at most 999 pence, so 9 blocks of £1.
    expect(redeemPoints({ balance: 5000, pointsToRedeem: 1000 }, POLICY, 1999)).toEqual({ points: 900, amount: 900, limitedBy: 'max-share' });
  });

  it('refuses a negative or fractional balance', () => {
    expect(() => redeemPoints({ balance: -1, pointsToRedeem: 0 }, POLICY, 100)).toThrow(RangeError);
    expect(() => redeemPoints({ balance: 1.5, pointsToRedeem: 0 }, POLICY, 100)).toThrow(RangeError);
  });
});

describe('pointsEarned', () => {
  it('earns per whole unit of spend, rounding down', () => {
    expect(pointsEarned(POLICY, 1999)).toBe(19);
    expect(pointsEarned({ ...POLICY, earn: { points: 2, per: gbp(50), basis: 'gross' } }, 175)).toBe(6);
  });
});

describe('loyalty in priceCart', () => {
  // Food at 0 % and wine at 20 %, tax-exclusive.
  const lines = [units('bread', 1000, 1), units('wine', 1000, 1, { taxCategory: 'alcohol' })];

  it('spreads the redemption over the lines like a discount, so tax is on what is paid', () => {
    const cart = priceCart(lines, context({ loyalty: { balance: 2000, pointsToRedeem: 500, policy: POLICY } }));
    expect(cart.lines.map((l) => [l.loyaltyRedemption.amount, l.tax.amount.amount, l.total.amount])).toEqual([
      [250, 0, 750],
      [250, 150, 900],
    ]);
    expect(cart.loyalty).toEqual({ pointsRedeemed: 500, redemptionAmount: gbp(500), pointsEarned: 16 });
    expect(cart.discountTotal.amount).toBe(0);
    expect(cart.total.amount).toBe(1650);
  });

  it('earns on what is paid for goods, gross or net of tax as the policy says', () => {
    const net = { ...POLICY, earn: { ...POLICY.earn, basis: 'net' as const } };
    expect(priceCart(lines, context({ loyalty: { balance: 2000, pointsToRedeem: 500, policy: net } })).loyalty.pointsEarned).toBe(15);
  });

  it('caps the redemption at its share of the goods after promotions', () => {
    const half = promotion('half', { kind: 'percent-off', basisPoints: 5000 });
    const cart = priceCart(lines, context({ promotions: [half], loyalty: { balance: 5000, pointsToRedeem: 2000, policy: POLICY } }));
    expect(cart.loyalty).toMatchObject({ pointsRedeemed: 500, limitedBy: 'max-share' });
  });

  it('reports no points when there is no loyalty account', () => {
    expect(priceCart(lines, context()).loyalty).toEqual({ pointsRedeemed: 0, redemptionAmount: gbp(0), pointsEarned: 0 });
  });
});
