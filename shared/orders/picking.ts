import { z } from 'zod';
import { Id, Sku } from '../catalog/model.js';
import { LineQuantity } from '../carts/model.js';
import { type FieldError, ValidationError } from '../errors.js';
import { divideRoundHalfUp, toSafeInteger } from '../pricing/rounding.js';
import { type TaxMode, lineTax } from '../pricing/tax.js';
import { weightedLinePrice } from '../pricing/weighted.js';
import type { LinePrice, Order, OrderLine, PickedLine, Substitute } from './model.js';
import { decideProposal } from './substitutions.js';

/**
 * What a picker handed over, priced: the amount the shop captures once an order is picked. Pure: it reads only the
 * order, the picks and, for a substitute, the terms the caller read from the catalog and the clock (its shelf price,
 * whether the cut-off would accept it, when the shopper must answer by), so the capture is priced from what the order
 * froze at checkout. docs/orders.md ("Picking and the final amount") and docs/fulfillment.md ("Substitutions") state
 * the rules.
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
        /**
         * Handed over instead of the ordered SKU: a proposal the shopper accepts or rejects. The SKU says which; a
         * `productId`, when given, must be its product's, and the name the order keeps is the catalog's.
         */
        substitute: z.strictObject({ sku: Sku, productId: Id.optional(), name: z.string().min(1).max(160).optional() }).optional(),
      }),
    )
    .min(1)
    .max(MAX_PICK_LINES),
});
export type PickRequest = z.infer<typeof PickRequest>;

/** One reported pick, as `PickRequest` has it. */
export type LinePick = PickRequest['lines'][number];

/**
 * What pricing needs of a proposed substitute, read by the caller: the substitute as the catalog names it, its shelf
 * price (per item or pack, kg or litre, in the order's tax mode), whether the line's preference accepts it at the
 * cut-off, and when it was proposed and must be answered by.
 */
export interface SubstituteTerms {
  substitute: Substitute;
  unitPrice: number;
  acceptedAtCutoff: boolean;
  proposedAt: string;
  respondBy: string;
}

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
    if (pick.substitute !== undefined && pick.quantity === undefined) {
      errors.push({ field: `${at}.substitute`, message: 'a substitute needs the quantity handed over' });
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

/** `amount` × picked / ordered, rounded half up: a part of a counted or volume line costs its share of what it cost whole. */
function prorate(amount: number, picked: number, ordered: number): number {
  return toSafeInteger(divideRoundHalfUp(BigInt(amount) * BigInt(picked), BigInt(ordered)));
}

/** The line's promotion discounts and loyalty redemption: amounts checkout took off it, whatever is handed over. */
function offOf(line: OrderLine): number {
  return line.discounts.reduce((sum, d) => sum + d.amount, 0) + line.loyaltyRedemption;
}

/**
 * What the ordered product costs at a picked quantity (already checked to be in the line's unit):
 * - weighed: the price per kg at the picked grams less the line's discounts and redemption as amounts (as the hold was
 *   sized), never below 0, taxed at the line's rate; at the estimated grams exactly the line's `total` and `tax`;
 * - counted or by volume: the line's `total` and `tax` each prorated by picked / ordered, rounded half up.
 */
export function orderedPrice(line: OrderLine, quantity: LineQuantity, order: Order): LinePrice {
  const unit = unitOf(line.quantity);
  const picked = amountIn(quantity, unit);
  if (unit === 'grams') return substitutePrice(line, line.unitPrice, quantity, order);
  const ordered = amountIn(line.quantity, unit);
  return { total: prorate(line.total, picked, ordered), tax: prorate(line.tax.amount, picked, ordered) };
}

/**
 * What a product at `unitPrice` (per item or pack, kg or litre, in the order's tax mode) costs in the line's place at a
 * picked quantity: its price at that quantity less the line's discounts and redemption (as amounts for a weighed line,
 * prorated by picked / ordered otherwise: the shopper keeps what checkout took off), never below 0, taxed at the
 * line's frozen rate in the order's tax mode. A substitute's own price, and the weighed line's price at its own.
 */
export function substitutePrice(line: OrderLine, unitPrice: number, quantity: LineQuantity, order: Order): LinePrice {
  const { currency, taxMode } = order.totals;
  const unit = unitOf(line.quantity);
  const picked = amountIn(quantity, unit);
  const price = { amount: unitPrice, currency };
  const subtotal = unit === 'count' ? toSafeInteger(BigInt(unitPrice) * BigInt(picked)) : weightedLinePrice(price, picked).amount;
  const off = unit === 'grams' ? offOf(line) : prorate(offOf(line), picked, amountIn(line.quantity, unit));
  const taxed = taxAtRate(Math.max(0, subtotal - off), line.tax.rateBasisPoints, taxMode, currency);
  return { total: taxed.total, tax: taxed.tax };
}

/**
 * Price protection: what a substitute costs the shopper who has not accepted it, the lower of its own price and the
 * ordered product's at the same quantity, so that it never costs more than what they ordered would have.
 */
export function protectedPrice(own: LinePrice, asOrdered: LinePrice): LinePrice {
  return own.total <= asOrdered.total ? own : asOrdered;
}

function pricePick(line: OrderLine, pick: LinePick, order: Order, terms: SubstituteTerms | undefined): PickedLine & { lineId: string } {
  if (pick.quantity === undefined) return { lineId: line.lineId, total: 0, tax: 0 };
  const asOrdered = orderedPrice(line, pick.quantity, order);
  if (pick.substitute === undefined) return { lineId: line.lineId, quantity: pick.quantity, ...asOrdered };
  if (terms === undefined) throw new RangeError(`line ${line.lineId}'s substitute ${pick.substitute.sku} has no terms to price it by`);
  const price = substitutePrice(line, terms.unitPrice, pick.quantity, order);
  const proposal = {
    substitute: terms.substitute,
    quantity: pick.quantity,
    unitPrice: terms.unitPrice,
    price,
    protectedPrice: protectedPrice(price, asOrdered),
    acceptedAtCutoff: terms.acceptedAtCutoff,
    status: 'proposed' as const,
    proposedAt: terms.proposedAt,
    respondBy: terms.respondBy,
  };
  const proposed: PickedLine = { quantity: pick.quantity, substitute: terms.substitute, ...proposal.protectedPrice, proposal };
  // Proposed after its cut-off (picked late): the preference decides at once, as the cut-off would have.
  const decided = Date.parse(terms.respondBy) <= Date.parse(terms.proposedAt) ? decideProposal(proposed, proposal.acceptedAtCutoff, 'cut-off', terms.proposedAt) : proposed;
  return { lineId: line.lineId, ...decided };
}

/**
 * What an order comes to with its lines charged as `lines` say (each its `total`, tax included): the lines plus the
 * fees with their tax. `totals.fees` is before tax when prices exclude tax, and the fee's tax is the part of
 * `totals.tax` that is not the lines'. With every line charged as ordered, exactly `totals.total`.
 * @throws RangeError when the order's own amounts disagree (less tax in its totals than on its lines), which no
 *   checkout produces.
 */
export function chargedTotal(order: Order, lines: readonly Pick<PickedLine, 'total'>[]): number {
  const { totals } = order;
  const feeTax = totals.taxMode === 'exclusive' ? totals.tax - order.lines.reduce((sum, line) => sum + line.tax.amount, 0) : 0;
  if (feeTax < 0) throw new RangeError(`order ${order.id} has less tax in its totals than on its lines`);
  return toSafeInteger(lines.reduce((sum, line) => sum + BigInt(line.total), BigInt(totals.fees + feeTax)));
}

/**
 * What a picked order comes to now: each line as picked (a substitution as decided so far: its protected price while
 * proposed), or as ordered before anything is picked. The capture takes this once every proposal is decided.
 */
export function amountDue(order: Order): number {
  if (!order.lines.some((line) => line.picked !== undefined)) return order.totals.total;
  return chargedTotal(order, order.lines.map((line) => line.picked ?? line));
}

/**
 * Prices what a picker handed over, to find the amount to capture. Every line of the order must be reported exactly
 * once; a line is priced from what the order froze at checkout and, for a substitute, from its `terms`:
 *
 * - Nothing handed over (no `quantity`): total 0, tax 0.
 * - Weighed (the line's quantity has grams; the pick must be in grams): the price per kg at the picked grams
 *   (`weightedLinePrice`), less the line's promotion discounts and loyalty redemption kept as amounts (as the hold was
 *   sized), never below 0; tax at the line's rate in the order's tax mode with `lineTax`, so the total includes the tax
 *   either way. At the estimated grams this is exactly the line's `total` and `tax`.
 * - Counted and by volume (the pick in the line's unit, no more than was ordered): the line's `total` and `tax` each
 *   prorated by picked / ordered, rounded half up; all of it costs exactly what it did.
 * - A substitute (only with a quantity) is a proposal: its own price (`substitutePrice`, at its shelf price with the
 *   line's discounts kept) is what the shopper pays if they accept it; until then, and when the cut-off accepts it, the
 *   protected price (`protectedPrice`: never more than the ordered product at that quantity). Proposed at or after
 *   its cut-off, the preference decides it at once. Whether the preference allows the substitute at all is judged
 *   before (`judgeSubstitute`, which needs the catalog).
 *
 * `finalTotal` is `chargedTotal` of the priced lines: picking everything as ordered gives exactly `totals.total`. It is
 * compared with `payment.authorized`, or with `totals.authorizationTotal` while nothing is authorized.
 *
 * @throws ValidationError (400) naming every failing field: `body.lines.<i>.lineId` for a line the order does not have
 *   or one reported twice; `body.lines` for lines not reported; `body.lines.<i>.quantity` for a quantity in another
 *   unit than the line's, or more than ordered of a counted or volume line; `body.lines.<i>.substitute` for a
 *   substitute with nothing handed over.
 * @throws RangeError for a substitute without terms, or when the order's own amounts disagree, which no caller and no
 *   checkout produce.
 */
export function pricePicks(order: Order, picks: PickRequest['lines'], terms: ReadonlyMap<string, SubstituteTerms> = new Map()): PickOutcome {
  const errors = problems(order, picks);
  if (errors.length > 0) throw new ValidationError(errors, `The picks do not fit order ${order.id}.`);
  const byLine = new Map(picks.map((pick) => [pick.lineId, pick]));
  const lines = order.lines.map((line) => pricePick(line, byLine.get(line.lineId) as LinePick, order, terms.get(line.lineId)));
  const finalTotal = chargedTotal(order, lines);
  const authorized = order.payment.authorized > 0 ? order.payment.authorized : order.totals.authorizationTotal;
  return { lines, finalTotal, exceedsAuthorization: finalTotal > authorized, authorized };
}
