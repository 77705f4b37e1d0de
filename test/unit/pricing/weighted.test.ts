import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { money } from '../../../shared/pricing/money.js';
import { authorizationEstimate, weightedLinePrice } from '../../../shared/pricing/weighted.js';

const perKg = (amount: number) => money(amount, 'GBP');
const priceArb = fc.integer({ min: 0, max: 10_000_000 });
const gramsArb = fc.integer({ min: 0, max: 100_000 });
const bufferArb = fc.integer({ min: 0, max: 10_000 });
const abs = (n: bigint) => (n < 0n ? -n : n);

describe('weightedLinePrice', () => {
  it('prices grams from a per-kilogram price, rounding the half penny up', () => {
    // £2.99/kg × 500 g = 149.5p → 150p; × 333 g = 99.567p → 100p; × 1001 g = 299.299p → 299p.
    expect(weightedLinePrice(perKg(299), 500)).toEqual(perKg(150));
    expect(weightedLinePrice(perKg(299), 333)).toEqual(perKg(100));
    expect(weightedLinePrice(perKg(299), 1001)).toEqual(perKg(299));
  });

  it('refuses negative or fractional grams', () => {
    expect(() => weightedLinePrice(perKg(299), -1)).toThrow(RangeError);
    expect(() => weightedLinePrice(perKg(299), 12.5)).toThrow(RangeError);
  });

  it('lands within half a minor unit of price × grams / 1000, never negative, always an integer', () => {
    fc.assert(
      fc.property(priceArb, gramsArb, (price, grams) => {
        const { amount } = weightedLinePrice(perKg(price), grams);
        expect(Number.isSafeInteger(amount)).toBe(true);
        expect(amount).toBeGreaterThanOrEqual(0);
        expect(2n * abs(BigInt(amount) * 1000n - BigInt(price) * BigInt(grams)) <= 1000n).toBe(true);
        expect(weightedLinePrice(perKg(price), grams)).toEqual({ amount, currency: 'GBP' });
      }),
    );
  });
});

describe('authorizationEstimate', () => {
  it('adds the buffer to the estimated price and rounds the hold up', () => {
    // 299 × 500 g × 1.10 / 1000 = 164.45p → 165p.
    expect(authorizationEstimate(perKg(299), 500, 1000)).toEqual(perKg(165));
    expect(authorizationEstimate(perKg(1000), 1000, 1000)).toEqual(perKg(1100));
    expect(authorizationEstimate(perKg(299), 500, 0)).toEqual(perKg(150));
  });

  it('refuses a negative buffer', () => {
    expect(() => authorizationEstimate(perKg(299), 500, -1)).toThrow(RangeError);
  });

  it('covers the price of any picked weight up to the estimate plus the buffer', () => {
    fc.assert(
      fc.property(priceArb, gramsArb, bufferArb, fc.double({ min: 0, max: 1, noNaN: true }), (price, grams, buffer, fraction) => {
        const hold = authorizationEstimate(perKg(price), grams, buffer).amount;
        const maxPicked = Math.floor((grams * (10_000 + buffer)) / 10_000);
        const picked = Math.floor(maxPicked * fraction);
        expect(Number.isSafeInteger(hold)).toBe(true);
        expect(weightedLinePrice(perKg(price), picked).amount).toBeLessThanOrEqual(hold);
        expect(weightedLinePrice(perKg(price), maxPicked).amount).toBeLessThanOrEqual(hold);
      }),
    );
  });

  it('exceeds the exact buffered price by less than one minor unit', () => {
    fc.assert(
      fc.property(priceArb, gramsArb, bufferArb, (price, grams, buffer) => {
        const hold = BigInt(authorizationEstimate(perKg(price), grams, buffer).amount);
        const exact = BigInt(price) * BigInt(grams) * (10_000n + BigInt(buffer));
        expect(hold * 10_000_000n >= exact).toBe(true);
        expect(hold * 10_000_000n - exact < 10_000_000n).toBe(true);
        expect(authorizationEstimate(perKg(price), grams, buffer).amount).toBe(Number(hold));
      }),
    );
  });
});
