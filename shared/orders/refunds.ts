import { createHash } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { orderRefundedV1 } from '../../events/orders/order-refunded.v1.js';
import { keys } from '../db/keys.js';
import { TransactionCancelled, type TransactItem } from '../db/transact.js';
import { ConflictError } from '../errors.js';
import { outboxEvent } from '../events/outbox.js';
import { idempotencyKey as gatewayKey, PermanentPaymentError, type Refund } from '../payments/gateway.js';
import { refundRecordItem } from './books.js';
import { allocate, amountRefundTax, boundedRefundTax, refundableRemainder, type ChargedLine } from './charges.js';
import { refundAuditItem } from './order-audit.js';
import { orderDeps, type OrderDeps } from './deps.js';
import type { Order } from './model.js';
import { requireOrderFor, type OrderAccess } from './access.js';
import { OrderChangedError, requireOrder, updateOrderStatus, type OrderActor } from './repository.js';
import { transition } from './status.js';

/** `POST /orders/{id}/refunds`: how much to give back (all that is left when left out) and why. */
export const RefundRequest = z.strictObject({
  /** Minor units of the order's currency. */
  amount: z.number().int('must be a whole number of minor units').positive().max(Number.MAX_SAFE_INTEGER).optional(),
  reason: z.string().trim().min(1).max(500),
});
export type RefundRequest = z.infer<typeof RefundRequest>;

/** How often a refund the provider made is recorded again on a newer version of the order before giving up. */
const RECORD_ATTEMPTS = 5;

/** The SKU of the one credit-note line of a refund of money rather than of goods. */
export const REFUND_SKU = 'REFUND';

/**
 * The hash that names one refund request: the caller and its `Idempotency-Key`, in the characters a gateway key part
 * allows (base64url), so the provider's idempotency makes a retried request the same refund. The key itself is not kept.
 */
export function refundKeyOf(caller: string, key: string): string {
  return createHash('sha256').update(`${caller}\n${key}`).digest('base64url').slice(0, 32);
}

/** One refund to make: what names it (once), how much, why, and what it gives back when it is goods. */
export interface RefundSpec {
  /** Names the refund within its order: its record's key, its gateway key and its credit note's. */
  refundRef: string;
  amount: number;
  reason: string;
  /**
   * The goods it gives back, as its credit note lists them (a return's lines, each with its share of what was paid and of
   * its tax). Absent for a refund of money, whose credit note has one line carrying its share of the order's tax.
   */
  lines?: readonly ChargedLine[];
  /** The return it pays, if any. */
  returnId?: string;
}

/**
 * The tax of a refund and its credit note's lines, against the order as it is now. A refund of money takes its share of
 * the tax left (`amountRefundTax`) on one line. A refund of goods takes its lines' taxes, kept within the tax left
 * (`boundedRefundTax`); when that bound moves the total, the lines' taxes are re-split to add up to it again
 * (`allocate`). Either way the taxes of an order's refunds never add up to more than its captured tax, and to all of it
 * once it is refunded in full. Pure.
 */
export function refundTaxLines(order: Order, spec: Pick<RefundSpec, 'amount' | 'lines'>): { tax: number; lines: ChargedLine[] } {
  const remainder = refundableRemainder(order);
  if (spec.lines === undefined) {
    const tax = amountRefundTax(spec.amount, remainder);
    return { tax, lines: [{ sku: REFUND_SKU, description: 'Refund', quantity: 1, amount: spec.amount, tax }] };
  }
  const proposed = spec.lines.reduce((sum, line) => sum + line.tax, 0);
  const tax = boundedRefundTax(proposed, spec.amount, remainder);
  if (tax === proposed) return { tax, lines: [...spec.lines] };
  const weights = proposed > 0 ? spec.lines.map((line) => line.tax) : spec.lines.map((line) => line.amount);
  const taxes = allocate(tax, weights);
  return { tax, lines: spec.lines.map((line, i) => ({ ...line, tax: taxes[i]! })) };
}

/** Whether the refund named `refundRef` is recorded on the order. */
export async function refundRecorded(deps: OrderDeps, orderId: string, refundRef: string): Promise<boolean> {
  const { Item } = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: keys.orderRefund(orderId, refundRef), ConsistentRead: true }));
  return Item !== undefined;
}

/**
 * Makes one refund once: the state machine is asked first (a dry run of the `refund` transition), so a refused refund
 * moves no money; then the provider refunds under `order:<id>:refund:<refundRef>` (a retry is the same refund at the
 * provider), and the order moves to `partially-refunded` or `refunded` with its history entry and `order.status-changed`,
 * in one transaction with the refund's record (`ORDER#<id>` / `REFUND#<refundRef>`, claimed once, with its tax and
 * credit-note lines for billing), the day's books and `extraItems` (a return's move to refunded, given the order as
 * changed and the refund's tax and lines). Money that moved is always recorded: when the order changed meanwhile, the
 * refund is recorded again on the newer version, its tax worked out anew against it. A refund already recorded returns
 * the order as it is.
 *
 * @throws InvalidTransitionError (409) unless the order is in a status that refunds
 * @throws RefundExceedsCaptureError (409 `refund-exceeds-capture`) for more than is left of the capture
 * @throws ConflictError (409 `refund-refused`) when the provider refuses the refund
 */
export async function makeRefund(
  read: Order,
  spec: RefundSpec,
  actor: OrderActor,
  deps: OrderDeps,
  extraItems: (next: Order, refund: { tax: number; lines: ChargedLine[] }) => readonly TransactItem[] = () => [],
): Promise<Order> {
  let order = read;
  const { refundRef, amount } = spec;
  if (await refundRecorded(deps, order.id, refundRef)) return requireOrder(deps, order.id);
  const eventOf = (current: Order) => ({ type: 'refund' as const, amount, tax: refundTaxLines(current, spec).tax, reason: spec.reason });
  transition(order, eventOf(order), deps.now(), actor.actor);
  const intentId = order.payment.intentId;
  if (intentId === undefined) throw new Error(`order ${order.id} is ${order.status} but has no payment intent to refund`);

  const gateway = await deps.gateway();
  let refund: Refund;
  try {
    refund = await gateway.refund({ intentId, amount: { amount, currency: order.totals.currency } }, gatewayKey(order.id, 'refund', refundRef));
  } catch (error) {
    if (!(error instanceof PermanentPaymentError)) throw error;
    throw new ConflictError('refund-refused', `The payment provider refused to refund ${amount} of order ${order.id}: ${error.message}`, {
      cause: error,
      extensions: { orderId: order.id, amount, providerCode: error.code },
    });
  }
  if (refund.status === 'failed' || refund.status === 'canceled') {
    throw new ConflictError('refund-refused', `The payment provider did not refund ${amount} of order ${order.id} (${refund.status}).`, {
      extensions: { orderId: order.id, amount, refundId: refund.refundId },
    });
  }

  const records = (current: Order, next: Order): TransactItem[] => {
    const { tax, lines } = refundTaxLines(current, spec);
    return [
      {
        Put: {
          TableName: deps.tableName,
          Item: {
            ...keys.orderRefund(order.id, refundRef),
            entityType: 'RefundRecord',
            schemaVersion: 2,
            orderId: order.id,
            refundId: refund.refundId,
            amount,
            tax,
            lines,
            reason: spec.reason,
            ...(spec.returnId === undefined ? {} : { returnId: spec.returnId }),
            actor: actor.actor,
            at: next.updatedAt,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      refundRecordItem(deps.tableName, next, { refundRef, amount, tax }, next.updatedAt),
      // The report totals count refunds from this; its id is the refund's, so it is written once with the record.
      outboxEvent(
        deps.tableName,
        orderRefundedV1,
        {
          orderId: order.id,
          storeId: order.storeId,
          refundRef,
          currency: order.totals.currency,
          amount,
          tax,
          lines: lines.map((line) => ({ ...(line.lineId === undefined ? {} : { lineId: line.lineId }), sku: line.sku, amount: line.amount, tax: line.tax })),
          at: next.updatedAt,
        },
        { id: `order-refunded-${order.id}-${refundRef}`, correlationId: actor.correlationId, now: new Date(next.updatedAt) },
      ).item,
      refundAuditItem(deps, current, next, { refundRef, amount, tax, reason: spec.reason, returnId: spec.returnId }, actor),
      ...extraItems(next, { tax, lines }),
    ];
  };
  for (let attempt = 1; ; attempt += 1) {
    const current = order;
    try {
      return await updateOrderStatus(deps, current, eventOf(current), actor, (next) => records(current, next));
    } catch (error) {
      // The claim (or a caller's item) failed on its own: this refund was recorded by an earlier attempt.
      if (error instanceof TransactionCancelled && (await refundRecorded(deps, order.id, refundRef))) return requireOrder(deps, order.id);
      if (!(error instanceof OrderChangedError) || attempt >= RECORD_ATTEMPTS) throw error;
      order = await requireOrder(deps, order.id);
      if (await refundRecorded(deps, order.id, refundRef)) return order;
    }
  }
}

/**
 * `POST /orders/{id}/refunds`: gives back part or all of what is left of an order's capture, as money: its tax is its
 * share of the order's tax left (see {@link refundTaxLines}). The refund is named by the caller and its
 * `Idempotency-Key`, so the same key refunds once (see {@link makeRefund}).
 *
 * @param idempotencyKey the request's `Idempotency-Key`; the same key refunds once
 * @throws NotFoundError (404) for an unknown order, or one the caller does not reach (another store's)
 * @throws InvalidTransitionError (409) unless the order is `captured`, `completed` or `partially-refunded`
 * @throws RefundExceedsCaptureError (409 `refund-exceeds-capture`) for more than is left of the capture
 * @throws ConflictError (409 `refund-refused`) when the provider refuses the refund
 */
export async function refundOrder(
  orderId: string,
  request: RefundRequest,
  idempotencyKey: string,
  actor: OrderActor & { access: OrderAccess },
  deps: OrderDeps = orderDeps(),
): Promise<Order> {
  const refundRef = refundKeyOf(actor.actor, idempotencyKey);
  const order = await requireOrderFor(deps, orderId, actor.access);
  if (await refundRecorded(deps, orderId, refundRef)) return order;
  const amount = request.amount ?? order.payment.captured - order.payment.refunded;
  return makeRefund(order, { refundRef, amount, reason: request.reason }, actor, deps);
}
