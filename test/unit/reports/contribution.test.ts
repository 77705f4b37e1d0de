import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { capturedTax } from '../../../shared/orders/charges.js';
import { refundTaxLines } from '../../../shared/orders/refunds.js';
import {
  applyOnce,
  counterNames,
  localDay,
  refundContribution,
  saleContribution,
  sumCounters,
  type Counters,
} from '../../../shared/reports/contribution.js';
import { figuresOf } from '../../../shared/reports/reports.js';
import { anOrder } from '../orders/fixtures.js';
import { completedOrderArb } from '../orders/priced-orders.js';

const LONDON = { timezone: 'Europe/London', taxJurisdiction: 'GB' };

/** A completed order of two lines (a standard-rated one with a promotion, a zero-rated one) and a taxed fee. */
function aSale() {
  const base = anOrder();
  return anOrder({
    lines: [
      { ...base.lines[0]!, subtotal: 300, discounts: [{ promotionId: 'P1', name: '10% off', amount: 30 }], loyaltyRedemption: 20, total: 250, tax: { rateBasisPoints: 2000, amount: 42 } },
      { ...base.lines[1]!, picked: { quantity: { grams: 500 }, total: 600, tax: 0 } },
    ],
    totals: { currency: 'GBP', taxMode: 'inclusive', subtotal: 900, discount: 30, tax: 67, fees: 150, total: 1000, authorizationTotal: 1090 },
    payment: { intentId: 'pi_1', authorized: 1090, captured: 1000, refunded: 0, status: 'captured' },
    status: 'completed',
  });
}

describe('the local day of an instant', () => {
  it('puts 23:30 UTC on the next day in a zone ahead of UTC, and on the same day in one behind', () => {
    expect(localDay('2026-11-26T23:30:00.000Z', 'Asia/Tokyo')).toBe('2026-11-27');
    expect(localDay('2026-11-26T23:30:00.000Z', 'America/New_York')).toBe('2026-11-26');
    expect(localDay('2026-07-01T23:30:00.000Z', 'Europe/London')).toBe('2026-07-02');
    expect(localDay('2026-12-01T23:30:00.000Z', 'Europe/London')).toBe('2026-12-01');
  });
});

describe('a sale’s contribution', () => {
  it('counts one order with its gross, discounts, net, tax by rate and fees, on the store’s local day', () => {
    const sale = saleContribution(aSale(), '2026-07-01T23:30:00.000Z', LONDON);
    expect(sale).toMatchObject({ storeId: 'store-1', day: '2026-07-02', currency: 'GBP' });
    expect(figuresOf('sales', sale.counters)).toEqual({
      orders: 1,
      gross: 1050,
      discounts: 50,
      net: 1000,
      tax: 67,
      fees: 150,
      feesTax: 25,
      taxByRate: [
        { rateBasisPoints: 0, net: 600, tax: 0 },
        { rateBasisPoints: 2000, net: 208, tax: 42 },
        { rateBasisPoints: null, net: 125, tax: 25 },
      ],
    });
    expect(figuresOf('tax', sale.counters).rows).toEqual([
      { jurisdiction: 'GB', rateBasisPoints: 0, salesNet: 600, salesTax: 0, refundNet: 0, refundTax: 0, netTax: 0 },
      { jurisdiction: 'GB', rateBasisPoints: 2000, salesNet: 208, salesTax: 42, refundNet: 0, refundTax: 0, netTax: 42 },
      { jurisdiction: 'GB', rateBasisPoints: null, salesNet: 125, salesTax: 25, refundNet: 0, refundTax: 0, netTax: 25 },
    ]);
  });

  it('adds up, for any completed order: net is what was captured, the rates add up to it and to its tax', () => {
    fc.assert(
      fc.property(completedOrderArb, (order) => {
        const sales = figuresOf('sales', saleContribution(order, order.updatedAt, LONDON).counters);
        expect(sales.net).toBe(order.payment.captured);
        expect(sales.tax).toBe(capturedTax(order));
        expect(sales.gross - sales.discounts).toBe(sales.net);
        expect(sales.taxByRate.reduce((sum, r) => sum + r.net + r.tax, 0)).toBe(sales.net);
        expect(sales.taxByRate.reduce((sum, r) => sum + r.tax, 0)).toBe(sales.tax);
      }),
    );
  });
});

describe('a refund’s contribution', () => {
  it('counts a refund of money on the day it was made, split over the order’s rates in proportion', () => {
    const order = aSale();
    const refund = refundContribution(order, { amount: 500, tax: 34, lines: [{ sku: 'REFUND', amount: 500, tax: 34 }], at: '2026-07-05T10:00:00.000Z' }, LONDON);
    expect(refund.day).toBe('2026-07-05');
    const figures = figuresOf('refunds', refund.counters);
    expect(figures).toMatchObject({ refunds: 1, amount: 500, tax: 34 });
    expect(figures.taxByRate.reduce((sum, r) => sum + r.net + r.tax, 0)).toBe(500);
    expect(figures.taxByRate.reduce((sum, r) => sum + r.tax, 0)).toBe(34);
    expect(figures.taxByRate.find((r) => r.rateBasisPoints === 0)).toEqual({ rateBasisPoints: 0, net: 300, tax: 0 });
  });

  it('takes a refund of goods at its lines’ own rates', () => {
    const order = aSale();
    const line = order.lines[0]!;
    const refund = refundContribution(order, { amount: 125, tax: 21, lines: [{ lineId: line.lineId, sku: line.sku, amount: 125, tax: 21 }], at: '2026-07-05T10:00:00.000Z' }, LONDON);
    expect(figuresOf('refunds', refund.counters).taxByRate).toEqual([{ rateBasisPoints: 2000, net: 104, tax: 21 }]);
    expect(figuresOf('tax', refund.counters).rows).toEqual([{ jurisdiction: 'GB', rateBasisPoints: 2000, salesNet: 0, salesTax: 0, refundNet: 104, refundTax: 21, netTax: -21 }]);
  });

  it('adds up, for any completed order and any refund of money the order allows: its rates add up to its amount and its tax', () => {
    fc.assert(
      fc.property(
        completedOrderArb.filter((order) => order.payment.captured > 0),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (order, share) => {
          const amount = Math.max(1, Math.round(order.payment.captured * share));
          const { tax, lines } = refundTaxLines(order, { amount });
          const figures = figuresOf('refunds', refundContribution(order, { amount, tax, lines, at: order.updatedAt }, LONDON).counters);
          expect(figures.amount).toBe(amount);
          expect(figures.taxByRate.reduce((sum, r) => sum + r.net + r.tax, 0)).toBe(amount);
          expect(figures.taxByRate.reduce((sum, r) => sum + r.tax, 0)).toBe(tax);
        },
      ),
    );
  });
});

/** Random counters as a day might hold: a few of the names the contributions use, with small signed-free amounts. */
const countersArb: fc.Arbitrary<Counters> = fc.dictionary(
  fc.constantFrom(
    counterNames.sales('orders'),
    counterNames.sales('gross'),
    counterNames.sales('net'),
    counterNames.sales('tax'),
    counterNames.salesRate('2000', 'net'),
    counterNames.salesRate('500', 'tax'),
    counterNames.refunds('count'),
    counterNames.refunds('amount'),
    counterNames.refundsRate('fees', 'tax'),
    counterNames.tax('GB', '2000', 'salesTax'),
    counterNames.tax('GB', '2000', 'refundTax'),
    counterNames.tax('US-NY', '800', 'salesNet'),
  ),
  fc.integer({ min: 0, max: 1_000_000 }),
);

describe('running totals', () => {
  it('give any range of days the sum of its days, in every report', () => {
    fc.assert(
      fc.property(fc.array(countersArb, { minLength: 1, maxLength: 30 }), fc.nat(), fc.nat(), (days, a, b) => {
        const [from, to] = [a % days.length, b % days.length].sort((x, y) => x - y) as [number, number];
        const range = days.slice(from, to + 1);
        const sales = range.map((d) => figuresOf('sales', d));
        const totalSales = figuresOf('sales', sumCounters(range));
        for (const field of ['orders', 'gross', 'discounts', 'net', 'tax', 'fees', 'feesTax'] as const) {
          expect(totalSales[field]).toBe(sales.reduce((sum, d) => sum + d[field], 0));
        }
        const refunds = range.map((d) => figuresOf('refunds', d));
        expect(figuresOf('refunds', sumCounters(range)).amount).toBe(refunds.reduce((sum, d) => sum + d.amount, 0));
        const taxOf = (rows: { jurisdiction: string; rateBasisPoints: number | null; netTax: number }[]) =>
          rows.reduce((sum, r) => sum + r.netTax, 0);
        expect(taxOf(figuresOf('tax', sumCounters(range)).rows)).toBe(range.reduce((sum, d) => sum + taxOf(figuresOf('tax', d).rows), 0));
      }),
    );
  });

  it('count a contribution once however often it is delivered, under its dedupe key', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), countersArb), { minLength: 1, maxLength: 20 }), (deliveries) => {
        // Each key stands for one sale or refund: a redelivery carries the same counters as the first delivery.
        const byKey = new Map<number, Counters>();
        for (const [key, counters] of deliveries) if (!byKey.has(key)) byKey.set(key, counters);
        const applied = new Set<string>();
        let day: Counters = {};
        for (const [key] of deliveries) day = applyOnce(day, applied, `SALE#${key}`, byKey.get(key)!);
        expect(day).toEqual(sumCounters([...byKey.values()]));
      }),
    );
  });
});
