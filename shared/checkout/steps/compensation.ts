import { cartEventItem, nextCart } from '../../carts/change.js';
import type { Cart } from '../../carts/model.js';
import { getCartRecord, nextCartPut } from '../../carts/repository.js';
import { TransactionCancelled, transactWrite, type TransactItem } from '../../db/transact.js';
import { processedMarkItem } from '../../events/processed.js';
import { slotReleaseItem } from '../../fulfillment/slots.js';
import { orderReservationId } from '../../inventory/reservation-ids.js';
import { releaseReservation, returnCommitted } from '../../inventory/reservations.js';
import { reverseRedeemItems } from '../../loyalty/redemptions.js';
import { businessMetrics } from '../../observability/business-metrics.js';
import { ORDER_CANCELLED } from '../../orders/deps.js';
import type { Order } from '../../orders/model.js';
import { OrderChangedError, requireOrder, updateOrderStatus } from '../../orders/repository.js';
import { isTerminal } from '../../orders/status.js';
import { idempotencyKey } from '../../payments/gateway.js';
import { reverseRedemptionItems } from '../../promotions/redemptions.js';
import { checkoutDeps, SAGA_ACTOR, type CheckoutDeps } from '../deps.js';
import { completeEventItem, slotOf } from './common.js';

/**
 * The saga's compensation ladder: ReleasePayment, ReleaseStock and FailOrder, each idempotent (see `common.ts` for how
 * the steps are laid out).
 */

/**
 * Compensation of the payment steps: each intent the order used is settled as the provider sees it now: a hold is
 * voided, a capture refunded (what is left of it), a canceled one left alone.
 */
export async function releasePayment(orderId: string, intentId: string | undefined, deps: CheckoutDeps = checkoutDeps()): Promise<{ voided: string[]; refunded: string[] }> {
  const order = await requireOrder(deps, orderId);
  const gateway = await deps.gateway();
  // A re-authorization the shopper was asked to authenticate holds nothing yet, but is voided so it never can.
  const intents = [...new Set([intentId, order.payment.intentId, order.payment.action?.intentId].filter((id): id is string => id !== undefined))];
  const voided: string[] = [];
  const refunded: string[] = [];
  for (const id of intents) {
    const intent = await gateway.retrieve(id);
    if (intent.status === 'canceled') continue;
    if (intent.status === 'succeeded') {
      const left = intent.captured - (id === order.payment.intentId ? order.payment.refunded : 0);
      if (left > 0) {
        await gateway.refund({ intentId: id, amount: { amount: left, currency: order.totals.currency } }, idempotencyKey(orderId, 'refund', `saga-${id}`));
        refunded.push(id);
      }
      continue;
    }
    await gateway.cancel(id, idempotencyKey(orderId, 'cancel', id));
    voided.push(id);
  }
  return { voided, refunded };
}

/**
 * Compensation of Reserve and CommitStock: held stock and the slot's unit go back; stock already committed (picked)
 * goes back on sale too, since the order never left the store. Once, however often this runs.
 */
export async function releaseOrderStock(orderId: string, deps: CheckoutDeps = checkoutDeps()): Promise<{ released: boolean }> {
  const order = await requireOrder(deps, orderId);
  const reservationId = order.reservationId ?? orderReservationId(orderId);
  const slotId = slotOf(order);
  const extra = slotId === undefined ? [] : [slotReleaseItem(deps.tableName, order.storeId, slotId)];
  const held = await releaseReservation(reservationId, 'cancelled', deps, extra);
  if (held?.status !== 'committed') return { released: held?.status === 'released' };
  const returned = await returnCommitted(reservationId, deps, extra);
  return { released: returned?.status === 'released' };
}

/** A task's failure as Step Functions hands it to the Catch: the error's name and its cause. */
export interface SagaFailure {
  Error: string;
  Cause?: string;
}

/** Problem types of the failures a shopper can act on; anything else is reported as `checkout-error` without detail. */
const FAILURE_CODES: Readonly<Record<string, string>> = {
  InsufficientStockError: 'insufficient-stock',
  SlotFullError: 'slot-full',
  SlotClosedError: 'slot-closed',
  SlotCutOffError: 'slot-cut-off',
  SlotInPastError: 'slot-in-past',
  SlotNotFoundError: 'slot-not-found',
  PaymentDeclined: 'payment-declined',
  ReauthorizationDeclined: 'reauthorization-declined',
};

/** The message inside a Lambda error's cause (`{"errorMessage": ...}`), or the cause itself. */
function messageOf(cause: string | undefined): string {
  if (cause === undefined) return '';
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    return typeof parsed.errorMessage === 'string' ? parsed.errorMessage : cause;
  } catch {
    return cause;
  }
}

/** The failure code and reason recorded on the order; an unexpected error's detail stays in the logs. */
export function describeFailure(failure: SagaFailure, status: Order['status']): { code: string; reason: string } {
  if (failure.Error === 'States.Timeout') {
    // A picked order times out only waiting on its shopper to authenticate a re-authorization (AwaitSubstitutions'
    // timeout is the cut-off, caught into CapturePayment).
    return status === 'payment-pending' || status === 'picked'
      ? { code: 'authentication-timeout', reason: 'The customer did not complete payment authentication in time.' }
      : { code: 'pick-timeout', reason: 'The order was not picked in time.' };
  }
  const code = FAILURE_CODES[failure.Error];
  if (code === undefined) return { code: 'checkout-error', reason: 'The checkout failed on an internal error; nothing is charged and the goods are back on sale.' };
  return { code, reason: messageOf(failure.Cause).slice(0, 500) || code };
}

/** The items that reopen the cart an order was checked out from, so the shopper can try again. */
async function reopenCartItems(deps: CheckoutDeps, order: Order): Promise<TransactItem[]> {
  if (order.cartId === undefined) return [];
  const cart: Cart | undefined = await getCartRecord(deps, order.cartId);
  if (cart?.status !== 'checked-out' || cart.orderId !== order.id) return [];
  const plan = { changes: { status: 'open' as const }, event: { kind: 'update' as const, change: 'reopened' as const, orderId: order.id } };
  const next = nextCart(cart, plan, deps.now());
  return [nextCartPut(deps, next, cart), cartEventItem(deps, next, plan.event, undefined)];
}

/** The mark that an order's promotion uses and loyalty points were given back: once, however often FailOrder runs. */
const REDEMPTIONS_REVERSED = 'checkout-redemptions-reversed';

/**
 * Gives back what the checkout transaction took for an order that failed or was cancelled: its promotions' uses and its
 * loyalty points, in one transaction headed by a mark, so it happens once.
 */
async function giveBackRedemptions(deps: CheckoutDeps, order: Order): Promise<void> {
  if (!order.redemptionsTaken || order.status === 'completed') return;
  const promotionIds = [...new Set(order.promotions.map((p) => p.promotionId))];
  const points = order.loyalty.pointsRedeemed;
  const mark = processedMarkItem(deps.tableName, REDEMPTIONS_REVERSED, order.id, deps.now().toISOString());
  try {
    await transactWrite(deps, [
      mark,
      ...(promotionIds.length === 0 ? [] : reverseRedemptionItems(promotionIds, order.shopperId, order.id, deps)),
      ...(points === 0 ? [] : reverseRedeemItems(order.shopperId, points, order.id, deps)),
    ]);
  } catch (error) {
    if (error instanceof TransactionCancelled && error.failedConditions().includes(0)) return;
    throw error;
  }
}

/**
 * The saga's last compensation: the order is marked failed with a code and a reason (a cancel marks it cancelled; an
 * order already cancelled by staff stays so), its cart reopens, `checkout.complete` says how it ended, and the promotion uses
 * and loyalty points the checkout took are given back.
 */
export async function failOrder(orderId: string, failure: SagaFailure, deps: CheckoutDeps = checkoutDeps()): Promise<{ status: string }> {
  let order = await requireOrder(deps, orderId);
  for (let attempt = 1; ; attempt += 1) {
    if (isTerminal(order.status)) {
      await giveBackRedemptions(deps, order);
      return { status: order.status };
    }
    const cancelled = failure.Error === ORDER_CANCELLED;
    const { code, reason } = cancelled ? { code: 'cancelled', reason: messageOf(failure.Cause) || 'cancelled' } : describeFailure(failure, order.status);
    const event = cancelled ? ({ type: 'cancel', reason } as const) : ({ type: 'fail', reason, code } as const);
    const reopen = await reopenCartItems(deps, order);
    try {
      const next = await updateOrderStatus(deps, order, event, SAGA_ACTOR, (changed) => [...reopen, completeEventItem(deps, changed, cancelled ? 'cancelled' : 'failed')]);
      // Counted on the one change that ends the order, however often the step runs.
      if (!cancelled) businessMetrics.checkoutFailed(code);
      await giveBackRedemptions(deps, next);
      return { status: next.status };
    } catch (error) {
      if (attempt >= 5 || !(error instanceof OrderChangedError)) throw error;
      // The failed write returned the order as it is now (a cancel, a pick): decide again on that.
      order = error.current ?? (await requireOrder(deps, orderId));
    }
  }
}
