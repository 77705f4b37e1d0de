import { describe, expect, it } from 'vitest';
import { ReportQuery, reportCsv, reportFileName, wantsCsv, type Report } from '../../../shared/reports/reports.js';

describe('a report’s query', () => {
  const query = { storeId: 'london-bridge', from: '2026-01-01', to: '2026-12-31' };

  it('takes a range of up to 366 days, inclusive', () => {
    expect(ReportQuery.safeParse(query).success).toBe(true);
    expect(ReportQuery.safeParse({ ...query, from: '2028-01-01', to: '2028-12-31' }).success).toBe(true);
    expect(ReportQuery.safeParse({ ...query, from: '2026-01-01', to: '2027-01-01' }).success).toBe(true);
  });

  it.each([
    ['a range of 367 days', { from: '2026-01-01', to: '2027-01-02' }, 'to'],
    ['an end before its start', { from: '2026-02-02', to: '2026-02-01' }, 'to'],
    ['a day that does not exist', { from: '2026-02-30' }, 'from'],
    ['a date in another format', { to: '31/12/2026' }, 'to'],
    ['an unknown format', { format: 'xlsx' }, 'format'],
    ['a store id that is no id', { storeId: 'London Bridge' }, 'storeId'],
  ])('refuses %s, naming the field', (_name, change, field) => {
    const parsed = ReportQuery.safeParse({ ...query, ...change });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => issue.path.join('.'))).toContain(field);
  });
});

describe('a report as CSV', () => {
  const report: Report<'tax'> = {
    kind: 'tax',
    storeId: 'london-bridge',
    timezone: 'Europe/London',
    currency: 'GBP',
    from: '2026-07-01',
    to: '2026-07-02',
    days: [
      { date: '2026-07-01', rows: [{ jurisdiction: 'GB', rateBasisPoints: 2000, salesNet: 208, salesTax: 42, refundNet: 0, refundTax: 0, netTax: 42 }] },
      { date: '2026-07-02', rows: [{ jurisdiction: 'GB', rateBasisPoints: null, salesNet: 125, salesTax: 25, refundNet: 0, refundTax: 0, netTax: 25 }] },
    ],
    totals: {
      rows: [
        { jurisdiction: 'GB', rateBasisPoints: 2000, salesNet: 208, salesTax: 42, refundNet: 0, refundTax: 0, netTax: 42 },
        { jurisdiction: 'GB', rateBasisPoints: null, salesNet: 125, salesTax: 25, refundNet: 0, refundTax: 0, netTax: 25 },
      ],
    },
  };

  it('has a header, a row per day, jurisdiction and rate, then the totals', () => {
    expect(reportCsv(report).trim().split('\n')).toEqual([
      'date,currency,jurisdiction,rateBasisPoints,salesNet,salesTax,refundNet,refundTax,netTax',
      '2026-07-01,GBP,GB,2000,208,42,0,0,42',
      '2026-07-02,GBP,GB,fees,125,25,0,0,25',
      'total,GBP,GB,2000,208,42,0,0,42',
      'total,GBP,GB,fees,125,25,0,0,25',
    ]);
    expect(reportFileName(report)).toBe('tax-london-bridge-2026-07-01-to-2026-07-02.csv');
  });

  it('is what ?format=csv or Accept: text/csv asks for, and format=json wins over Accept', () => {
    expect(wantsCsv({ format: 'csv' }, undefined)).toBe(true);
    expect(wantsCsv({}, 'text/csv')).toBe(true);
    expect(wantsCsv({ format: 'json' }, 'text/csv')).toBe(false);
    expect(wantsCsv({}, 'application/json')).toBe(false);
  });
});
