import { z } from 'zod';
import { Id } from '../catalog/model.js';
import { LineQuantity } from '../carts/model.js';
import { type FieldError, ValidationError } from '../errors.js';
import { divideRoundHalfUp, toSafeInteger } from '../pricing/rounding.js';
import { type TaxMode, lineTax } from '../pricing/tax.js';
import { weightedLinePrice } from '../pricing/weighted.js';
import { type Order, type OrderLine, PickedLine } from './model.js';

/**
 * What a picker handed over, priced: the amount the shop captures once an order is picked. Pure: it reads only the
 * order and the picks, never the catalog or a clock, so the capture is priced from what the order froze at checkout.
 * docs/orders.md ("Picking and the final amount") states the rules.
 */

/** Most lines one pick report carries; well above any cart's line limit, so a whole order always fits. */
export const MAX_PICK_LINES = 200;

/** The body of `POST /orders/{id}/pick`: one entry per order line; the function checks each is reported exactly once. */
export const PickRequest = z.strictObject({
  lines: z
    .array(
      z.strictObject({
        lineId: Id,
        /** Absent when nothing could be handed over. */
        quantity: LineQuantity.optional(),
        substitute: PickedLine.shape.substitute,
      }),
    )
    .min(1)
    .max(MAX_PICK_LINES),
});
export type PickRequest = z.infer<typeof PickRequest>;

/** One reported pick, as `PickRequest` has it. */
export type LinePick = PickRequest['lines'][number];

/** The picks priced, line by line in the order's line order, and the amount to capture. */
export interface PickOutcome {
  lines: (PickedLine & { lineId: string })[];
  /** What to capture: the picked lines' totals plus the order's fees with their tax. */
  finalTotal: number;
  /** Whether `finalTotal` is more than `authorized`: the shop must re-authorize or ask the shopper before capturing. */
  exceedsAuthorization: boolean;
  /** What `finalTotal` was compared with: the payment's authorized amount, or the order's hold when nothing is authorized yet. */
  authorized: number;
}

const FIELD = 'body.lines';

/** How a line is sold, read from its quantity as pricing reads it: grams make it weighed, even when a count came with them. */
type Unit = 'grams' | 'millilitres' | 'count';

function unitOf(quantity: LineQuantity): Unit {
  if ('grams' in quantity) return 'grams';
  if ('millilitres' in quantity) return 'millilitres';
  return 'count';
}

/** The amount of `unit` a quantity holds; only called once the quantity is known to be in that unit. */
function amountIn(quantity: LineQuantity, unit: Unit): number {
  if (unit === 'grams' && 'grams' in quantity) return quantity.grams;
  if (unit === 'millilitres' && 'millilitres' in quantity) return quantity.millilitres;
  if (unit === 'count' && 'count' in quantity) return quantity.count;
  throw new RangeError(`quantity ${JSON.stringify(quantity)} holds no ${unit}`);
}

const UNIT_WORD: Record<Unit, string> = { grams: 'weighed: report grams', millilitres: 'sold by volume: report millilitres', count: 'counted: report a count' };
const UNIT_SUFFIX: Record<Unit, string> = { grams: ' g', millilitres: ' ml', count: '' };

/** A pick's quantity fits its line when it is in the line's unit; a weighed line may carry a count beside the grams. */
function fits(line: OrderLine, quantity: LineQuantity): boolean {
  const unit = unitOf(line.quantity);
  return unitOf(quantity) === unit && (unit !== 'count' || !('grams' in quantity));
}

/** Everything wrong with the picks against the order, so a picker's device can show every problem at once. */
function problems(order: Order, picks: readonly LinePick[]): FieldError[] {
  const errors: FieldError[] = [];
  const lines = new Map(order.lines.map((line) => [line.lineId, line]));
  const seenAt = new Map<string, number>();
  picks.forEach((pick, i) => {
    const at = `${FIELD}.${i}`;
    const line = lines.get(pick.lineId);
    if (line === undefined) {
      errors.push({ field: `${at}.lineId`, message: `line ${pick.lineId} is not a line of order ${order.id}` });
      return;
    }
    const first = seenAt.get(pick.lineId);
    if (first !== undefined) {
      errors.push({ field: `${at}.lineId`, message: `line ${pick.lineId} is already reported at ${FIELD}.${first}` });
      return;
    }
    seenAt.set(pick.lineId, i);
    if (pick.quantity !== undefined) {
      const unit = unitOf(line.quantity);
      if (!fits(line, pick.quantity)) {
        errors.push({ field: `${at}.quantity`, message: `line ${line.lineId} (${line.sku}) is ${UNIT_WORD[unit]}` });
      } else if (unit !== 'grams' && amountIn(pick.quantity, unit) > amountIn(line.quantity, unit)) {
        const ordered = `${amountIn(line.quantity, unit)}${UNIT_SUFFIX[unit]}`;
        errors.push({ field: `${at}.quantity`, message: `line ${line.lineId} (${line.sku}) is for ${ordered}: no more than that can be handed over` });
      }
    }
    if (pick.substitute !== undefined) {
      if (line.substitution === 'none') {
        errors.push({ field: `${at}.substitute`, message: `line ${line.lineId} (${line.sku}) must not be substituted: the shopper chose no substitutes` });
      } else if (pick.quantity === undefined) {
        errors.push({ field: `${at}.substitute`, message: 'a substitute needs the quantity handed over' });
      }
    }
  });
  const missing = order.lines.filter((line) => !seenAt.has(line.lineId));
  if (missing.length > 0) {
    errors.push({ field: FIELD, message: `every line of the order must be reported once; missing ${missing.map((l) => l.lineId).join(', ')}` });
  }
  return errors;
}

/**
 * Tax on what is paid for a line at its frozen rate, rounded as pricing rounds it. The order keeps the rate rather than
 * the category and jurisdiction it came from, so the rate is handed to `lineTax` as a one-entry table.
 */
function taxAtRate(paid: number, rateBasisPoints: number, mode: TaxMode, currency: string): { total: number; tax: number } {
  const rates = { food: rateBasisPoints, 'non-food': rateBasisPoints, alcohol: rateBasisPoints };
  const taxed = lineTax({ amount: { amount: paid, currency }, taxCategory: 'food', jurisdiction: 'order' }, { order: rates }, mode);
  return { total: taxed.gross.amount, tax: taxed.tax.amount };
}

/** A weighed line repriced at the picked grams, its discounts and redemption kept as the amounts checkout gave them. */
function weighedPrice(line: OrderLine, grams: number, order: Order): { total: number; tax: number } {
  const { currency, taxMode } = order.totals;
  const subtotal = weightedLinePrice({ amount: line.unitPrice, currency }, grams).amount;
  const off = line.discounts.reduce((sum, d) => sum + d.amount, 0) + line.loyaltyRedemption;
  return taxAtRate(Math.max(0, subtotal - off), line.tax.rateBasisPoints, taxMode, currency);
}

/** `amount` × picked / ordered, rounded half up: a part of a counted or volume line costs its share of what it cost whole. */
function prorate(amount: number, picked: number, ordered: number): number {
  return toSafeInteger(divideRoundHalfUp(BigInt(amount) * BigInt(picked), BigInt(ordered)));
}

function pricePick(line: OrderLine, pick: LinePick, order: Order): PickedLine & { lineId: string } {
  const handedOver = {
    lineId: line.lineId,
    ...(pick.quantity === undefined ? {} : { quantity: pick.quantity }),
    ...(pick.substitute === undefined ? {} : { substitute: pick.substitute }),
  };
  if (pick.quantity === undefined) return { ...handedOver, total: 0, tax: 0 };
  const unit = unitOf(line.quantity);
  const picked = amountIn(pick.quantity, unit);
  if (unit === 'grams') return { ...handedOver, ...weighedPrice(line, picked, order) };
  const ordered = amountIn(line.quantity, unit);
  return { ...handedOver, total: prorate(line.total, picked, ordered), tax: prorate(line.tax.amount, picked, ordered) };
}

/**
 * Prices what a picker handed over, to find the amount to capture. Every line of the order must be reported exactly
 * once; a line is priced from what the order froze at checkout, never from the catalog:
 *
 * - Nothing handed over (no `quantity`): total 0, tax 0.
 * - Weighed (the line's quantity has grams; the pick must be in grams): the price per kg at the picked grams
 *   (`weightedLinePrice`), less the line's promotion discounts and loyalty redemption kept as amounts (as the hold was
 *   sized), never below 0; tax at the line's rate in the order's tax mode with `lineTax`, so the total includes the tax
 *   either way. At the estimated grams this is exactly the line's `total` and `tax`.
 * - Counted and by volume (the pick in the line's unit, no more than was ordered): the line's `total` and `tax` each
 *   prorated by picked / ordered, rounded half up; all of it costs exactly what it did.
 * - A substitute is allowed only when the line's `substitution` is not `none`, and only with a quantity; it is charged
 *   as the ordered product at the picked quantity, so it never costs more. Whether it is the same brand, for
 *   `same-brand`, is the picker's to judge: the order does not carry brands.
 *
 * `finalTotal` is the picked totals plus the fees with their tax: `totals.fees` is before tax when prices exclude tax,
 * and the fee's tax is the part of `totals.tax` that is not the lines'. Picking everything as ordered gives exactly
 * `totals.total`. It is compared with `payment.authorized`, or with `totals.authorizationTotal` while nothing is
 * authorized.
 *
 * @throws ValidationError (400) naming every failing field: `body.lines.<i>.lineId` for a line the order does not have
 *   or one reported twice; `body.lines` for lines not reported; `body.lines.<i>.quantity` for a quantity in another
 *   unit than the line's, or more than ordered of a counted or volume line; `body.lines.<i>.substitute` for a
 *   substitute on a line that allows none, or with nothing handed over.
 * @throws RangeError when the order's own amounts disagree (less tax in its totals than on its lines), which no
 *   checkout produces.
 */
export function pricePicks(order: Order, picks: PickRequest['lines']): PickOutcome {
  const errors = problems(order, picks);
  if (errors.length > 0) throw new ValidationError(errors, `The picks do not fit order ${order.id}.`);
  const byLine = new Map(picks.map((pick) => [pick.lineId, pick]));
  const lines = order.lines.map((line) => pricePick(line, byLine.get(line.lineId) as LinePick, order));
  const { totals } = order;
  const feeTax = totals.taxMode === 'exclusive' ? totals.tax - order.lines.reduce((sum, line) => sum + line.tax.amount, 0) : 0;
  if (feeTax < 0) throw new RangeError(`order ${order.id} has less tax in its totals than on its lines`);
  const finalTotal = toSafeInteger(lines.reduce((sum, line) => sum + BigInt(line.total), BigInt(totals.fees + feeTax)));
  const authorized = order.payment.authorized > 0 ? order.payment.authorized : totals.authorizationTotal;
  return { lines, finalTotal, exceedsAuthorization: finalTotal > authorized, authorized };
}
