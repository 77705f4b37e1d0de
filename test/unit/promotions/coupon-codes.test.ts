import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CouponCode } from '../../../shared/pricing/promotions.js';
import { CODE_ALPHABET, GENERATED_CODE_LENGTH, generateCouponCode, isSingleUse, MIN_SINGLE_USE_CODE_LENGTH, weakCodeReason } from '../../../shared/promotions/coupon-codes.js';
import { CreatePromotionRequest } from '../../../shared/promotions/model.js';

const symbol = fc.constantFrom(...CODE_ALPHABET);
const request = (extra: Record<string, unknown>) => ({
  name: 'Once',
  rule: { kind: 'percent-off', basisPoints: 1000 },
  target: { kind: 'cart' },
  stacking: { priority: 10 },
  schedule: { startsAt: '2030-01-01T00:00:00Z' },
  ...extra,
});
const issuesOf = (input: unknown) => {
  const result = CreatePromotionRequest.safeParse(input);
  return result.success ? [] : result.error.issues.map((issue) => issue.path.join('.'));
};

describe('single-use coupon codes', () => {
  it('are the codes redeemable once in all, not those once per shopper', () => {
    expect(isSingleUse({ total: 1 })).toBe(true);
    expect(isSingleUse({ total: 2 })).toBe(false);
    expect(isSingleUse({})).toBe(false);
    expect(isSingleUse(undefined)).toBe(false);
  });

  it('must be long, of the unambiguous alphabet and varied', () => {
    expect(weakCodeReason('K7Q2M9XD4HZP')).toBeUndefined();
    expect(weakCodeReason('k7q2-m9xd-4hzp')).toBeUndefined();
    expect(weakCodeReason('SAVE5')).toMatch(/at least 12 symbols/);
    expect(weakCodeReason('SPRINGSALE2030')).toMatch(/only the symbols/);
    expect(weakCodeReason('K7Q2M9XD4HZ0O')).toMatch(/only the symbols/);
    expect(weakCodeReason('ABABABABABABABAB')).toMatch(/different symbols/);
  });

  it('refuses every code shorter than the minimum, and every code with a symbol outside the alphabet', () => {
    fc.assert(
      fc.property(fc.array(symbol, { maxLength: MIN_SINGLE_USE_CODE_LENGTH - 1 }), (symbols) => {
        expect(weakCodeReason(symbols.join(''))).toBeDefined();
      }),
    );
    fc.assert(
      fc.property(fc.array(symbol, { minLength: 12, maxLength: 30 }), fc.constantFrom('I', 'L', 'O', 'U', '!', ' '), fc.nat(), (symbols, bad, at) => {
        symbols.splice(at % symbols.length, 0, bad);
        expect(weakCodeReason(symbols.join(''))).toBeDefined();
      }),
    );
  });

  it('are generated strong, of the documented length, and valid coupon codes', () => {
    for (let i = 0; i < 200; i += 1) {
      const code = generateCouponCode();
      expect(code).toHaveLength(GENERATED_CODE_LENGTH);
      expect(weakCodeReason(code)).toBeUndefined();
      expect(CouponCode.parse(code)).toBe(code);
    }
    fc.assert(
      fc.property(fc.infiniteStream(fc.nat()), (stream) => {
        const draws = stream[Symbol.iterator]();
        const code = generateCouponCode((below) => (draws.next().value as number) % below);
        expect(weakCodeReason(code)).toBeUndefined();
      }),
      { numRuns: 50 },
    );
  });

  it('are required strong by POST /promotions when the coupon is single-use, and generated on request', () => {
    expect(issuesOf(request({ couponCode: 'save5', limits: { total: 1 } }))).toEqual(['couponCode']);
    expect(issuesOf(request({ couponCode: 'save5', limits: { perShopper: 1 } }))).toEqual([]);
    expect(issuesOf(request({ couponCode: 'K7Q2M9XD4HZP', limits: { total: 1 } }))).toEqual([]);
    expect(issuesOf(request({ generateCouponCode: true, limits: { total: 1 } }))).toEqual([]);
    expect(issuesOf(request({ generateCouponCode: true, couponCode: 'K7Q2M9XD4HZP' }))).toEqual(['generateCouponCode']);
  });
});
