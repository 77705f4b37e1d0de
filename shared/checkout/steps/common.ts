import { checkoutCompleteV1 } from '../../../events/checkout/checkout-complete.v1.js';
import { stockQuantity } from '../../carts/quantities.js';
import type { TransactItem } from '../../db/transact.js';
import { outboxEvent } from '../../events/outbox.js';
import { orderReservationId } from '../../inventory/reservation-ids.js';
import type { Order } from '../../orders/model.js';
import { OrderChangedError } from '../../orders/repository.js';
import { InvalidTransitionError, type OrderEventType } from '../../orders/status.js';
import type { CheckoutDeps } from '../deps.js';

/**
 * What the checkout saga's steps share. The steps themselves, one per Task state of
 * `infra/workflows/checkout.asl.json`, are split along the state machine: `reservation.ts` (Reserve), `payment.ts`
 * (CreatePayment to CapturePayment), `fulfilment.ts` (AwaitPick, CommitStock, CompleteOrder) and `compensation.ts`
 * (ReleasePayment, ReleaseStock, FailOrder). Each is safe to run again (Step Functions retries, Lambda redelivers): it
 * looks at the order (as read, as an earlier step passed on what it knew, or as a failed conditional write found it) and
 * returns what an earlier run already did. Each returns what its compensation needs, and every compensation is
 * idempotent too. docs/checkout.md walks through it.
 */

/** The slot an order holds a unit of, if any: a till sale handed over in store has none. */
export function slotOf(order: Order): string | undefined {
  return order.fulfillment.mode === 'in-store' ? undefined : order.fulfillment.slotId;
}

/** A step found the order already moved past it by someone else (a cancel): the saga compensates. */
export function refuse(order: Order, step: OrderEventType): never {
  throw new InvalidTransitionError(order.id, order.status, step);
}

/** `checkout.complete`, saying how the checkout of `order` ended: written with CompleteOrder's or FailOrder's change. */
export function completeEventItem(deps: CheckoutDeps, order: Order, outcome: 'completed' | 'failed' | 'cancelled'): TransactItem {
  return outboxEvent(
    deps.tableName,
    checkoutCompleteV1,
    {
      orderId: order.id,
      shopperId: order.shopperId,
      storeId: order.storeId,
      outcome,
      ...(order.failureCode === undefined ? {} : { failureCode: order.failureCode }),
      currency: order.totals.currency,
      captured: order.payment.captured,
      refunded: order.payment.refunded,
      endedAt: order.updatedAt,
    },
    { id: `checkout-complete-${order.id}`, now: deps.now() },
  ).item;
}

/**
 * Runs a step's decision on `order`, and again on the order as it is now whenever a write of the decision failed its
 * condition on the order's version and status: the write returns the current order (`ALL_OLD`), so the step decides
 * anew (finds its own earlier run's change, or a cancel it must refuse) without reading it again. A decision must
 * therefore be safe to run twice, which every step's is: its gateway calls carry the same idempotency keys.
 */
export async function onCurrentOrder<T>(order: Order, decide: (order: Order) => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await decide(order);
    } catch (error) {
      if (!(error instanceof OrderChangedError) || error.current === undefined || attempt >= attempts) throw error;
      order = error.current;
    }
  }
}

/** Stock an order's picks take from its reservation, per SKU in its stock unit (see {@link pickedStock}). */
export interface PickedStock {
  sku: string;
  quantity: number;
}

/**
 * What an order's picks take from its reservation, per SKU in its stock unit: what was handed over of each line, under the
 * substitute's SKU when one was (the pick added its stock to the reservation), summed when two lines come to one SKU.
 * `undefined` before anything is picked: all that is held is committed.
 */
export function pickedStock(order: Order): PickedStock[] | undefined {
  if (!order.lines.some((line) => line.picked !== undefined)) return undefined;
  const bySku = new Map<string, number>();
  for (const line of order.lines) {
    if (line.picked?.quantity === undefined) continue;
    const sku = line.picked.substitute?.sku ?? line.sku;
    bySku.set(sku, (bySku.get(sku) ?? 0) + stockQuantity(line.picked.quantity));
  }
  return [...bySku].map(([sku, quantity]) => ({ sku, quantity }));
}

/** What CapturePayment read of the order and passes on to CommitStock in its result, so that the order is not read again. */
export interface CaptureFacts {
  reservationId: string;
  /** Absent when nothing was picked (captured on confirm): everything held is committed. */
  picked?: PickedStock[];
}

/** The {@link CaptureFacts} of an order as CapturePayment leaves it. */
export function captureFacts(order: Order): CaptureFacts {
  const picked = pickedStock(order);
  return { reservationId: order.reservationId ?? orderReservationId(order.id), ...(picked === undefined ? {} : { picked }) };
}
