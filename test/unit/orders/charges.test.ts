import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { saleRecordItem } from '../../../shared/orders/books.js';
import { allocate, amountRefundTax, boundedRefundTax, capturedTax, chargedLines, FEES_SKU, feeCharge, refundableRemainder } from '../../../shared/orders/charges.js';
import type { Order } from '../../../shared/orders/model.js';
import { refundTaxLines } from '../../../shared/orders/refunds.js';
import { transition } from '../../../shared/orders/status.js';
import { anOrder, AT } from './fixtures.js';
import { completedOrderArb } from './priced-orders.js';

const RUNS = { numRuns: 200 };

/** The fixture's two lines, the milk at 20 % VAT, and a £3.99 delivery fee with its 67p of VAT, prices tax-inclusive. */
function deliveredWithFee(overrides: Partial<Order> = {}): Order {
  const order = anOrder();
  const [milk, cheddar] = order.lines;
  return {
    ...order,
    lines: [{ ...milk!, tax: { rateBasisPoints: 2000, amount: 42 } }, cheddar!],
    totals: { ...order.totals, taxMode: 'inclusive', subtotal: 850, tax: 42 + 67, fees: 399, total: 850 + 399, authorizationTotal: 850 + 399 + 90 },
    payment: { intentId: 'pi_1', authorized: 1339, captured: 1249, refunded: 0, status: 'captured' },
    status: 'completed',
    ...overrides,
  };
}

describe('the fee’s tax', () => {
  it('is the part of the order’s tax that is not its lines’, and the fee as paid includes it when prices exclude tax', () => {
    expect(feeCharge(deliveredWithFee())).toEqual({ amount: 399, tax: 67 });
    const exclusive = deliveredWithFee({ totals: { ...deliveredWithFee().totals, taxMode: 'exclusive', fees: 333 } });
    expect(feeCharge(exclusive)).toEqual({ amount: 400, tax: 67 });
  });

  it('is on the fee line of what the order charged, and in the captured tax the day’s books record', () => {
    const order = deliveredWithFee();
    expect(chargedLines(order)).toEqual([
      { lineId: order.lines[0]!.lineId, sku: 'MILK-1', description: 'Milk', quantity: 2, amount: 250, tax: 42 },
      { lineId: order.lines[1]!.lineId, sku: 'CHEDDAR-1', description: 'Cheddar', quantity: 500, amount: 600, tax: 0 },
      { sku: FEES_SKU, description: 'Delivery and service fees', quantity: 1, amount: 399, tax: 67 },
    ]);
    expect(capturedTax(order)).toBe(109);
    expect(saleRecordItem('table', order, AT.toISOString()).Put!.Item).toMatchObject({ total: 1249, tax: 109 });
  });

  it('refuses an order whose totals hold less tax than its lines, which no checkout makes', () => {
    expect(() => feeCharge(deliveredWithFee({ totals: { ...deliveredWithFee().totals, tax: 10 } }))).toThrow(RangeError);
  });
});

describe('what a completed order charged (properties over orders priced by priceCart, picked and captured)', () => {
  it('adds up to what was captured, and its taxes to the order’s tax as priced when picked as ordered', () => {
    fc.assert(
      fc.property(completedOrderArb, (order) => {
        const lines = chargedLines(order);
        expect(lines.reduce((sum, line) => sum + line.amount, 0)).toBe(order.payment.captured);
        for (const line of lines) expect(line.tax).toBeLessThanOrEqual(line.amount);
        const asOrdered = order.lines.every((line) => line.picked?.total === line.total && line.picked.tax === line.tax.amount);
        if (asOrdered) expect(capturedTax(order)).toBe(order.totals.tax);
      }),
      RUNS,
    );
  });
});

describe('allocate', () => {
  it('splits a total exactly, each part its share rounded down or up', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100_000 }), fc.array(fc.integer({ min: 0, max: 10_000 }), { minLength: 1, maxLength: 8 }), (total, weights) => {
        const parts = allocate(total, weights);
        expect(parts.reduce((a, b) => a + b, 0)).toBe(total);
        const sum = weights.reduce((a, b) => a + b, 0);
        parts.forEach((part, i) => {
          const share = sum === 0 ? total / weights.length : (total * weights[i]!) / sum;
          expect(part).toBeGreaterThanOrEqual(Math.floor(share));
          expect(part).toBeLessThanOrEqual(Math.ceil(share));
        });
      }),
    );
  });

  it('gives the odd unit to the largest remainder, then to the first', () => {
    expect(allocate(10, [1, 1, 1])).toEqual([4, 3, 3]);
    expect(allocate(5, [1, 3])).toEqual([1, 4]);
    expect(allocate(0, [])).toEqual([]);
    expect(() => allocate(1, [])).toThrow(RangeError);
  });
});

describe('the tax of refunds', () => {
  it('takes a money refund’s share of the tax left, rounded half up, and all of it with the rest', () => {
    expect(amountRefundTax(320, { amount: 1249, tax: 109 })).toBe(28);
    expect(amountRefundTax(1249, { amount: 1249, tax: 109 })).toBe(109);
    expect(boundedRefundTax(42, 250, { amount: 1249, tax: 30 })).toBe(30);
    expect(boundedRefundTax(0, 999, { amount: 999, tax: 67 })).toBe(67);
  });

  /** Refunds of an order, each a money refund or a return of some of a line's goods, until it is all refunded. */
  const refundsArb = completedOrderArb
    .filter((order) => order.payment.captured > 0)
    .chain((order) =>
      fc
        .array(fc.tuple(fc.boolean(), fc.double({ min: 0.01, max: 1, noNaN: true }), fc.nat()), { minLength: 1, maxLength: 6 })
        .map((steps) => ({ order, steps })),
    );

  it('never adds up to more tax than was captured, nor loses or invents a unit: all of it once refunded in full, and a refund’s lines carry its tax', () => {
    fc.assert(
      fc.property(refundsArb, ({ order, steps }) => {
        const total = capturedTax(order);
        let current = order;
        let taxes = 0;
        for (const [asGoods, share, which] of [...steps, [false, 1, 0] as const]) {
          const left = refundableRemainder(current);
          if (left.amount === 0) break;
          const amount = Math.max(1, Math.min(left.amount, Math.round(left.amount * share)));
          const charged = chargedLines(current).filter((line) => line.amount > 0);
          const line = charged[which % Math.max(1, charged.length)];
          // A return of goods: its amount and tax, up to what is left to refund, as a line of its own.
          const lines = asGoods && line ? [{ ...line, amount, tax: Math.min(line.tax, amount) }] : undefined;
          const refund = refundTaxLines(current, { amount, ...(lines ? { lines } : {}) });
          expect(refund.lines.reduce((sum, l) => sum + l.tax, 0)).toBe(refund.tax);
          expect(refund.lines.reduce((sum, l) => sum + l.amount, 0)).toBe(amount);
          expect(refund.tax).toBeGreaterThanOrEqual(0);
          expect(refund.tax).toBeLessThanOrEqual(left.tax);
          taxes += refund.tax;
          current = transition(current, { type: 'refund', amount, tax: refund.tax, reason: 'test' }, AT, 'staff');
          expect(current.payment.refundedTax).toBe(taxes);
          expect(taxes).toBeLessThanOrEqual(total);
        }
        expect(current.payment.refunded).toBe(order.payment.captured);
        expect(taxes).toBe(total);
      }),
      RUNS,
    );
  });
});
