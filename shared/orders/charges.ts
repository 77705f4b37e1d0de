import { divideRoundHalfUp, toSafeInteger } from '../pricing/rounding.js';
import type { Order, OrderLine } from './model.js';

/**
 * What a captured order charged, line by line with the tax in each: the one source for the day's books, the invoice,
 * a refund's tax and the credit note, so that all four agree to the minor unit. Pure.
 *
 * The fee's tax is not on any line: pricing taxes the slot's fee like a line and adds its tax to `totals.tax` only. So
 * the fee's tax is the part of `totals.tax` that is not the lines' (in both tax modes), and the fee as paid is
 * `totals.fees` when prices include tax, `totals.fees` plus that tax when they exclude it.
 */

/** The SKU of the line that carries an order's delivery and service fees on invoices and credit notes. */
export const FEES_SKU = 'FEES';

/** One thing an order charged for: a line as handed over, or its fees. */
export interface ChargedLine {
  /** The order line it is; absent on the fee line. */
  lineId?: string;
  /** What was handed over: a substitute's own SKU when there was one. */
  sku: string;
  description: string;
  /** Items or packs; grams or millilitres for goods sold by weight or volume. */
  quantity: number;
  /** What the shopper paid for it, tax included, minor units. */
  amount: number;
  /** The tax inside `amount`. */
  tax: number;
}

/** The fees as paid (tax included) and the tax in them; both 0 for an order without fees. */
export function feeCharge(order: Pick<Order, 'id' | 'lines' | 'totals'>): { amount: number; tax: number } {
  const { totals } = order;
  const tax = totals.tax - order.lines.reduce((sum, line) => sum + line.tax.amount, 0);
  if (tax < 0) throw new RangeError(`order ${order.id} has less tax in its totals than on its lines`);
  return { amount: totals.taxMode === 'exclusive' ? totals.fees + tax : totals.fees, tax };
}

/** A quantity as a number in its own unit: grams or millilitres for goods sold by weight or volume, else items or packs. */
export function quantityAmount(quantity: OrderLine['quantity']): number {
  return 'grams' in quantity ? quantity.grams : 'millilitres' in quantity ? quantity.millilitres : quantity.count;
}

/** An order line as charged: what was handed over at the picked price, or as ordered when it was never picked; nothing when nothing was handed over. */
function chargedLine(line: OrderLine): ChargedLine[] {
  const quantity = line.picked === undefined ? line.quantity : line.picked.quantity;
  if (quantity === undefined) return [];
  const substitute = line.picked?.substitute;
  return [
    {
      lineId: line.lineId,
      sku: substitute?.sku ?? line.sku,
      description: substitute?.name ?? line.name,
      quantity: quantityAmount(quantity),
      amount: line.picked?.total ?? line.total,
      tax: line.picked?.tax ?? line.tax.amount,
    },
  ];
}

/**
 * Everything a captured order charged: each line handed over, then the fees (with their tax) when there are any. The
 * amounts add up to what is captured, the taxes to {@link capturedTax}.
 */
export function chargedLines(order: Pick<Order, 'id' | 'lines' | 'totals'>): ChargedLine[] {
  const lines = order.lines.flatMap(chargedLine);
  const fee = feeCharge(order);
  if (fee.amount > 0) lines.push({ sku: FEES_SKU, description: 'Delivery and service fees', quantity: 1, amount: fee.amount, tax: fee.tax });
  return lines;
}

/** The tax in what a captured order charged: its lines' as handed over, and its fees'. */
export function capturedTax(order: Pick<Order, 'id' | 'lines' | 'totals'>): number {
  return chargedLines(order).reduce((sum, line) => sum + line.tax, 0);
}

/** What is left of an order's capture to refund, and of the tax in it. */
export function refundableRemainder(order: Pick<Order, 'id' | 'lines' | 'totals' | 'payment'>): { amount: number; tax: number } {
  return { amount: order.payment.captured - order.payment.refunded, tax: Math.max(0, capturedTax(order) - (order.payment.refundedTax ?? 0)) };
}

/**
 * The tax in a refund of `amount` given back as money, not as goods (`POST /orders/{id}/refunds`): its share of the tax
 * still unrefunded, `amount × tax / remaining` rounded half up. It is never more than the tax left (the amount is never
 * more than what is left), and the refund of everything left takes exactly the tax left, so however an order is
 * refunded, in however many parts, the refunds' taxes add up to the captured tax: no minor unit lost or invented.
 */
export function amountRefundTax(amount: number, remainder: { amount: number; tax: number }): number {
  if (amount >= remainder.amount) return remainder.tax;
  if (remainder.amount <= 0) return 0;
  return toSafeInteger(divideRoundHalfUp(BigInt(amount) * BigInt(remainder.tax), BigInt(remainder.amount)));
}

/**
 * The tax of a refund of goods whose own taxes add up to `proposed`, kept within what is left to refund: never more
 * than the tax left (an earlier refund of money may have taken some of it), and all of it when the refund takes the
 * rest of the capture.
 */
export function boundedRefundTax(proposed: number, amount: number, remainder: { amount: number; tax: number }): number {
  if (amount >= remainder.amount) return remainder.tax;
  return Math.min(proposed, remainder.tax);
}

/**
 * Splits `total` minor units in proportion to `weights` (largest remainder, ties to the first): the parts add up to
 * `total` exactly and each is its share rounded down or up. Equal parts when every weight is 0.
 * @throws RangeError for a negative total or weight, or no weights with a total to split
 */
export function allocate(total: number, weights: readonly number[]): number[] {
  if (total < 0 || weights.some((w) => w < 0)) throw new RangeError('allocate takes a non-negative total and weights');
  if (weights.length === 0) {
    if (total === 0) return [];
    throw new RangeError(`nothing to allocate ${total} to`);
  }
  const sum = weights.reduce((a, b) => a + b, 0);
  const basis = sum === 0 ? weights.map(() => 1n) : weights.map(BigInt);
  const whole = BigInt(sum === 0 ? weights.length : sum);
  const exact = basis.map((w) => BigInt(total) * w);
  const parts = exact.map((e) => e / whole);
  let left = BigInt(total) - parts.reduce((a, b) => a + b, 0n);
  const order = exact.map((e, i) => ({ i, rest: e % whole })).sort((a, b) => (a.rest === b.rest ? a.i - b.i : a.rest > b.rest ? -1 : 1));
  for (const { i } of order) {
    if (left === 0n) break;
    parts[i]! += 1n;
    left -= 1n;
  }
  return parts.map(toSafeInteger);
}
