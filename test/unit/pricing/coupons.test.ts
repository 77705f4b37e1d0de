import { describe, expect, it } from 'vitest';
import { type PricingContext, priceCart } from '../../../shared/pricing/cart-pricing.js';
import { screenPromotions } from '../../../shared/pricing/promotions.js';
import { NOW, context, discountsOf, gbp, promotion, rejectionsOf, units } from './cart-fixtures.js';

const tenOff = (id: string, extra: Record<string, unknown> = {}) =>
  promotion(id, { kind: 'percent-off', basisPoints: 1000 }, { kind: 'cart' }, extra);
const coupon = (id: string, code: string, extra: Record<string, unknown> = {}) => tenOff(id, { couponCode: code, ...extra });
const price = (extra: Partial<PricingContext>) => priceCart([units('a', 1000, 1)], context(extra));

describe('schedules', () => {
  it('refuses a promotion before it starts as not-started, with its code', () => {
    const cart = price({ promotions: [coupon('early', 'EARLY', { schedule: { startsAt: '2025-07-01T00:00:00Z' } })], appliedCoupons: ['EARLY'] });
    expect(cart.rejected).toEqual([{ promotionId: 'early', code: 'EARLY', reason: 'not-started' }]);
    expect(cart.discountTotal.amount).toBe(0);
  });

  it('runs from startsAt inclusive to endsAt exclusive', () => {
    const window = (startsAt: Date, endsAt: Date) => ({ schedule: { startsAt: startsAt.toISOString(), endsAt: endsAt.toISOString() } });
    const ms = (n: number) => new Date(NOW.getTime() + n);
    expect(price({ promotions: [tenOff('p', window(NOW, ms(1)))] }).discountTotal.amount).toBe(100);
    expect(rejectionsOf(price({ promotions: [tenOff('p', window(ms(-10), NOW))] }))).toEqual({ p: 'expired' });
    expect(rejectionsOf(price({ promotions: [tenOff('p', window(ms(1), ms(10)))] }))).toEqual({ p: 'not-started' });
  });
});

describe('usage limits', () => {
  it('refuses a promotion redeemed as often as its total or per-shopper limit allows', () => {
    const limited = tenOff('p', { limits: { total: 100, perShopper: 2 } });
    expect(price({ promotions: [limited], usage: { p: { total: 99, byShopper: 1 } } }).discountTotal.amount).toBe(100);
    expect(rejectionsOf(price({ promotions: [limited], usage: { p: { total: 100, byShopper: 0 } } }))).toEqual({ p: 'usage-limit-reached' });
    expect(rejectionsOf(price({ promotions: [limited], usage: { p: { total: 5, byShopper: 2 } } }))).toEqual({ p: 'usage-limit-reached' });
    expect(price({ promotions: [limited], usage: { other: { total: 1000, byShopper: 1000 } } }).discountTotal.amount).toBe(100);
  });
});

describe('coupons', () => {
  it('apply only while their code is applied, and are not reported when it is not', () => {
    const promotions = [coupon('c', 'SAVE10')];
    expect(price({ promotions }).rejected).toEqual([]);
    expect(price({ promotions }).discountTotal.amount).toBe(0);
    expect(price({ promotions, appliedCoupons: ['SAVE10'] }).discountTotal.amount).toBe(100);
  });

  it('match codes whatever case the shopper typed', () => {
    expect(price({ promotions: [coupon('c', 'SAVE10')], appliedCoupons: ['save10'] }).discountTotal.amount).toBe(100);
  });

  it('list applied codes that no promotion carries as unknown', () => {
    const cart = price({ promotions: [coupon('c', 'SAVE10')], appliedCoupons: ['SAVE10', 'NOPE'] });
    expect(cart.unknownCoupons).toEqual(['NOPE']);
  });

  it('combine when both allow it', () => {
    const cart = price({ promotions: [coupon('c1', 'ONE'), coupon('c2', 'TWO')], appliedCoupons: ['ONE', 'TWO'] });
    expect(discountsOf(cart, 'a')).toEqual({ c1: 100, c2: 90 });
  });

  it('refuse the later-applied coupon as not-combinable when either does not combine', () => {
    const promotions = [coupon('solo', 'SOLO', { combinableWithOtherCoupons: false }), coupon('other', 'OTHER')];
    const soloFirst = price({ promotions, appliedCoupons: ['SOLO', 'OTHER'] });
    expect(soloFirst.rejected).toEqual([{ promotionId: 'other', code: 'OTHER', reason: 'not-combinable', blockedBy: 'solo' }]);
    expect(discountsOf(soloFirst, 'a')).toEqual({ solo: 100 });

    const otherFirst = price({ promotions, appliedCoupons: ['OTHER', 'SOLO'] });
    expect(otherFirst.rejected).toEqual([{ promotionId: 'solo', code: 'SOLO', reason: 'not-combinable', blockedBy: 'other' }]);
  });

  it('that do not combine with coupons still combine with automatic promotions', () => {
    const cart = price({ promotions: [coupon('solo', 'SOLO', { combinableWithOtherCoupons: false }), tenOff('auto')], appliedCoupons: ['SOLO'] });
    expect(discountsOf(cart, 'a')).toEqual({ auto: 100, solo: 90 });
  });

  it('report minimum-not-met for a spend-threshold coupon below its threshold', () => {
    const spend = promotion(
      'spend',
      { kind: 'spend-threshold', minimumSpend: gbp(5000), reward: { kind: 'fixed-off', amount: gbp(500) } },
      { kind: 'cart' },
      { couponCode: 'BIGSHOP' },
    );
    expect(price({ promotions: [spend], appliedCoupons: ['BIGSHOP'] }).rejected).toEqual([
      { promotionId: 'spend', code: 'BIGSHOP', reason: 'minimum-not-met' },
    ]);
  });

  it('report no-eligible-items when nothing in the cart is targeted', () => {
    const cheese = promotion('cheese', { kind: 'percent-off', basisPoints: 1000 }, { kind: 'sku', skus: ['BRIE-1'] }, { couponCode: 'CHEESE' });
    expect(price({ promotions: [cheese], appliedCoupons: ['CHEESE'] }).rejected).toEqual([
      { promotionId: 'cheese', code: 'CHEESE', reason: 'no-eligible-items' },
    ]);
  });
});

describe('screenPromotions', () => {
  it('reports an expired, used-up coupon as expired: the schedule is checked first', () => {
    const expiredAndUsed = coupon('x', 'XMAS', { schedule: { startsAt: '2024-01-01T00:00:00Z', endsAt: '2024-02-01T00:00:00Z' }, limits: { total: 1 } });
    const screening = screenPromotions([expiredAndUsed], { now: NOW, appliedCoupons: ['XMAS'], usage: { x: { total: 1, byShopper: 1 } } });
    expect(screening).toEqual({ candidates: [], rejected: [{ promotionId: 'x', code: 'XMAS', reason: 'expired' }], unknownCoupons: [] });
  });
});
