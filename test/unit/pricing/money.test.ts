import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CurrencyMismatchError, add, allocate, money, multiply, percentOf, subtract } from '../../../shared/pricing/money.js';

const gbp = (amount: number) => money(amount, 'GBP');
const amountArb = fc.integer({ min: -1_000_000_000, max: 1_000_000_000 });
const nonNegativeAmountArb = fc.integer({ min: 0, max: 1_000_000_000 });
const weightsArb = fc
  .array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 1, maxLength: 20 })
  .filter((ws) => ws.some((w) => w > 0));

describe('money arithmetic', () => {
  it('adds and subtracts amounts of one currency, allowing a negative difference', () => {
    expect(add(gbp(150), gbp(275))).toEqual(gbp(425));
    expect(subtract(gbp(150), gbp(275))).toEqual(gbp(-125));
  });

  it('multiplies a unit price by an integer quantity', () => {
    expect(multiply(gbp(199), 3)).toEqual(gbp(597));
  });

  it('refuses to combine different currencies', () => {
    expect(() => add(gbp(1), money(1, 'EUR'))).toThrow(CurrencyMismatchError);
    expect(() => subtract(gbp(1), money(1, 'EUR'))).toThrow('cannot combine GBP with EUR');
  });

  it('refuses fractional amounts, fractional factors and malformed currencies', () => {
    expect(() => money(1.5, 'GBP')).toThrow(RangeError);
    expect(() => money(1, 'gbp')).toThrow(RangeError);
    expect(() => multiply(gbp(100), 1.5)).toThrow(RangeError);
  });

  it('refuses results outside the safe-integer range instead of losing precision', () => {
    expect(() => add(gbp(Number.MAX_SAFE_INTEGER), gbp(1))).toThrow(RangeError);
  });
});

describe('percentOf', () => {
  it('rounds an exact half up, away from zero', () => {
    expect(percentOf(gbp(125), 1000)).toEqual(gbp(13));
    expect(percentOf(gbp(-125), 1000)).toEqual(gbp(-13));
  });

  it('rounds below a half down', () => {
    expect(percentOf(gbp(124), 1000)).toEqual(gbp(12));
  });

  it('lands within half a minor unit of the exact share, as an integer', () => {
    fc.assert(
      fc.property(amountArb, fc.integer({ min: 0, max: 100_000 }), (amount, bp) => {
        const result = percentOf(gbp(amount), bp).amount;
        expect(Number.isSafeInteger(result)).toBe(true);
        const error = BigInt(result) * 10_000n - BigInt(amount) * BigInt(bp);
        expect(2n * (error < 0n ? -error : error) <= 10_000n).toBe(true);
      }),
    );
  });

  it('negates exactly when the amount is negated', () => {
    fc.assert(
      fc.property(amountArb, fc.integer({ min: 0, max: 100_000 }), (amount, bp) => {
        expect(percentOf(gbp(-amount), bp).amount + percentOf(gbp(amount), bp).amount).toBe(0);
      }),
    );
  });
});

describe('allocate', () => {
  it('gives the leftover unit to the part with the largest remainder', () => {
    expect(allocate(gbp(100), [1, 1, 1]).map((m) => m.amount)).toEqual([34, 33, 33]);
    expect(allocate(gbp(10), [1, 2]).map((m) => m.amount)).toEqual([3, 7]);
  });

  it('breaks a tie between equal remainders in favour of the earlier part', () => {
    expect(allocate(gbp(5), [3, 7]).map((m) => m.amount)).toEqual([2, 3]);
  });

  it('splits a discount across lines in proportion to their prices', () => {
    expect(allocate(gbp(-100), [250, 750]).map((m) => m.amount)).toEqual([-25, -75]);
  });

  it('gives nothing to a zero weight', () => {
    expect(allocate(gbp(7), [0, 1, 0, 1]).map((m) => m.amount)).toEqual([0, 4, 0, 3]);
  });

  it('refuses no weights, negative weights and all-zero weights', () => {
    expect(() => allocate(gbp(1), [])).toThrow(RangeError);
    expect(() => allocate(gbp(1), [1, -1])).toThrow(RangeError);
    expect(() => allocate(gbp(1), [0, 0])).toThrow(RangeError);
  });

  it('always sums exactly to the total', () => {
    fc.assert(
      fc.property(amountArb, weightsArb, (amount, weights) => {
        const parts = allocate(gbp(amount), weights);
        expect(parts).toHaveLength(weights.length);
        expect(parts.reduce((sum, p) => sum + p.amount, 0)).toBe(amount);
        expect(parts.every((p) => p.currency === 'GBP' && Number.isSafeInteger(p.amount))).toBe(true);
      }),
    );
  });

  it('keeps every part strictly less than one minor unit from its exact share', () => {
    fc.assert(
      fc.property(amountArb, weightsArb, (amount, weights) => {
        const weightSum = weights.reduce((sum, w) => sum + BigInt(w), 0n);
        allocate(gbp(amount), weights).forEach((part, i) => {
          const error = BigInt(part.amount) * weightSum - BigInt(amount) * BigInt(weights[i] ?? 0);
          expect((error < 0n ? -error : error) < weightSum).toBe(true);
        });
      }),
    );
  });

  it('never produces a negative part from a non-negative total', () => {
    fc.assert(
      fc.property(nonNegativeAmountArb, weightsArb, (amount, weights) => {
        expect(allocate(gbp(amount), weights).every((p) => p.amount >= 0)).toBe(true);
      }),
    );
  });

  it('is deterministic', () => {
    fc.assert(
      fc.property(amountArb, weightsArb, (amount, weights) => {
        expect(allocate(gbp(amount), weights)).toEqual(allocate(gbp(amount), weights));
      }),
    );
  });
});
