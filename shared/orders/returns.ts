import { createHash } from 'node:crypto';
import { z } from 'zod';
import { Id, Sku } from '../catalog/model.js';
import { AppError, ConflictError, ValidationError, type FieldError } from '../errors.js';
import { MAX_QUANTITY } from '../inventory/model.js';
import { divideRoundHalfUp, toSafeInteger } from '../pricing/rounding.js';
import { StoreId } from '../stores/model.js';
import type { OrderAccess } from './access.js';
import { chargedLines, type ChargedLine } from './charges.js';
import type { Order } from './model.js';
import { ReturnReason, returnDecision, type ReturnedGoods, type ReturnPolicy } from './return-policy.js';
import { TemperatureZone, WriteOffReason, type StockMove } from './shipments.js';
import { BUSINESS_ACTOR } from './views.js';

/**
 * A shopper's return of some of an order's goods: its shapes, and the pure rules that plan one (what was received and
 * when, the policy, the refund of each line and its tax, the stock that goes back on sale). The use-cases are
 * `return-actions.ts`; docs/fulfillment.md ("Returns") tells the lifecycle.
 */

/** Most lines one return asks for: a whole basket's worth, and a bound on the items its transactions write. */
export const MAX_RETURN_LINES = 25;

const Amount = z.number().int().nonnegative();
const Instant = z.iso.datetime();
const Quantity = z
  .number()
  .int('must be a whole number in the line’s unit: items or packs, grams, millilitres')
  .positive()
  .max(MAX_QUANTITY);

/** How goods that come back reach the store: collected from the delivery address, or brought in by the shopper. */
export const ReturnMethod = z.enum(['collection', 'drop-off']);
export type ReturnMethod = z.infer<typeof ReturnMethod>;

/** `POST /orders/{id}/returns`: the lines, each with how much of it (in its unit) and why; how goods that go back travel. */
export const ReturnRequest = z.strictObject({
  lines: z
    .array(z.strictObject({ lineId: Id, quantity: Quantity, reason: ReturnReason, note: z.string().trim().min(1).max(500).optional() }))
    .min(1)
    .max(MAX_RETURN_LINES),
  /** Needed when anything in the return is sent back; fresh food is refunded without it. */
  method: ReturnMethod.optional(),
});
export type ReturnRequest = z.infer<typeof ReturnRequest>;

/**
 * `requested`: recorded, its fresh food not refunded yet (a repeat of the request finishes it); `awaiting-goods`: what
 * is sent back is on its way; `received`: at the store; `inspected`: each line restocked or written off; `refunded`: all
 * of it refunded, the end.
 */
export const RETURN_STATUSES = ['requested', 'awaiting-goods', 'received', 'inspected', 'refunded'] as const;
export const ReturnStatus = z.enum(RETURN_STATUSES);
export type ReturnStatus = z.infer<typeof ReturnStatus>;

/** What staff did with a line sent back: back on sale, or written off with a reason. */
export const ReturnOutcome = z.discriminatedUnion('disposition', [
  z.strictObject({ disposition: z.literal('restock') }),
  z.strictObject({ disposition: z.literal('write-off'), reason: WriteOffReason }),
]);
export type ReturnOutcome = z.infer<typeof ReturnOutcome>;

/** One stocked SKU and quantity (a bundle's components each on their own), in its stock unit. */
const StockPart = z.strictObject({ sku: Sku, quantity: z.number().int().positive() });

export const ReturnLine = z.strictObject({
  lineId: Id,
  /** What was handed over: the substitute's SKU and name when there was one. */
  sku: Sku,
  description: z.string(),
  /** In the line's unit: items or packs, grams, millilitres. */
  quantity: z.number().int().positive(),
  reason: ReturnReason,
  note: z.string().max(500).optional(),
  handling: z.enum(['refund-only', 'send-back']),
  /** The policy rule that decided it. */
  rule: z.string().min(1),
  /** The zone it was packed in, when the order was packed. */
  zone: TemperatureZone.optional(),
  /** Its share of what was paid for the line, and of the tax in it. */
  amount: Amount,
  tax: Amount,
  /** The stock these goods took when they left the store: what goes back on sale when they are restocked. */
  stock: z.array(StockPart),
  /** Send-back lines, once inspected. */
  outcome: ReturnOutcome.optional(),
});
export type ReturnLine = z.infer<typeof ReturnLine>;

/** A refund the return made: of its fresh food when it was asked for, of the rest once inspected. */
export const ReturnRefund = z.strictObject({
  refundRef: z.string().min(1),
  stage: z.enum(['on-request', 'on-inspection']),
  amount: Amount,
  tax: Amount,
  at: Instant,
});
export type ReturnRefund = z.infer<typeof ReturnRefund>;

export const ReturnChange = z.strictObject({ from: ReturnStatus.optional(), to: ReturnStatus, at: Instant, actor: z.string().min(1), note: z.string().max(500).optional() });
export type ReturnChange = z.infer<typeof ReturnChange>;

export const OrderReturn = z.strictObject({
  id: Id,
  orderId: Id,
  storeId: StoreId,
  shopperId: z.string().min(1),
  status: ReturnStatus,
  method: ReturnMethod.optional(),
  lines: z.array(ReturnLine).min(1).max(MAX_RETURN_LINES),
  /** What the return refunds in all, and the tax in it, as planned when it was asked for. */
  amount: Amount,
  tax: Amount,
  refunds: z.array(ReturnRefund),
  history: z.array(ReturnChange).min(1),
  version: z.number().int().positive(),
  createdAt: Instant,
  updatedAt: Instant,
});
export type OrderReturn = z.infer<typeof OrderReturn>;

/** `GET /orders/{id}/returns`: the order's returns, oldest first. */
export const ReturnList = z.strictObject({ items: z.array(OrderReturn) });

/** `POST /orders/{id}/returns/{returnId}/receive`: the goods are at the store. */
export const ReceiveReturnRequest = z.strictObject({ note: z.string().trim().min(1).max(500).optional() });

/** `POST /orders/{id}/returns/{returnId}/inspect`: what became of every line that was sent back. */
export const InspectReturnRequest = z.strictObject({
  lines: z
    .array(
      z.discriminatedUnion('disposition', [
        z.strictObject({ lineId: Id, disposition: z.literal('restock') }),
        z.strictObject({ lineId: Id, disposition: z.literal('write-off'), reason: WriteOffReason }),
      ]),
    )
    .min(1)
    .max(MAX_RETURN_LINES),
});
export type InspectReturnRequest = z.infer<typeof InspectReturnRequest>;

export const ReturnParams = z.strictObject({ id: z.string().min(1).max(64), returnId: Id });

/** Crockford's base 32, as ULIDs spell it. */
const BASE32 = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * A return's id: a hash of the order, who asks and their `Idempotency-Key`, spelt like a ULID (26 symbols of Crockford
 * base 32). The same request always names the same return, so its item's `attribute_not_exists` makes asking twice
 * create one return; the key itself is not kept.
 */
export function returnIdOf(orderId: string, caller: string, idempotencyKey: string): string {
  const digest = createHash('sha256').update(`${orderId}\n${caller}\n${idempotencyKey}`).digest();
  let bits = 0n;
  for (const byte of digest.subarray(0, 17)) bits = (bits << 8n) | BigInt(byte);
  let id = '';
  for (let i = 0; i < 26; i += 1) id += BASE32[Number((bits >> BigInt(5 * (25 - i) + 6)) & 31n)];
  return id;
}

/** The refunds of a return: of its fresh food (on request), of what was sent back (on inspection). */
export const returnRefundRef = (returnId: string, stage: ReturnRefund['stage']): string => `ret-${returnId}-${stage === 'on-request' ? 1 : 2}`;

/** What the shopper received of one line, when, and the stock that left the store with it. */
export interface ReceivedLine {
  /** In the line's unit. */
  quantity: number;
  /** The latest receipt of it (a line split across shipments counts from its last delivery). */
  receivedAt: string;
  stock: StockMove[];
}

/**
 * What the shopper has received of each line: the lines of delivered shipments (each with its stock moves), or every
 * handed-over line once a pickup order was collected. Goods still travelling, or that came back, are not received.
 */
export function receivedGoods(order: Order): Map<string, ReceivedLine> {
  const received = new Map<string, ReceivedLine>();
  const add = (lineId: string, quantity: number, at: string, stock: StockMove[]) => {
    const before = received.get(lineId);
    received.set(lineId, {
      quantity: (before?.quantity ?? 0) + quantity,
      receivedAt: before === undefined || at > before.receivedAt ? at : before.receivedAt,
      stock: [...(before?.stock ?? []), ...stock],
    });
  };
  for (const shipment of order.shipments ?? []) {
    if (shipment.status !== 'delivered') continue;
    const at = shipment.timeline.findLast((change) => change.status === 'delivered')?.at ?? shipment.updatedAt;
    for (const line of shipment.lines) add(line.lineId, line.quantity, at, shipment.stockMoves.filter((move) => move.lineId === line.lineId));
  }
  const { collection } = order;
  if (collection?.status === 'collected') {
    const at = collection.collectedAt ?? collection.readyAt;
    for (const line of chargedLines(order)) {
      if (line.lineId === undefined) continue;
      add(line.lineId, line.quantity, at, (collection.stockMoves ?? []).filter((move) => move.lineId === line.lineId));
    }
  }
  return received;
}

/** `amount` × part / whole, rounded half up. */
function prorate(amount: number, part: number, whole: number): number {
  return toSafeInteger(divideRoundHalfUp(BigInt(amount) * BigInt(part), BigInt(whole)));
}

/**
 * A returned quantity's share of what was paid for its line and of the tax in it, counted from what earlier returns of
 * the line took (`before`): the share of `before + quantity` less the share of `before`. However a line is returned, in
 * however many returns, their shares add up to exactly what was paid for what was returned, and to all of the line
 * once all of it is back: no minor unit is lost or invented. Pure.
 */
export function lineRefundShare(charged: Pick<ChargedLine, 'amount' | 'tax' | 'quantity'>, before: number, quantity: number): { amount: number; tax: number } {
  const share = (total: number) => prorate(total, before + quantity, charged.quantity) - prorate(total, before, charged.quantity);
  return { amount: share(charged.amount), tax: share(charged.tax) };
}

/** The stock a returned quantity stands for, from what its line took when it left: each stocked SKU in proportion. */
function stockShare(received: ReceivedLine, quantity: number): { sku: string; quantity: number }[] {
  const bySku = new Map<string, number>();
  for (const move of received.stock) bySku.set(move.sku, (bySku.get(move.sku) ?? 0) + move.quantity);
  return [...bySku].map(([sku, moved]) => ({ sku, quantity: prorate(moved, quantity, received.quantity) })).filter((part) => part.quantity > 0);
}

/** A return the policy does not allow, line by line, with why. */
export class ReturnNotAllowedError extends AppError {
  override readonly name: string = 'ReturnNotAllowedError';
  constructor(orderId: string, refused: readonly { lineId: string; why: string }[], fields: FieldError[]) {
    super('unprocessable', 'return-not-allowed', `The returns policy does not allow ${refused.length === 1 ? 'this line' : 'these lines'} of order ${orderId} to be returned.`, {
      fields,
      extensions: { orderId, lines: refused },
    });
  }
}

/** The order is not in a state its goods can be returned from: not paid and completed, or refunded in full already. */
export class OrderNotReturnableError extends ConflictError {
  override readonly name: string = 'OrderNotReturnableError';
  constructor(orderId: string, status: string) {
    super('order-not-returnable', `Order ${orderId} is ${status}: only a completed order, or one partly refunded, takes returns.`, { extensions: { orderId, status } });
  }
}

/** What planning a return needs besides the order and the request. */
export interface ReturnContext {
  /** The facts the policy reads, by the product handed over (the substitute's when there was one). */
  goods: ReadonlyMap<string, ReturnedGoods>;
  /** How much of each line earlier returns asked for. */
  returned: ReadonlyMap<string, number>;
  policy: ReturnPolicy;
  now: Date;
}

/** The lines of a return as planned: decided by the policy, priced, with the stock they stand for. */
export interface PlannedReturn {
  lines: ReturnLine[];
  amount: number;
  tax: number;
}

const FIELD = 'body.lines';

/**
 * Plans a return against the order as it is: each line must be one the shopper received, no more than they received
 * and have not returned already, and allowed by the policy (its rule, its reasons, its window from receipt). Each line
 * gets its handling, its refund and tax (`lineRefundShare`) and its stock. Pure.
 *
 * @throws ValidationError (400) naming each field: `body.lines.<i>.lineId` for a line the order does not have, one
 *   asked for twice, or one of which nothing was received yet; `body.lines.<i>.quantity` for more than is left to
 *   return; `body.method` when something is sent back without a method, when nothing is and one is given, or for a
 *   collection of an order that was not delivered
 * @throws ReturnNotAllowedError (422 `return-not-allowed`) naming each line the policy refuses, with why
 */
export function planReturn(order: Order, request: ReturnRequest, context: ReturnContext): PlannedReturn {
  const charged = new Map(chargedLines(order).flatMap((line) => (line.lineId === undefined ? [] : [[line.lineId, line] as const])));
  const received = receivedGoods(order);
  const byId = new Map(order.lines.map((line) => [line.lineId, line]));
  const zoneOf = new Map((order.packing?.zones ?? []).flatMap((zone) => zone.lineIds.map((lineId) => [lineId, zone.zone] as const)));
  const errors: FieldError[] = [];
  const refused: { lineId: string; why: string }[] = [];
  const refusedFields: FieldError[] = [];
  const seen = new Set<string>();
  const lines: ReturnLine[] = [];
  request.lines.forEach((asked, i) => {
    const at = `${FIELD}.${i}`;
    const line = byId.get(asked.lineId);
    const paid = charged.get(asked.lineId);
    const got = received.get(asked.lineId);
    if (line === undefined) return errors.push({ field: `${at}.lineId`, message: `line ${asked.lineId} is not a line of order ${order.id}` });
    if (seen.has(asked.lineId)) return errors.push({ field: `${at}.lineId`, message: `line ${asked.lineId} is asked for twice: ask for its whole quantity once` });
    seen.add(asked.lineId);
    if (paid === undefined || got === undefined) {
      return errors.push({ field: `${at}.lineId`, message: `nothing of line ${asked.lineId} (${line.sku}) has been received yet: it can be returned once it is delivered or collected` });
    }
    const before = context.returned.get(asked.lineId) ?? 0;
    const left = Math.min(got.quantity, paid.quantity) - before;
    if (asked.quantity > left) {
      return errors.push({
        field: `${at}.quantity`,
        message: left <= 0 ? `all of line ${asked.lineId} (${paid.sku}) received has been returned already` : `at most ${left} of line ${asked.lineId} (${paid.sku}) is left to return`,
      });
    }
    const productId = line.picked?.substitute?.productId ?? line.productId;
    const zone = zoneOf.get(asked.lineId);
    const decision = returnDecision(context.policy, { ...context.goods.get(productId), ...(zone === undefined ? {} : { zone }) }, asked.reason, new Date(got.receivedAt), context.now);
    if (!decision.returnable) {
      refused.push({ lineId: asked.lineId, why: decision.why });
      refusedFields.push({ field: `${at}.reason`, message: decision.why });
      return;
    }
    lines.push({
      lineId: asked.lineId,
      sku: paid.sku,
      description: paid.description,
      quantity: asked.quantity,
      reason: asked.reason,
      ...(asked.note === undefined ? {} : { note: asked.note }),
      handling: decision.handling,
      rule: decision.rule,
      ...(zone === undefined ? {} : { zone }),
      ...lineRefundShare(paid, before, asked.quantity),
      stock: stockShare(got, asked.quantity),
    });
  });
  const sendsBack = lines.some((line) => line.handling === 'send-back');
  if (errors.length === 0 && refused.length === 0) {
    if (sendsBack && request.method === undefined) errors.push({ field: 'body.method', message: 'say how the goods that go back reach the store: collection or drop-off' });
    if (!sendsBack && request.method !== undefined) errors.push({ field: 'body.method', message: 'nothing in this return goes back: fresh food is refunded without being sent back' });
    if (request.method === 'collection' && order.fulfillment.mode !== 'delivery') {
      errors.push({ field: 'body.method', message: `order ${order.id} was not delivered, so there is no address to collect from: bring the goods in (drop-off)` });
    }
  }
  if (errors.length > 0) throw new ValidationError(errors, `The return does not fit order ${order.id}.`);
  if (refused.length > 0) throw new ReturnNotAllowedError(order.id, refused, refusedFields);
  return { lines, amount: lines.reduce((sum, line) => sum + line.amount, 0), tax: lines.reduce((sum, line) => sum + line.tax, 0) };
}

/** The lines of a return that a refund stage pays for, as its credit note lists them. */
export function refundLinesOf(lines: readonly ReturnLine[]): ChargedLine[] {
  return lines.map((line) => ({ lineId: line.lineId, sku: line.sku, description: line.description, quantity: line.quantity, amount: line.amount, tax: line.tax }));
}

/** A return as its reader sees it: its shopper sees no staff subject (whoever else acted is `smartshelf`). */
export function returnView(ret: OrderReturn, reader: OrderAccess): OrderReturn {
  if (reader.kind === 'staff') return ret;
  return { ...ret, history: ret.history.map((change) => (change.actor === ret.shopperId ? change : { ...change, actor: BUSINESS_ACTOR })) };
}
