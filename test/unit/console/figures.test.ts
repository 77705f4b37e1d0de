import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addDays,
  changedFields,
  formatRate,
  money,
  moneyInput,
  parseMoney,
  parseRate,
} from '../../../console/src/pages/figures.js';

describe('the console figures', () => {
  it('formats integer minor units as money in their currency', () => {
    expect(money(1250, 'GBP')).toBe('£12.50');
    expect(money(-320, 'GBP')).toBe('-£3.20');
    expect(money(1200, 'JPY')).toBe('JP¥1,200');
  });

  it('reads back any amount it shows for editing, in minor units', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100_000_000 }), fc.constantFrom('GBP', 'EUR', 'JPY'), (minor, currency) => {
        expect(parseMoney(moneyInput(minor, currency), currency)).toBe(minor);
      }),
    );
  });

  it('refuses amounts that are negative, not numbers or finer than the currency', () => {
    expect(parseMoney('-1', 'GBP')).toBeUndefined();
    expect(parseMoney('abc', 'GBP')).toBeUndefined();
    expect(parseMoney('1.005', 'GBP')).toBeUndefined();
    expect(parseMoney('1.5', 'JPY')).toBeUndefined();
    expect(parseMoney('1,200.5', 'GBP')).toBe(120_050);
  });

  it('shows basis points as percentages and reads percentages back', () => {
    expect(formatRate(2000)).toBe('20%');
    expect(formatRate(550)).toBe('5.5%');
    expect(formatRate(null)).toBe('fees');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000 }), (bp) => {
        expect(parseRate(formatRate(bp))).toBe(bp);
      }),
    );
    expect(parseRate('100.01')).toBeUndefined();
    expect(parseRate('5.555')).toBeUndefined();
    expect(parseRate('')).toBeUndefined();
  });

  it('counts days across month and year ends', () => {
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
  });

  it('lists only the fields an audit entry changed, money as money', () => {
    const before = { status: 'completed', currency: 'GBP', 'SKU-1': { amount: 250, currency: 'GBP' } };
    const after = { status: 'refunded', currency: 'GBP', 'SKU-1': { amount: 275, currency: 'GBP' }, reason: 'split' };
    expect(changedFields(before, after)).toEqual([
      { field: 'status', before: 'completed', after: 'refunded' },
      { field: 'SKU-1', before: '£2.50', after: '£2.75' },
      { field: 'reason', before: '—', after: 'split' },
    ]);
  });

  it('shows a replaced table by the cells that moved', () => {
    const before = { version: 4, rates: { GB: { food: 50, alcohol: 2000 }, IE: { food: 0 } } };
    const after = { version: 5, rates: { GB: { alcohol: 2000, food: 0 }, IE: { food: 0 }, FR: { food: 550 } } };
    expect(changedFields(before, after)).toEqual([
      { field: 'version', before: '4', after: '5' },
      { field: 'rates.GB.food', before: '50', after: '0' },
      { field: 'rates.FR', before: '—', after: '{"food":550}' },
    ]);
  });
});
