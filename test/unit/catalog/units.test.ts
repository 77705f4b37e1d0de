import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { divideHalfUp, priceForVolume, priceForWeight, toGrams, toMillilitres, unitPrice } from '../../../shared/catalog/units.js';

const gbp = (amount: number) => ({ amount, currency: 'GBP' });
const amount = fc.integer({ min: 0, max: 100_000_000 });
const content = fc.integer({ min: 1, max: 1_000_000 });

describe('unitPrice', () => {
  it('prices a 400 g tin at 120 as 300 per kg', () => {
    expect(unitPrice({ soldBy: 'each', price: gbp(120), netContent: { quantity: 400, unit: 'g' } })).toEqual({
      amount: 300,
      currency: 'GBP',
      per: 'kg',
    });
  });

  it('prices a pack of 6 at 300 as 50 per item', () => {
    expect(unitPrice({ soldBy: 'pack', price: gbp(300), packSize: 6 })).toEqual({ amount: 50, currency: 'GBP', per: 'item' });
  });

  it('compares a pack with a stated volume per litre, not per item', () => {
    expect(unitPrice({ soldBy: 'pack', price: gbp(450), packSize: 6, netContent: { quantity: 1980, unit: 'ml' } })).toEqual({
      amount: 227,
      currency: 'GBP',
      per: 'l',
    });
  });

  it('keeps weight and volume prices as they are, per kg and per litre', () => {
    expect(unitPrice({ soldBy: 'weight', price: gbp(199) })).toEqual({ amount: 199, currency: 'GBP', per: 'kg' });
    expect(unitPrice({ soldBy: 'volume', price: gbp(89) })).toEqual({ amount: 89, currency: 'GBP', per: 'l' });
  });

  it('prices a plain item without content per item at its own price', () => {
    expect(unitPrice({ soldBy: 'each', price: gbp(75) })).toEqual({ amount: 75, currency: 'GBP', per: 'item' });
  });

  it('rounds half up at the final step only', () => {
    // 1 penny for 3 items is 0.333.. → 0; 5 pence for 2 items is 2.5 → 3; 250 g at 1 is 4 per kg exactly.
    expect(unitPrice({ soldBy: 'each', price: gbp(1), netContent: { quantity: 3, unit: 'unit' } }).amount).toBe(0);
    expect(unitPrice({ soldBy: 'each', price: gbp(5), netContent: { quantity: 2, unit: 'unit' } }).amount).toBe(3);
    expect(unitPrice({ soldBy: 'each', price: gbp(1), netContent: { quantity: 250, unit: 'g' } }).amount).toBe(4);
    // 333 pence for 2 kg of content: 166.5 per kg rounds to 167, not 166.
    expect(unitPrice({ soldBy: 'each', price: gbp(333), netContent: { quantity: 2000, unit: 'g' } }).amount).toBe(167);
  });

  it('times the content gives back the price, within half a unit of rounding', () => {
    fc.assert(
      fc.property(amount, content, (price, grams) => {
        const perKg = unitPrice({ soldBy: 'each', price: gbp(price), netContent: { quantity: grams, unit: 'g' } }).amount;
        // |perKg - price*1000/grams| <= 1/2, scaled by grams to stay in integers.
        expect(Math.abs(perKg * grams - price * 1000) * 2).toBeLessThanOrEqual(grams);
      }),
    );
  });

  it('times the pack size gives back the price, within half a unit of rounding', () => {
    fc.assert(
      fc.property(amount, fc.integer({ min: 2, max: 1000 }), (price, packSize) => {
        const perItem = unitPrice({ soldBy: 'pack', price: gbp(price), packSize }).amount;
        expect(Math.abs(perItem * packSize - price) * 2).toBeLessThanOrEqual(packSize);
      }),
    );
  });

  it('is never negative and always a whole number of minor units', () => {
    fc.assert(
      fc.property(amount, content, fc.constantFrom('g' as const, 'ml' as const, 'unit' as const), (price, quantity, unit) => {
        const result = unitPrice({ soldBy: 'each', price: gbp(price), netContent: { quantity, unit } });
        expect(result.amount).toBeGreaterThanOrEqual(0);
        expect(Number.isSafeInteger(result.amount)).toBe(true);
      }),
    );
  });

  it('never falls when the price rises', () => {
    fc.assert(
      fc.property(amount, amount, content, (a, b, ml) => {
        const [low, high] = a <= b ? [a, b] : [b, a];
        const at = (price: number) => unitPrice({ soldBy: 'each', price: gbp(price), netContent: { quantity: ml, unit: 'ml' } }).amount;
        expect(at(low)).toBeLessThanOrEqual(at(high));
      }),
    );
  });
});

describe('divideHalfUp', () => {
  it('matches exact rational rounding even where floating-point division would not', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), fc.integer({ min: 1, max: 2_000_000 }), (n, d) => {
        const q = divideHalfUp(n, d);
        // q is the half-up rounding of n/d exactly when q - 1/2 <= n/d < q + 1/2.
        expect(2 * q * d - d).toBeLessThanOrEqual(2 * n);
        expect(2 * n).toBeLessThan(2 * q * d + d);
      }),
    );
  });

  it('refuses a zero divisor and negative or fractional operands', () => {
    expect(() => divideHalfUp(1, 0)).toThrow(RangeError);
    expect(() => divideHalfUp(-1, 2)).toThrow(RangeError);
    expect(() => divideHalfUp(1.5, 2)).toThrow(RangeError);
  });
});

describe('weighed and measured prices', () => {
  it('charges 1500 g at 200 per kg as 300, and 250 ml at 400 per litre as 100', () => {
    expect(priceForWeight(gbp(200), 1500)).toEqual(gbp(300));
    expect(priceForVolume(gbp(400), 250)).toEqual(gbp(100));
  });

  it('rounds a weighed price half up: 125 g at 2 per kg is 0.25 → 0, 250 g at 2 per kg is 0.5 → 1', () => {
    expect(priceForWeight(gbp(2), 125).amount).toBe(0);
    expect(priceForWeight(gbp(2), 250).amount).toBe(1);
  });
});

describe('gram and millilitre conversions', () => {
  it('converts label quantities exactly, without binary floating-point drift', () => {
    expect(toGrams('0.1', 'kg')).toBe(100);
    expect(toGrams(0.1, 'kg')).toBe(100);
    expect(toGrams(1.005, 'kg')).toBe(1005);
    expect(toGrams('415', 'g')).toBe(415);
    expect(toMillilitres('33', 'cl')).toBe(330);
    expect(toMillilitres(0.7, 'l')).toBe(700);
  });

  it('rounds sub-unit quantities half up', () => {
    expect(toGrams('1500', 'mg')).toBe(2);
    expect(toGrams('1499', 'mg')).toBe(1);
    expect(toMillilitres('0.0005', 'l')).toBe(1);
  });

  it('agrees with integer scaling for whole kilograms and litres', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), (n) => {
        expect(toGrams(n, 'kg')).toBe(n * 1000);
        expect(toMillilitres(String(n), 'l')).toBe(n * 1000);
      }),
    );
  });

  it('refuses quantities that are not non-negative decimals', () => {
    expect(() => toGrams('-1', 'g')).toThrow(RangeError);
    expect(() => toGrams('1e3', 'g')).toThrow(RangeError);
    expect(() => toMillilitres(Number.NaN, 'ml')).toThrow(RangeError);
  });
});
