import { stringify } from 'csv-stringify/sync';
import type { Discrepancy, ReconciliationReport } from './reconciliation-rules.js';

/**
 * The reconciliation report's files. Both are functions of the report alone (no generation time, no ids), so a rerun
 * of an unchanged day writes the same bytes; when it ran is kept in the summary item instead.
 */

/** Where a day's report files live in the exports bucket. */
export function reportObjectKeys(date: string): { json: string; csv: string } {
  return { json: `reconciliation/${date}/report.json`, csv: `reconciliation/${date}/report.csv` };
}

/** The report as JSON, indented for people who open it, ending in a newline. */
export function reportJson(report: ReconciliationReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

const CSV_COLUMNS = ['date', 'kind', 'ref', 'orderId', 'refundRef', 'invoiceReference', 'currency', 'ours', 'theirs', 'gateway', 'resolution', 'reason'] as const;

/**
 * One row per discrepancy, in report order, under a header row; empty cells where a field does not apply. `ours`,
 * `theirs` (billing's) and `gateway` are the three sides' figures.
 */
export function reportCsv(report: ReconciliationReport): string {
  const cell = (value: string | number | undefined) => (value === undefined ? '' : String(value));
  const row = (d: Discrepancy) => [
    report.date,
    d.kind,
    d.ref,
    cell(d.orderId),
    cell(d.refundRef),
    cell(d.invoiceReference),
    cell(d.currency),
    cell(d.ours),
    cell(d.theirs),
    cell(d.gateway),
    d.resolution,
    d.reason,
  ];
  // RFC 4180 line ends. Refs come from the billing system's data and the file is opened in spreadsheets, so a cell
  // starting like a formula is defused.
  return stringify([[...CSV_COLUMNS], ...report.discrepancies.map(row)], { record_delimiter: 'windows', escape_formulas: true });
}
