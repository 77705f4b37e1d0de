import { allocate, chargedLines, FEES_SKU } from '../orders/charges.js';
import type { Order } from '../orders/model.js';

/**
 * What one sale or one refund adds to its store's running totals of one local day. Pure: the consumers of
 * `order.completed` and `order.refunded` and the backfill all go through these functions, so an event and the backfill
 * of the same sale add exactly the same figures.
 *
 * Totals are flat counters (attribute name → minor units or a count), so that one DynamoDB `ADD` per counter applies a
 * contribution: `ADD` creates a missing top-level attribute, while a nested map path would need its parent first.
 */

/** Counter name → amount in minor units (or a count). Names are `sales.*`, `refunds.*` and `tax.*` (see {@link counterNames}). */
export type Counters = Record<string, number>;

/** The rate key of fees: an order records the tax in its fees but not the rate it was charged at, so fees are kept apart. */
export const FEES_RATE = 'fees';

/** A day's contribution: which store and local day it lands on, in what currency, and its counters. */
export interface Contribution {
  storeId: string;
  /** `yyyy-mm-dd` in the store's time zone. */
  day: string;
  currency: string;
  counters: Counters;
}

/** What a contribution needs of the store: its time zone (the day) and its tax jurisdiction (the tax summary). */
export interface StoreBasis {
  timezone: string;
  taxJurisdiction: string;
}

/** One refund as `order.refunded` (and the refund's record) carries it: its amount, tax and credit-note lines. */
export interface RefundFigures {
  amount: number;
  tax: number;
  lines: readonly { lineId?: string | undefined; sku: string; amount: number; tax: number }[];
  at: string;
}

/** The names of the counters, in one place, so the reading side parses what the writing side adds. */
export const counterNames = {
  sales: (field: 'orders' | 'gross' | 'discounts' | 'net' | 'tax' | 'fees' | 'feesTax') => `sales.${field}`,
  salesRate: (rate: string, field: 'net' | 'tax') => `sales.rate.${rate}.${field}`,
  refunds: (field: 'count' | 'amount' | 'tax') => `refunds.${field}`,
  refundsRate: (rate: string, field: 'net' | 'tax') => `refunds.rate.${rate}.${field}`,
  tax: (jurisdiction: string, rate: string, field: 'salesNet' | 'salesTax' | 'refundNet' | 'refundTax') => `tax.${jurisdiction}.${rate}.${field}`,
};

/** `2026-11-26T23:30:00Z` in `Asia/Tokyo` → `2026-11-27`: the calendar day at that instant in that time zone. */
export function localDay(at: string, timezone: string): string {
  // en-CA formats a date as yyyy-mm-dd.
  return new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(at));
}

function add(counters: Counters, name: string, amount: number): void {
  if (amount !== 0) counters[name] = (counters[name] ?? 0) + amount;
}

/** A charged line's rate key: its order line's tax rate in basis points, or {@link FEES_RATE} for the fees. */
function rateOf(order: Pick<Order, 'lines'>, line: { lineId?: string | undefined; sku: string }): string {
  if (line.sku === FEES_SKU && line.lineId === undefined) return FEES_RATE;
  const orderLine = order.lines.find((l) => l.lineId === line.lineId);
  if (orderLine === undefined) throw new RangeError(`no order line ${line.lineId ?? line.sku} to take a tax rate from`);
  return String(orderLine.tax.rateBasisPoints);
}

/** An order's charges grouped by rate key: amount and tax (both tax included), in first-seen order. */
function chargesByRate(order: Pick<Order, 'id' | 'lines' | 'totals'>): Map<string, { amount: number; tax: number }> {
  const groups = new Map<string, { amount: number; tax: number }>();
  for (const line of chargedLines(order)) {
    const rate = rateOf(order, line);
    const group = groups.get(rate) ?? { amount: 0, tax: 0 };
    groups.set(rate, { amount: group.amount + line.amount, tax: group.tax + line.tax });
  }
  return groups;
}

/**
 * A completed order's sale: one order; `net` what was captured (tax included, as the books record it), `discounts` its
 * handed-over lines' promotions and loyalty redemption, `gross` the two together; its tax, its fees (with their tax),
 * and per rate the part net of tax and the tax. Lines never handed over add nothing.
 */
export function saleContribution(order: Order, completedAt: string, store: StoreBasis): Contribution {
  const counters: Counters = { [counterNames.sales('orders')]: 1 };
  const charged = chargedLines(order);
  const net = charged.reduce((sum, line) => sum + line.amount, 0);
  const discounts = order.lines
    .filter((line) => (line.picked === undefined ? true : line.picked.quantity !== undefined))
    .reduce((sum, line) => sum + line.discounts.reduce((s, d) => s + d.amount, 0) + line.loyaltyRedemption, 0);
  add(counters, counterNames.sales('gross'), net + discounts);
  add(counters, counterNames.sales('discounts'), discounts);
  add(counters, counterNames.sales('net'), net);
  for (const line of charged) {
    const rate = rateOf(order, line);
    add(counters, counterNames.sales('tax'), line.tax);
    add(counters, counterNames.salesRate(rate, 'net'), line.amount - line.tax);
    add(counters, counterNames.salesRate(rate, 'tax'), line.tax);
    add(counters, counterNames.tax(store.taxJurisdiction, rate, 'salesNet'), line.amount - line.tax);
    add(counters, counterNames.tax(store.taxJurisdiction, rate, 'salesTax'), line.tax);
    if (rate === FEES_RATE) {
      add(counters, counterNames.sales('fees'), line.amount);
      add(counters, counterNames.sales('feesTax'), line.tax);
    }
  }
  return { storeId: order.storeId, day: localDay(completedAt, store.timezone), currency: order.totals.currency, counters };
}

/**
 * A refund: one refund, its amount and tax, and per rate the part net of tax and the tax. A refund of goods takes each
 * line's rate; a refund of money (one `REFUND` line) is split over the order's rates in proportion to what each
 * charged (`allocate`: the parts add up to the refund exactly), its tax in proportion to each rate's tax.
 */
export function refundContribution(order: Order, refund: RefundFigures, store: StoreBasis): Contribution {
  const counters: Counters = { [counterNames.refunds('count')]: 1 };
  add(counters, counterNames.refunds('amount'), refund.amount);
  add(counters, counterNames.refunds('tax'), refund.tax);
  const parts: { rate: string; amount: number; tax: number }[] = [];
  for (const line of refund.lines) {
    if (line.lineId !== undefined || line.sku === FEES_SKU) {
      parts.push({ rate: rateOf(order, line), amount: line.amount, tax: line.tax });
      continue;
    }
    const groups = [...chargesByRate(order)];
    const amounts = allocate(line.amount, groups.map(([, g]) => g.amount));
    const taxes = allocate(line.tax, groups.map(([, g]) => g.tax));
    groups.forEach(([rate], i) => parts.push({ rate, amount: amounts[i]!, tax: taxes[i]! }));
  }
  for (const part of parts) {
    add(counters, counterNames.refundsRate(part.rate, 'net'), part.amount - part.tax);
    add(counters, counterNames.refundsRate(part.rate, 'tax'), part.tax);
    add(counters, counterNames.tax(store.taxJurisdiction, part.rate, 'refundNet'), part.amount - part.tax);
    add(counters, counterNames.tax(store.taxJurisdiction, part.rate, 'refundTax'), part.tax);
  }
  return { storeId: order.storeId, day: localDay(refund.at, store.timezone), currency: order.totals.currency, counters };
}

/** The counters of several days (or contributions) added up: what a range of days totals. */
export function sumCounters(all: readonly Counters[]): Counters {
  const total: Counters = {};
  for (const counters of all) for (const [name, amount] of Object.entries(counters)) add(total, name, amount);
  return total;
}

/**
 * Applies a contribution to a day's counters under dedupe: `applied` holds the dedupe keys already counted (the
 * markers a transaction's condition checks), so a second delivery of the same key changes nothing. The in-memory model
 * of what the repository's transaction does, for the property tests.
 */
export function applyOnce(day: Counters, applied: Set<string>, dedupeKey: string, contribution: Counters): Counters {
  if (applied.has(dedupeKey)) return day;
  applied.add(dedupeKey);
  return sumCounters([day, contribution]);
}
