import { checkoutCompleteV1 } from '../../../events/checkout/checkout-complete.v1.js';
import type { TransactItem } from '../../db/transact.js';
import { outboxEvent } from '../../events/outbox.js';
import type { Order } from '../../orders/model.js';
import { InvalidTransitionError, type OrderEventType } from '../../orders/status.js';
import type { CheckoutDeps } from '../deps.js';

/**
 * What the checkout saga's steps share. The steps themselves, one per Task state of
 * `infra/workflows/checkout.asl.json`, are split along the state machine: `reservation.ts` (Reserve), `payment.ts`
 * (CreatePayment to CapturePayment), `fulfilment.ts` (AwaitPick, CommitStock, CompleteOrder) and `compensation.ts`
 * (ReleasePayment, ReleaseStock, FailOrder). Each is safe to run again (Step Functions retries, Lambda redelivers): it
 * first looks at the order and returns what an earlier run already did. Each returns what its compensation needs, and
 * every compensation is idempotent too. docs/checkout.md walks through it.
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
