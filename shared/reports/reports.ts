import { stringify } from 'csv-stringify/sync';
import { z } from 'zod';
import { actsAtStore, type Principal } from '../auth/principal.js';
import type { TableDeps } from '../db/deps.js';
import { NotFoundError } from '../errors.js';
import { ok, type HttpResult } from '../http/responses.js';
import { requireStore } from '../stores/repository.js';
import { StoreId, type Store } from '../stores/model.js';
import { FEES_RATE, sumCounters, type Counters } from './contribution.js';
import { readDays } from './running-totals.js';

/**
 * The sales, refunds and tax reports: a store's running totals (`running-totals.ts`) for a range of its local days,
 * each day and the range's totals, as JSON or CSV. A range reads one Query of at most {@link MAX_REPORT_DAYS} items.
 */

/** The longest range a report covers: a leap year. */
export const MAX_REPORT_DAYS = 366;

export type ReportKind = 'sales' | 'refunds' | 'tax';

/** A calendar date, `yyyy-mm-dd`, that exists. */
const LocalDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date, yyyy-mm-dd')
  .refine((date) => {
    const at = Date.parse(`${date}T00:00:00.000Z`);
    // Date.parse rolls 2026-02-30 over to March rather than failing, so the date must come back unchanged.
    return Number.isFinite(at) && new Date(at).toISOString().startsWith(date);
  }, 'must be a date that exists');

/** Whole days from `from` to `to` (both `yyyy-mm-dd`): 0 for the same day. */
function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** `GET /reports/{sales,refunds,tax}`: one store, days `from` to `to` inclusive in its time zone, JSON unless CSV is asked for. */
export const ReportQuery = z
  .strictObject({
    storeId: StoreId,
    from: LocalDate,
    to: LocalDate,
    /** `csv` for a download; `Accept: text/csv` asks the same. */
    format: z.enum(['json', 'csv']).optional(),
  })
  .superRefine((query, ctx) => {
    const span = daysBetween(query.from, query.to);
    if (span < 0) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be on or after from' });
    else if (span + 1 > MAX_REPORT_DAYS) ctx.addIssue({ code: 'custom', path: ['to'], message: `must be at most ${MAX_REPORT_DAYS} days from from, inclusive` });
  });
export type ReportQuery = z.infer<typeof ReportQuery>;

/** Minor units of the report's currency; refunds' counters are positive amounts given back. */
const Minor = z.number().int();

/** One tax rate's part: net of tax and the tax, minor units. */
export const RateFigures = z.strictObject({
  /** The rate in basis points (2000 is 20%); null for fees, whose rate orders do not record. */
  rateBasisPoints: z.number().int().nonnegative().nullable(),
  net: Minor,
  tax: Minor,
});
export type RateFigures = z.infer<typeof RateFigures>;

/** Sales: orders completed, `gross` before promotions and loyalty redemption, `net` as captured (tax included), its tax, fees. */
export const SalesFigures = z.strictObject({
  orders: z.number().int().nonnegative(),
  gross: Minor,
  discounts: Minor,
  net: Minor,
  tax: Minor,
  /** Delivery and service fees as paid (tax included), and the tax in them. */
  fees: Minor,
  feesTax: Minor,
  taxByRate: z.array(RateFigures),
});

/** Refunds made: how many, what was given back (tax included) and the tax in it. */
export const RefundsFigures = z.strictObject({
  refunds: z.number().int().nonnegative(),
  amount: Minor,
  tax: Minor,
  taxByRate: z.array(RateFigures),
});

/** One jurisdiction and rate of the tax summary: sales' and refunds' parts net of tax and their tax. */
export const TaxRow = z.strictObject({
  jurisdiction: z.string(),
  rateBasisPoints: z.number().int().nonnegative().nullable(),
  salesNet: Minor,
  salesTax: Minor,
  refundNet: Minor,
  refundTax: Minor,
  /** Tax owed for the row: sales' tax less refunds'. */
  netTax: Minor,
});
export type TaxRow = z.infer<typeof TaxRow>;

export const TaxFigures = z.strictObject({ rows: z.array(TaxRow) });

/** What every report says besides its figures: the store, its time zone and currency, and the range of days. */
const reportFields = {
  storeId: z.string(),
  /** The IANA time zone whose calendar days the report's days are. */
  timezone: z.string(),
  currency: z.string(),
  from: z.string(),
  to: z.string(),
};

/** Each report: every day of the range (zeros where nothing happened), then its totals. */
export const SalesReport = z.strictObject({ kind: z.literal('sales'), ...reportFields, days: z.array(SalesFigures.extend({ date: z.string() })), totals: SalesFigures });
export const RefundsReport = z.strictObject({ kind: z.literal('refunds'), ...reportFields, days: z.array(RefundsFigures.extend({ date: z.string() })), totals: RefundsFigures });
export const TaxReport = z.strictObject({ kind: z.literal('tax'), ...reportFields, days: z.array(TaxFigures.extend({ date: z.string() })), totals: TaxFigures });

type Reports = { sales: z.infer<typeof SalesReport>; refunds: z.infer<typeof RefundsReport>; tax: z.infer<typeof TaxReport> };
export type Report<K extends ReportKind> = Reports[K];
type Figures = { [K in ReportKind]: Reports[K]['totals'] };

const rateValue = (rate: string): number | null => (rate === FEES_RATE ? null : Number(rate));
/** Numeric rates ascending, fees last. */
const byRate = (a: { rateBasisPoints: number | null }, b: { rateBasisPoints: number | null }) => (a.rateBasisPoints ?? Infinity) - (b.rateBasisPoints ?? Infinity);

function ratesOf(counters: Counters, prefix: string): RateFigures[] {
  const rates = new Map<string, RateFigures>();
  for (const [name, amount] of Object.entries(counters)) {
    const match = name.startsWith(prefix) ? /^([^.]+)\.(net|tax)$/.exec(name.slice(prefix.length)) : null;
    if (!match) continue;
    const rate = match[1]!;
    const figures = rates.get(rate) ?? { rateBasisPoints: rateValue(rate), net: 0, tax: 0 };
    figures[match[2] as 'net' | 'tax'] += amount;
    rates.set(rate, figures);
  }
  return [...rates.values()].sort(byRate);
}

/** The figures of one kind in a set of counters (a day's, or a range's sum). Pure. */
export function figuresOf<K extends ReportKind>(kind: K, counters: Counters): Figures[K] {
  const n = (name: string) => counters[name] ?? 0;
  if (kind === 'sales') {
    const sales: Figures['sales'] = {
      orders: n('sales.orders'),
      gross: n('sales.gross'),
      discounts: n('sales.discounts'),
      net: n('sales.net'),
      tax: n('sales.tax'),
      fees: n('sales.fees'),
      feesTax: n('sales.feesTax'),
      taxByRate: ratesOf(counters, 'sales.rate.'),
    };
    return sales as Figures[K];
  }
  if (kind === 'refunds') {
    const refunds: Figures['refunds'] = { refunds: n('refunds.count'), amount: n('refunds.amount'), tax: n('refunds.tax'), taxByRate: ratesOf(counters, 'refunds.rate.') };
    return refunds as Figures[K];
  }
  const rows = new Map<string, TaxRow>();
  for (const [name, amount] of Object.entries(counters)) {
    const match = /^tax\.([^.]+)\.([^.]+)\.(salesNet|salesTax|refundNet|refundTax)$/.exec(name);
    if (!match) continue;
    const [, jurisdiction, rate, field] = match as unknown as [string, string, string, 'salesNet' | 'salesTax' | 'refundNet' | 'refundTax'];
    const key = `${jurisdiction}.${rate}`;
    const row = rows.get(key) ?? { jurisdiction, rateBasisPoints: rateValue(rate), salesNet: 0, salesTax: 0, refundNet: 0, refundTax: 0, netTax: 0 };
    row[field] += amount;
    row.netTax = row.salesTax - row.refundTax;
    rows.set(key, row);
  }
  const tax: Figures['tax'] = { rows: [...rows.values()].sort((a, b) => a.jurisdiction.localeCompare(b.jurisdiction) || byRate(a, b)) };
  return tax as Figures[K];
}

/** Every date from `from` to `to`, inclusive. */
function datesOf(from: string, to: string): string[] {
  return Array.from({ length: daysBetween(from, to) + 1 }, (_, i) => new Date(Date.parse(`${from}T00:00:00Z`) + i * 86_400_000).toISOString().slice(0, 10));
}

/** What a report says of its store: its id, the time zone whose days it counts, and its currency. */
export type ReportStore = Pick<Store, 'id' | 'timezone' | 'currency'>;

/**
 * A report of one kind assembled from the day items read for its range: every date from `from` to `to` (zeros where
 * no item is), and the totals of the items within the range. Pure, so that the property tests can hold it to "the
 * totals of any range are the sum of its days".
 */
export function assembleReport<K extends ReportKind>(
  kind: K,
  store: ReportStore,
  range: Pick<ReportQuery, 'from' | 'to'>,
  stored: readonly { day: string; counters: Counters }[],
): Report<K> {
  const dates = datesOf(range.from, range.to);
  const inRange = new Set(dates);
  const byDate = new Map(stored.filter((day) => inRange.has(day.day)).map((day) => [day.day, day.counters]));
  const days = dates.map((date) => ({ date, ...figuresOf(kind, byDate.get(date) ?? {}) }));
  // TypeScript cannot tie a generic kind's figures to its report's schema; figuresOf gives the figures of `kind`.
  return {
    kind,
    storeId: store.id,
    timezone: store.timezone,
    currency: store.currency,
    from: range.from,
    to: range.to,
    days,
    totals: figuresOf(kind, sumCounters([...byDate.values()])),
  } as unknown as Report<K>;
}

/**
 * A report of one kind for a store and range, for a caller who acts at the store.
 * @throws NotFoundError (404) for a store that does not exist or that the caller does not act at (indistinguishable on purpose)
 */
export async function getReport<K extends ReportKind>(kind: K, principal: Principal, query: ReportQuery, deps: TableDeps): Promise<Report<K>> {
  if (!actsAtStore(principal, query.storeId)) throw new NotFoundError('Store', query.storeId);
  const store = await requireStore(query.storeId, deps);
  return assembleReport(kind, store, query, await readDays(deps, store.id, query.from, query.to));
}

/** A rate as a CSV cell: basis points, or `fees`. */
const rateCell = (rate: number | null): string => (rate === null ? FEES_RATE : String(rate));

/**
 * A report as CSV: a header, a row per day (the tax report: per day, jurisdiction and rate), then the totals on rows
 * whose date is `total`. Amounts are minor units of `currency`, as in JSON.
 */
export function reportCsv(report: Report<ReportKind>): string {
  const { currency } = report;
  if (report.kind === 'sales') {
    const rows = [...(report as Report<'sales'>).days, { date: 'total', ...(report as Report<'sales'>).totals }];
    return stringify(
      rows.map((d) => [d.date, currency, d.orders, d.gross, d.discounts, d.net, d.tax, d.fees, d.feesTax]),
      { header: true, columns: ['date', 'currency', 'orders', 'gross', 'discounts', 'net', 'tax', 'fees', 'feesTax'] },
    );
  }
  if (report.kind === 'refunds') {
    const rows = [...(report as Report<'refunds'>).days, { date: 'total', ...(report as Report<'refunds'>).totals }];
    return stringify(
      rows.map((d) => [d.date, currency, d.refunds, d.amount, d.tax]),
      { header: true, columns: ['date', 'currency', 'refunds', 'amount', 'tax'] },
    );
  }
  const tax = report as Report<'tax'>;
  const rows = [...tax.days, { date: 'total', ...tax.totals }].flatMap((d) =>
    d.rows.map((r) => [d.date, currency, r.jurisdiction, rateCell(r.rateBasisPoints), r.salesNet, r.salesTax, r.refundNet, r.refundTax, r.netTax]),
  );
  return stringify(rows, { header: true, columns: ['date', 'currency', 'jurisdiction', 'rateBasisPoints', 'salesNet', 'salesTax', 'refundNet', 'refundTax', 'netTax'] });
}

/** Whether the caller asked for CSV: `?format=csv`, or an `Accept` naming `text/csv` without `format=json`. */
export function wantsCsv(query: Pick<ReportQuery, 'format'>, accept: string | undefined): boolean {
  return query.format === 'csv' || (query.format === undefined && (accept ?? '').toLowerCase().includes('text/csv'));
}

/** The file name a CSV download is offered under. */
export function reportFileName(report: Pick<Report<ReportKind>, 'kind' | 'storeId' | 'from' | 'to'>): string {
  return `${report.kind}-${report.storeId}-${report.from}-to-${report.to}.csv`;
}

/** A report as the API answers it: CSV as a download when asked for, else JSON. */
export function reportResponse(report: Report<ReportKind>, query: Pick<ReportQuery, 'format'>, accept: string | undefined): HttpResult {
  if (!wantsCsv(query, accept)) return ok(report);
  return ok(reportCsv(report), { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${reportFileName(report)}"` });
}
