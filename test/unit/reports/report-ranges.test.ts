import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { counterNames, FEES_RATE, type Counters } from '../../../shared/reports/contribution.js';
import { assembleReport, figuresOf, reportCsv, type Report, type ReportKind, type ReportStore } from '../../../shared/reports/reports.js';

/**
 * The property: the totals of any range equal the sum of its days. Checked on the pure assembly of a report
 * from its stored day items (`assembleReport`, which `getReport` feeds with one Query), for every kind, in JSON and in
 * CSV, with random days of random figures at several rates, jurisdictions and currencies, and random ranges (which may
 * start before or end after the days that have figures).
 */

const KINDS: readonly ReportKind[] = ['sales', 'refunds', 'tax'];
const RATES = ['0', '500', '2000', FEES_RATE];
const JURISDICTIONS = ['GB', 'JP', 'US-NY'];
const DAY_MS = 86_400_000;
const FIRST_DAY = Date.parse('2026-01-01T00:00:00Z');
const dateAt = (index: number): string => new Date(FIRST_DAY + index * DAY_MS).toISOString().slice(0, 10);

/** Every counter a contribution can add, over a few rates and jurisdictions. */
const COUNTERS = [
  ...(['orders', 'gross', 'discounts', 'net', 'tax', 'fees', 'feesTax'] as const).map((field) => counterNames.sales(field)),
  ...(['count', 'amount', 'tax'] as const).map((field) => counterNames.refunds(field)),
  ...RATES.flatMap((rate) => (['net', 'tax'] as const).flatMap((field) => [counterNames.salesRate(rate, field), counterNames.refundsRate(rate, field)])),
  ...JURISDICTIONS.flatMap((j) => RATES.flatMap((rate) => (['salesNet', 'salesTax', 'refundNet', 'refundTax'] as const).map((field) => counterNames.tax(j, rate, field)))),
];

const countersArb: fc.Arbitrary<Counters> = fc.dictionary(fc.constantFrom(...COUNTERS), fc.integer({ min: 0, max: 5_000_000 }), { maxKeys: 20 });

const storeArb: fc.Arbitrary<ReportStore> = fc.record({
  id: fc.constant('store-1'),
  timezone: fc.constantFrom('Europe/London', 'Asia/Tokyo', 'America/New_York'),
  currency: fc.constantFrom('GBP', 'EUR', 'JPY', 'USD'),
});

/** Stored days: day indexes within the first 60 days of 2026, some with figures, most without an item at all. */
const storedArb = fc
  .uniqueArray(fc.tuple(fc.integer({ min: 0, max: 59 }), countersArb), { selector: ([index]) => index, maxLength: 40 })
  .map((days) => days.sort(([a], [b]) => a - b).map(([index, counters]) => ({ day: dateAt(index), currency: 'GBP', counters })));

/** A range of days inside or around the stored ones, as day indexes `[from, to]`. */
const rangeArb = fc.tuple(fc.integer({ min: -5, max: 65 }), fc.integer({ min: 0, max: 70 })).map(([from, length]) => [from, from + length] as const);

/**
 * A report's figures (one day's or the totals) flattened to named amounts, zeros left out, so that figures of any kind
 * can be added up and compared: scalars by name, per-rate figures as `rate.<rate>.<field>`, tax rows as
 * `<jurisdiction>.<rate>.<field>`.
 */
function flatten(kind: ReportKind, figures: Record<string, unknown>): Map<string, number> {
  const flat = new Map<string, number>();
  const put = (name: string, amount: number) => {
    if (amount !== 0) flat.set(name, (flat.get(name) ?? 0) + amount);
  };
  for (const [name, value] of Object.entries(figures)) if (typeof value === 'number') put(name, value);
  if (kind === 'tax') {
    for (const row of figures.rows as Report<'tax'>['totals']['rows']) {
      for (const field of ['salesNet', 'salesTax', 'refundNet', 'refundTax', 'netTax'] as const) put(`${row.jurisdiction}.${row.rateBasisPoints ?? FEES_RATE}.${field}`, row[field]);
    }
  } else {
    for (const rate of figures.taxByRate as Report<'sales'>['totals']['taxByRate']) {
      put(`rate.${rate.rateBasisPoints ?? FEES_RATE}.net`, rate.net);
      put(`rate.${rate.rateBasisPoints ?? FEES_RATE}.tax`, rate.tax);
    }
  }
  return flat;
}

function sum(all: readonly Map<string, number>[]): Map<string, number> {
  const total = new Map<string, number>();
  for (const flat of all) for (const [name, amount] of flat) total.set(name, (total.get(name) ?? 0) + amount);
  for (const [name, amount] of total) if (amount === 0) total.delete(name);
  return total;
}

const sorted = (flat: Map<string, number>) => [...flat].sort(([a], [b]) => a.localeCompare(b));

function report(kind: ReportKind, store: ReportStore, [from, to]: readonly [number, number], stored: Parameters<typeof assembleReport>[3]) {
  return assembleReport(kind, store, { from: dateAt(from), to: dateAt(to) }, stored);
}

describe('a report of any range', () => {
  it('has every day of the range, in order, with the figures of its stored day or zeros', () => {
    fc.assert(
      fc.property(fc.constantFrom(...KINDS), storeArb, storedArb, rangeArb, (kind, store, stored, range) => {
        const assembled = report(kind, store, range, stored);
        expect(assembled.days.map((d) => d.date)).toEqual(Array.from({ length: range[1] - range[0] + 1 }, (_, i) => dateAt(range[0] + i)));
        expect(assembled).toMatchObject({ kind, storeId: store.id, timezone: store.timezone, currency: store.currency });
        const byDate = new Map(stored.map((d) => [d.day, d.counters]));
        for (const day of assembled.days) {
          const { date, ...figures } = day;
          expect(sorted(flatten(kind, figures)), date).toEqual(sorted(flatten(kind, figuresOf(kind, byDate.get(date) ?? {}))));
        }
      }),
    );
  });

  it('totals exactly the sum of its days, every figure of every kind', () => {
    fc.assert(
      fc.property(fc.constantFrom(...KINDS), storeArb, storedArb, rangeArb, (kind, store, stored, range) => {
        const assembled = report(kind, store, range, stored);
        const days = assembled.days.map(({ date: _date, ...figures }) => flatten(kind, figures));
        expect(sorted(flatten(kind, assembled.totals))).toEqual(sorted(sum(days)));
      }),
    );
  });

  it('totals, split anywhere in two, the sum of its two parts', () => {
    fc.assert(
      fc.property(fc.constantFrom(...KINDS), storeArb, storedArb, rangeArb, fc.nat(), (kind, store, stored, [from, to], cut) => {
        const split = from + (to > from ? cut % (to - from) : 0);
        const whole = report(kind, store, [from, to], stored);
        if (split === to) return;
        const first = report(kind, store, [from, split], stored);
        const second = report(kind, store, [split + 1, to], stored);
        expect(sorted(flatten(kind, whole.totals))).toEqual(sorted(sum([flatten(kind, first.totals), flatten(kind, second.totals)])));
        expect([...first.days, ...second.days]).toEqual(whole.days);
      }),
    );
  });

  it('as CSV: its day rows add up to its total rows, which are its JSON totals, all in the store’s currency', () => {
    fc.assert(
      fc.property(fc.constantFrom(...KINDS), storeArb, storedArb, rangeArb, (kind, store, stored, range) => {
        const assembled = report(kind, store, range, stored);
        const rows = parse(reportCsv(assembled), { columns: true }) as Record<string, string>[];
        expect(rows.every((row) => row.currency === store.currency)).toBe(true);
        // A row's amounts by name; the tax report's rows are per jurisdiction and rate, so its names say which.
        const amounts = (row: Record<string, string>) => {
          const flat = new Map<string, number>();
          const prefix = kind === 'tax' ? `${row.jurisdiction}.${row.rateBasisPoints}.` : '';
          for (const [name, value] of Object.entries(row)) {
            if (['date', 'currency', 'jurisdiction', 'rateBasisPoints'].includes(name)) continue;
            if (Number(value) !== 0) flat.set(`${prefix}${name}`, Number(value));
          }
          return flat;
        };
        const dayRows = rows.filter((row) => row.date !== 'total');
        const totalRows = rows.filter((row) => row.date === 'total');
        expect(new Set(dayRows.map((row) => row.date)).size).toBeLessThanOrEqual(assembled.days.length);
        const csvTotals = sum(totalRows.map(amounts));
        expect(sorted(sum(dayRows.map(amounts)))).toEqual(sorted(csvTotals));
        // The CSV carries the scalar figures (sales, refunds) or every tax row: the JSON totals' same figures.
        const jsonTotals = flatten(kind, assembled.totals);
        const comparable = kind === 'tax' ? jsonTotals : new Map([...jsonTotals].filter(([name]) => !name.startsWith('rate.')));
        expect(sorted(csvTotals)).toEqual(sorted(comparable));
      }),
    );
  });
});
