import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { divideCeiling, divideRoundHalfUp, toSafeInteger } from '../../../shared/pricing/rounding.js';

describe('divideRoundHalfUp', () => {
  it('rounds halves away from zero and everything else to the nearest integer', () => {
    expect([5n, 15n, 14n, 16n, -5n, -15n, -14n].map((n) => divideRoundHalfUp(n, 10n))).toEqual([1n, 2n, 1n, 2n, -1n, -2n, -1n]);
  });

  it('refuses a zero or negative denominator', () => {
    expect(() => divideRoundHalfUp(1n, 0n)).toThrow(RangeError);
    expect(() => divideRoundHalfUp(1n, -2n)).toThrow(RangeError);
  });

  it('is within half of the exact quotient', () => {
    fc.assert(
      fc.property(fc.bigInt(), fc.bigInt({ min: 1n, max: 10n ** 12n }), (n, d) => {
        const error = divideRoundHalfUp(n, d) * d - n;
        expect(2n * (error < 0n ? -error : error) <= d).toBe(true);
      }),
    );
  });
});

describe('divideCeiling', () => {
  it('rounds towards positive infinity for both signs', () => {
    expect([11n, 10n, 0n, -11n, -10n].map((n) => divideCeiling(n, 10n))).toEqual([2n, 1n, 0n, -1n, -1n]);
  });

  it('is the least integer not below the exact quotient', () => {
    fc.assert(
      fc.property(fc.bigInt(), fc.bigInt({ min: 1n, max: 10n ** 12n }), (n, d) => {
        const q = divideCeiling(n, d);
        expect(q * d >= n && (q - 1n) * d < n).toBe(true);
      }),
    );
  });
});

describe('toSafeInteger', () => {
  it('refuses values beyond the safe-integer range', () => {
    expect(toSafeInteger(BigInt(Number.MAX_SAFE_INTEGER))).toBe(Number.MAX_SAFE_INTEGER);
    expect(() => toSafeInteger(BigInt(Number.MAX_SAFE_INTEGER) + 1n)).toThrow(RangeError);
  });
});
