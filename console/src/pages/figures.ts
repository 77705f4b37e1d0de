/**
 * Pure formatting shared by the console's catalog and money pages (catalog, promotions, tax rates, reports, audit
 * trail): amounts typed in major units, basis points, days, and the compact diff of an audit entry. No DOM and no
 * browser API, so the unit tests (test/unit/console/figures.test.ts) run it under Node.
 */
import { formatMoney } from '../components/format.js';

const formatters = new Map<string, Intl.NumberFormat>();

/** How many minor units a currency's major unit has, as a power of ten (2 for GBP, 0 for JPY). */
export function minorDigits(currency: string): number {
  let format = formatters.get(currency);
  if (!format) {
    format = new Intl.NumberFormat('en-GB', { style: 'currency', currency });
    formatters.set(currency, format);
  }
  return format.resolvedOptions().maximumFractionDigits ?? 2;
}

/** Money from integer minor units: `money(1250, 'GBP')` is `£12.50`, `money(-320, 'GBP')` `-£3.20`. */
export function money(minor: number, currency: string): string {
  return formatMoney({ amount: minor, currency });
}

/**
 * Reads an amount typed in major units ("12.5", "12.50", "1,200") as integer minor units.
 * @returns the amount, or undefined when the text is not a non-negative amount with at most the currency's decimals
 */
export function parseMoney(text: string, currency: string): number | undefined {
  const digits = minorDigits(currency);
  const match = /^(\d+)(?:\.(\d*))?$/.exec(text.trim().replace(/,/g, ''));
  if (!match) return undefined;
  const fraction = match[2] ?? '';
  if (fraction.length > digits) return undefined;
  return Number(match[1]) * 10 ** digits + Number(fraction.padEnd(digits, '0') || '0');
}

/** Minor units as the text an input shows for editing (`1250` GBP is `12.50`). */
export function moneyInput(minor: number, currency: string): string {
  const digits = minorDigits(currency);
  return digits === 0 ? String(minor) : (minor / 10 ** digits).toFixed(digits);
}

/** Basis points as a percentage: 2000 is `20%`, 550 `5.5%`; null (fees, whose rate orders do not record) `fees`. */
export function formatRate(basisPoints: number | null): string {
  if (basisPoints === null) return 'fees';
  return `${Number((basisPoints / 100).toFixed(2))}%`;
}

/** A percentage typed by a person ("20", "5.5") as basis points, or undefined unless it is 0-100 with at most 2 decimals. */
export function parseRate(text: string): number | undefined {
  const match = /^(\d{1,3})(?:\.(\d{1,2}))?$/.exec(text.trim().replace(/%$/, '').trim());
  if (!match) return undefined;
  const basisPoints = Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
  return basisPoints <= 10_000 ? basisPoints : undefined;
}

/** A calendar day `yyyy-mm-dd` of a date, in UTC. */
export function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** The day `days` before (negative: after) a `yyyy-mm-dd` day. */
export function addDays(day: string, days: number): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return isoDay(date);
}

/** An instant as a short local date and time for a table cell (`7 Dec 2026, 18:03:21`). */
export function formatInstant(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

function isMoney(value: unknown): value is { amount: number; currency: string } {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { amount?: unknown }).amount === 'number' &&
    typeof (value as { currency?: unknown }).currency === 'string' &&
    Object.keys(value).length === 2
  );
}

/** A value of an audit entry for a person to read: money as money, objects as compact JSON, absence as `—`. */
export function formatValue(value: unknown): string {
  if (value === undefined) return '—';
  if (isMoney(value)) return formatMoney(value);
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

/** One changed field of an audit entry. */
export interface FieldChange {
  field: string;
  before: string;
  after: string;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !isMoney(value);
}

/**
 * The fields an audit entry changed: each field whose value differs between `before` and `after` (present on one side
 * only counts), in the order they first appear, values formatted by {@link formatValue}. Objects on both sides are
 * compared field by field under a dotted name (`rates.GB.food`), so replacing a whole table shows only the cells that
 * moved; fields equal on both sides (an order's currency, say) are left out, so the diff stays compact.
 */
export function changedFields(before: Record<string, unknown>, after: Record<string, unknown>, prefix = ''): FieldChange[] {
  const fields = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  return fields.flatMap((field) => {
    const was = before[field];
    const is = after[field];
    if (JSON.stringify(was) === JSON.stringify(is)) return [];
    if (isPlainObject(was) && isPlainObject(is)) return changedFields(was, is, `${prefix}${field}.`);
    return [{ field: `${prefix}${field}`, before: formatValue(was), after: formatValue(is) }];
  });
}
