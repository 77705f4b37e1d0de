import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { money } from '../../../shared/pricing/money.js';
import { type TaxCategory, type TaxMode, TaxRateTable, UnknownJurisdictionError, lineTax, taxRate } from '../../../shared/pricing/tax.js';

const table: TaxRateTable = {
  GB: { food: 0, 'non-food': 2000, alcohol: 2000 },
  IE: { food: 0, 'non-food': 2300, alcohol: 2300 },
  DE: { food: 700, 'non-food': 1900, alcohol: 1900 },
};
const line = (amount: number, taxCategory: TaxCategory = 'non-food', jurisdiction = 'GB') => ({
  amount: money(amount, 'GBP'),
  taxCategory,
  jurisdiction,
});

const abs = (n: bigint) => (n < 0n ? -n : n);
const amountArb = fc.integer({ min: -1_000_000_000, max: 1_000_000_000 });
const rateArb = fc.integer({ min: 0, max: 10_000 });
const modeArb = fc.constantFrom<TaxMode>('exclusive', 'inclusive');
const singleRate = (rate: number): TaxRateTable => ({ XX: { food: rate, 'non-food': rate, alcohol: rate } });

describe('lineTax examples', () => {
  it('adds 20 % on top of a tax-exclusive price, rounding the half penny up', () => {
    expect(lineTax(line(1), table, 'exclusive')).toMatchObject({ tax: { amount: 0 }, gross: { amount: 1 } });
    expect(lineTax(line(1003), table, 'exclusive')).toMatchObject({
      net: { amount: 1003 },
      tax: { amount: 201 },
      gross: { amount: 1204 },
      rateBasisPoints: 2000,
    });
    expect(lineTax(line(1002), table, 'exclusive').tax.amount).toBe(200);
  });

  it('extracts 20 % from a tax-inclusive shelf price without changing the price', () => {
    // 1.20 / 1.2 = 1.00 exactly; 1.99 / 1.2 = 1.658…, so net 166 and tax 33.
    expect(lineTax(line(120), table, 'inclusive')).toMatchObject({ net: { amount: 100 }, tax: { amount: 20 }, gross: { amount: 120 } });
    expect(lineTax(line(199), table, 'inclusive')).toMatchObject({ net: { amount: 166 }, tax: { amount: 33 }, gross: { amount: 199 } });
  });

  it('uses the rate of the line’s category in its jurisdiction', () => {
    expect(lineTax(line(1000, 'food', 'GB'), table, 'exclusive').tax.amount).toBe(0);
    expect(lineTax(line(1000, 'food', 'DE'), table, 'exclusive').tax.amount).toBe(70);
    expect(lineTax(line(1000, 'alcohol', 'IE'), table, 'exclusive').tax.amount).toBe(230);
  });

  it('refuses a jurisdiction the table does not know, including inherited object keys', () => {
    expect(() => lineTax(line(100, 'food', 'FR'), table, 'exclusive')).toThrow(UnknownJurisdictionError);
    expect(() => taxRate(table, 'constructor', 'food')).toThrow(UnknownJurisdictionError);
  });

  it('validates a rate table from configuration, rejecting fractional or missing rates', () => {
    expect(TaxRateTable.safeParse(table).success).toBe(true);
    expect(TaxRateTable.safeParse({ GB: { food: 0, 'non-food': 2000.5, alcohol: 2000 } }).success).toBe(false);
    expect(TaxRateTable.safeParse({ GB: { food: 0, alcohol: 2000 } }).success).toBe(false);
  });
});

describe('lineTax properties', () => {
  it('exclusive tax lands within half a minor unit of net × rate', () => {
    fc.assert(
      fc.property(amountArb, rateArb, (net, rate) => {
        const { tax } = lineTax(line(net, 'food', 'XX'), singleRate(rate), 'exclusive');
        const error = BigInt(tax.amount) * 10_000n - BigInt(net) * BigInt(rate);
        expect(2n * abs(error) <= 10_000n).toBe(true);
      }),
    );
  });

  it('inclusive tax lands within half a minor unit of gross − gross / (1 + rate)', () => {
    fc.assert(
      fc.property(amountArb, rateArb, (gross, rate) => {
        const { tax } = lineTax(line(gross, 'food', 'XX'), singleRate(rate), 'inclusive');
        // exact tax = gross × rate / (10 000 + rate); compare scaled by the denominator to stay in integers.
        const denominator = 10_000n + BigInt(rate);
        const error = BigInt(tax.amount) * denominator - BigInt(gross) * BigInt(rate);
        expect(2n * abs(error) <= denominator).toBe(true);
      }),
    );
  });

  it('net + tax equals gross exactly in both modes', () => {
    fc.assert(
      fc.property(amountArb, rateArb, modeArb, (amount, rate, mode) => {
        const { net, tax, gross } = lineTax(line(amount, 'food', 'XX'), singleRate(rate), mode);
        expect(net.amount + tax.amount).toBe(gross.amount);
        expect(mode === 'inclusive' ? gross.amount : net.amount).toBe(amount);
      }),
    );
  });

  it('never goes negative for a non-negative price, and returns integers in the line’s currency', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000_000 }), rateArb, modeArb, (amount, rate, mode) => {
        const result = lineTax(line(amount, 'food', 'XX'), singleRate(rate), mode);
        for (const m of [result.net, result.tax, result.gross]) {
          expect(Number.isSafeInteger(m.amount)).toBe(true);
          expect(m.amount).toBeGreaterThanOrEqual(0);
          expect(m.currency).toBe('GBP');
        }
      }),
    );
  });

  it('is deterministic', () => {
    fc.assert(
      fc.property(amountArb, rateArb, modeArb, (amount, rate, mode) => {
        expect(lineTax(line(amount, 'food', 'XX'), singleRate(rate), mode)).toEqual(
          lineTax(line(amount, 'food', 'XX'), singleRate(rate), mode),
        );
      }),
    );
  });
});
