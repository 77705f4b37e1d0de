import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { reportCsv, reportJson, reportObjectKeys } from '../../../shared/billing/reconciliation-report.js';
import type { ReconciliationReport } from '../../../shared/billing/reconciliation-rules.js';

const report: ReconciliationReport = {
  date: '2030-03-04',
  counts: {
    'missing-invoice': 1,
    'orphan-invoice': 1,
    'amount-mismatch': 0,
    'tax-mismatch': 0,
    'status-mismatch': 0,
    'credit-note-missing': 0,
    'captured-not-invoiced': 0,
    'refunded-not-credited': 0,
    'unknown-charge': 0,
    'gateway-amount-mismatch': 0,
  },
  totals: [],
  orders: [],
  discrepancies: [
    { kind: 'missing-invoice', ref: 'o-1', orderId: 'o-1', currency: 'GBP', ours: 1000, resolution: 're-enqueue', reason: "sale of 1000 GBP has no invoice in billing's exports" },
    {
      kind: 'orphan-invoice',
      ref: 'in_1',
      orderId: '=HYPERLINK("http://x"),"a"',
      invoiceReference: 'in_1',
      currency: 'GBP',
      theirs: 500,
      resolution: 'adjustment',
      reason: 'names "=HYPERLINK", which is no sale,\nof ours',
    },
  ],
};

describe('the reconciliation report files', () => {
  it('keeps both under reconciliation/<day>/', () => {
    expect(reportObjectKeys('2030-03-04')).toEqual({ json: 'reconciliation/2030-03-04/report.json', csv: 'reconciliation/2030-03-04/report.csv' });
  });

  it('writes one CSV row per discrepancy under a header, with empty cells for what does not apply, readable back as written', () => {
    const csv = reportCsv(report);
    expect(csv.endsWith('\r\n')).toBe(true);
    const rows = parse(csv, { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(2);
    expect(rows[0]).toEqual({
      date: '2030-03-04',
      kind: 'missing-invoice',
      ref: 'o-1',
      orderId: 'o-1',
      refundRef: '',
      invoiceReference: '',
      currency: 'GBP',
      ours: '1000',
      theirs: '',
      gateway: '',
      resolution: 're-enqueue',
      reason: "sale of 1000 GBP has no invoice in billing's exports",
    });
    // Quotes, commas and line breaks survive; a cell that a spreadsheet would run as a formula does not start like one.
    expect(rows[1]!.reason).toBe('names "=HYPERLINK", which is no sale,\nof ours');
    expect(rows[1]!.orderId).toBe(`'=HYPERLINK("http://x"),"a"`);
  });

  it('writes the same bytes for the same report, JSON ending in a newline', () => {
    expect(reportCsv(structuredClone(report))).toBe(reportCsv(report));
    expect(reportJson(structuredClone(report))).toBe(reportJson(report));
    expect(JSON.parse(reportJson(report))).toEqual(report);
  });
});
