import { checkoutCompleteV1 } from '../../events/checkout/checkout-complete.v1.js';
import { saleRecordItem } from '../billing/books.js';
import { cartEventItem, nextCart } from '../carts/change.js';
import type { Cart } from '../carts/model.js';
import { stockQuantity } from '../carts/quantities.js';
import { getCartRecord, nextCartPut } from '../carts/repository.js';
import { TransactionCancelled, transactWrite, type TransactItem } from '../db/transact.js';
import { reverseRedeemItems } from '../loyalty/redemptions.js';
import { reverseRedemptionItems } from '../promotions/redemptions.js';
import { outboxEvent } from '../events/outbox.js';
import { explainSlotHoldFailure, getSlot, slotHoldItem, slotLabel, slotReleaseItem } from '../fulfillment/slots.js';
import { SlotNotFoundError } from '../fulfillment/errors.js';
import { ReservationConditionError } from '../inventory/errors.js';
import { commitReservation, MAX_HOLD_SECONDS, releaseReservation, reserveStock, returnCommitted } from '../inventory/reservations.js';
import type { Order } from '../orders/model.js';
import { pricePicks } from '../orders/picking.js';
import { OrderChangedError, orderChange, requireOrder, updateOrderStatus } from '../orders/repository.js';
import { InvalidTransitionError, isTerminal, type OrderEventType } from '../orders/status.js';
import { idempotencyKey } from '../payments/gateway.js';
import { checkoutDeps, SAGA_ACTOR, type CheckoutDeps } from './deps.js';
import { PaymentDeclinedError, ReauthorizationDeclinedError, ORDER_CANCELLED } from './errors.js';
import { settleAuthentication, settleWait, storeWait, waitItem } from './waits.js';
import { processedMarkItem } from '../events/processed.js';

/**
 * The checkout saga's steps, one per Task state of `infra/workflows/checkout.asl.json`. Each is safe to run again
 * (Step Functions retries, Lambda redelivers): it first looks at the order and returns what an earlier run already did.
 * Each returns what its compensation needs, and every compensation is idempotent too. docs/checkout.md walks through it.
 */

/** The reservation of an order: one per order, so a retried Reserve asks for the one it may already have made. */
export function orderReservationId(orderId: string): string {
  return `order-${orderId}`;
}

/** How long an order's stock stays held: to the end of its slot and a day beyond, for late picks; a till sale an hour. */
export function orderHoldSeconds(slotEndsAt: string | undefined, now: Date): number {
  if (slotEndsAt === undefined) return 60 * 60;
  const seconds = Math.ceil((Date.parse(slotEndsAt) - now.getTime()) / 1000) + 24 * 60 * 60;
  return Math.min(MAX_HOLD_SECONDS, Math.max(60 * 60, seconds));
}

function slotOf(order: Order): string | undefined {
  return order.fulfillment.mode === 'in-store' ? undefined : order.fulfillment.slotId;
}

/** A step found the order already moved past it by someone else (a cancel): the saga compensates. */
function refuse(order: Order, step: OrderEventType): never {
  throw new InvalidTransitionError(order.id, order.status, step);
}

/** An item a reservation of an order commits with, named so that a failed condition is reported by name. */
export interface LabelledItem {
  item: TransactItem;
  label: string;
}

/**
 * Holds every line of an order and one unit of its slot's capacity in ONE transaction with `extra` (the order's own
 * change, and whatever the caller commits with it): the reservation POST /checkout makes and the saga's Reserve makes.
 * @throws InsufficientStockError (409) naming the short lines; nothing is held
 * @throws ReservationConditionError naming the labels whose conditions failed (see {@link slotRefusal} for the slot's)
 */
export async function reserveOrderStock(
  deps: CheckoutDeps,
  order: Order,
  slotEndsAt: string | undefined,
  extra: readonly LabelledItem[],
  correlationId?: string,
): Promise<void> {
  const slotId = slotOf(order);
  const now = deps.now();
  const held = slotId === undefined ? extra : [...extra, { item: slotHoldItem(deps.tableName, order.storeId, slotId, now), label: slotLabel(order.storeId, slotId) }];
  await reserveStock(
    {
      reservationId: orderReservationId(order.id),
      storeId: order.storeId,
      ownerRef: `order:${order.id}`,
      lines: order.lines.map((line) => ({ sku: line.sku, quantity: stockQuantity(line.quantity) })),
      holdSeconds: orderHoldSeconds(slotEndsAt, now),
      extraItems: held.map((h) => h.item),
      extraItemLabels: held.map((h) => h.label),
      ...(correlationId === undefined ? {} : { correlationId }),
    },
    deps,
  );
}

/** The slot's own refusal (full, closed, past its cut-off) when its hold failed in `error`; otherwise `error` itself. */
export async function slotRefusal(deps: CheckoutDeps, order: Order, error: ReservationConditionError): Promise<Error> {
  const slotId = slotOf(order);
  if (slotId === undefined || !error.failed.includes(slotLabel(order.storeId, slotId))) return error;
  return (await explainSlotHoldFailure(order.storeId, slotId, deps.now(), deps)) ?? error;
}

/** Labels of an order's own change in a reservation: its Put first, then its events. */
export function orderChangeItems(items: readonly TransactItem[]): LabelledItem[] {
  return items.map((item, i) => ({ item, label: i === 0 ? ORDER_LABEL : `order event ${i - 1}` }));
}

/** How a reservation names the order's own Put; a failed condition on it means the order changed meanwhile. */
export const ORDER_LABEL = 'the order';

/**
 * Reserve: every line's stock, one unit of the slot's capacity and the order's move to `reserved`, in one transaction.
 * An order from POST /checkout arrives reserved already; one from the till is reserved here.
 * @throws InsufficientStockError (409) naming the short lines, SlotFullError (409) and the like; nothing is held
 */
export async function reserveForOrder(orderId: string, deps: CheckoutDeps = checkoutDeps()): Promise<{ reservationId: string }> {
  const order = await requireOrder(deps, orderId);
  const reservationId = orderReservationId(orderId);
  if (order.reservationId === reservationId) return { reservationId };
  if (order.status !== 'pending') refuse(order, 'reserve');
  const slotId = slotOf(order);
  const slot = slotId === undefined ? undefined : await getSlot(order.storeId, slotId, deps);
  if (slotId !== undefined && !slot) throw new SlotNotFoundError(order.storeId, slotId);
  const change = orderChange(deps, order, { type: 'reserve', reservationId }, SAGA_ACTOR);
  try {
    await reserveOrderStock(deps, order, slot?.endsAt, orderChangeItems(change.items));
  } catch (error) {
    if (!(error instanceof ReservationConditionError)) throw error;
    if (error.failed.includes(ORDER_LABEL)) throw new OrderChangedError(order.id, order.version, order.status);
    throw await slotRefusal(deps, order, error);
  }
  return { reservationId };
}

/** CreatePayment: the PaymentIntent for what the card must hold, not yet confirmed, so no money is held by this step. */
export async function createPayment(orderId: string, deps: CheckoutDeps = checkoutDeps()): Promise<{ intentId: string }> {
  const order = await requireOrder(deps, orderId);
  if (order.payment.intentId !== undefined) return { intentId: order.payment.intentId };
  if (order.status !== 'reserved') refuse(order, 'authorize');
  if (order.payment.method === undefined) throw new RangeError(`order ${orderId} has no payment method to charge`);
  const gateway = await deps.gateway();
  const intent = await gateway.createIntent(
    { orderId, amount: { amount: order.totals.authorizationTotal, currency: order.totals.currency }, paymentMethod: order.payment.method },
    idempotencyKey(orderId, 'authorize'),
  );
  return { intentId: intent.intentId };
}

/**
 * AuthorizePayment: confirms the intent, placing the hold. The order becomes `authorized`, or `payment-pending` with the
 * action the customer must take (3-D Secure).
 * @throws PaymentDeclinedError when the card is refused
 */
export async function authorizePayment(orderId: string, intentId: string, deps: CheckoutDeps = checkoutDeps()): Promise<{ status: 'authorized' | 'requires_action' }> {
  const order = await requireOrder(deps, orderId);
  if (order.status === 'payment-pending') return { status: 'requires_action' };
  if (order.status === 'authorized' || (order.payment.intentId === intentId && order.payment.authorized > 0)) return { status: 'authorized' };
  if (order.status !== 'reserved') refuse(order, 'authorize');
  const gateway = await deps.gateway();
  const outcome = await gateway.confirm(intentId, idempotencyKey(orderId, 'confirm'));
  if (outcome.status === 'declined') throw new PaymentDeclinedError(orderId, outcome.declineCode, outcome.message);
  if (outcome.status === 'requires_action') {
    const action = { type: outcome.nextAction, clientSecret: outcome.clientSecret, ...(outcome.redirectUrl === undefined ? {} : { redirectUrl: outcome.redirectUrl }) };
    await updateOrderStatus(deps, order, { type: 'require-action', intentId, action }, SAGA_ACTOR);
    return { status: 'requires_action' };
  }
  await updateOrderStatus(deps, order, { type: 'authorize', intentId, amount: outcome.payment.capturable }, SAGA_ACTOR);
  return { status: 'authorized' };
}

/**
 * AwaitAuthentication: keeps the task token where the payment webhook will find it, then looks at the intent once
 * itself, because the customer may have finished before the token was stored.
 */
export async function awaitAuthentication(input: { orderId: string; intentId: string; taskToken: string }, deps: CheckoutDeps = checkoutDeps()): Promise<void> {
  await storeWait(deps, 'authentication', input.intentId, { token: input.taskToken, orderId: input.orderId });
  // A cancel that came before the token was stored found nothing to fail; it left the order cancelled for us to see.
  if (isTerminal((await requireOrder(deps, input.orderId)).status)) {
    await settleWait(deps, 'authentication', input.intentId, (token) => deps.workflow.fail(token, ORDER_CANCELLED, JSON.stringify({ errorMessage: 'the order was cancelled' })));
    return;
  }
  const intent = await (await deps.gateway()).retrieve(input.intentId);
  if (intent.status === 'requires_capture') await settleAuthentication(input.intentId, { outcome: 'authorized' }, deps);
  else if (intent.status === 'canceled' || intent.status === 'requires_payment_method') {
    await settleAuthentication(input.intentId, { outcome: 'declined', declineCode: 'authentication_failed', message: 'The customer did not complete authentication.' }, deps);
  }
}

/** Whether an order has goods sold by weight, whose price is only known once they are picked. */
function hasWeighedLines(order: Order): boolean {
  return order.lines.some((line) => line.estimate !== undefined);
}

/**
 * ConfirmOrder: an order authorized after 3-D Secure records its hold first; then it is confirmed. Says whether to
 * capture now (no weighed lines and the shop captures on confirm) or after picking.
 */
export async function confirmOrder(orderId: string, deps: CheckoutDeps = checkoutDeps()): Promise<{ captureNow: boolean }> {
  let order = await requireOrder(deps, orderId);
  const captureNow = deps.settings.captureOnConfirm && !hasWeighedLines(order);
  if (order.statusHistory.some((change) => change.event === 'confirm')) {
    if (isTerminal(order.status)) refuse(order, 'confirm');
    return { captureNow };
  }
  if (order.status === 'payment-pending') {
    const intentId = order.payment.intentId!;
    const intent = await (await deps.gateway()).retrieve(intentId);
    if (intent.status !== 'requires_capture') throw new PaymentDeclinedError(orderId, 'not_authorized', `the payment is ${intent.status}, not authorized`);
    order = await updateOrderStatus(deps, order, { type: 'authorize', intentId, amount: intent.capturable }, SAGA_ACTOR);
  }
  await updateOrderStatus(deps, order, { type: 'confirm' }, SAGA_ACTOR);
  return { captureNow };
}

/** AwaitPick: the order joins its store's pick list (`picking`) and the token waits for `POST /orders/{id}/pick`. */
export async function awaitPick(input: { orderId: string; taskToken: string }, deps: CheckoutDeps = checkoutDeps()): Promise<void> {
  const order = await requireOrder(deps, input.orderId);
  const wait = waitItem(deps, 'pick', order.id, { token: input.taskToken, orderId: order.id });
  if (order.status === 'picking') {
    await storeWait(deps, 'pick', order.id, { token: input.taskToken, orderId: order.id });
    return;
  }
  if (order.status !== 'confirmed') refuse(order, 'start-picking');
  await updateOrderStatus(deps, order, { type: 'start-picking' }, SAGA_ACTOR, [wait]);
}

/** What the order comes to now: as ordered, or as picked. */
export function amountDue(order: Order): number {
  if (!order.lines.some((line) => line.picked !== undefined)) return order.totals.total;
  const picks = order.lines.map((line) => ({
    lineId: line.lineId,
    ...(line.picked?.quantity === undefined ? {} : { quantity: line.picked.quantity }),
    ...(line.picked?.substitute === undefined ? {} : { substitute: line.picked.substitute }),
  }));
  return pricePicks(order, picks).finalTotal;
}

/**
 * When the picked goods cost more than the hold: a new off-session authorization for the final amount replaces it
 * (the old hold is voided), or the step fails with ReauthorizationDeclined. Never a silent capture above the hold.
 */
async function reauthorize(order: Order, amount: number, deps: CheckoutDeps): Promise<Order> {
  const gateway = await deps.gateway();
  const oldIntent = order.payment.intentId!;
  const intent = await gateway.createIntent(
    { orderId: order.id, amount: { amount, currency: order.totals.currency }, paymentMethod: order.payment.method!, offSession: true },
    idempotencyKey(order.id, 'reauthorize'),
  );
  const outcome = await gateway.confirm(intent.intentId, idempotencyKey(order.id, 'reauthorize-confirm'), { offSession: true });
  if (outcome.status !== 'authorized') {
    await gateway.cancel(intent.intentId, idempotencyKey(order.id, 'cancel', intent.intentId));
    throw new ReauthorizationDeclinedError(order.id, amount, order.payment.authorized, outcome.status === 'declined' ? outcome.declineCode : 'authentication_required');
  }
  const next = await updateOrderStatus(deps, order, { type: 'reauthorize', intentId: intent.intentId, amount: outcome.payment.capturable }, SAGA_ACTOR);
  await gateway.cancel(oldIntent, idempotencyKey(order.id, 'cancel', oldIntent));
  return next;
}

/**
 * CapturePayment: captures what the order comes to (as ordered, or as picked), never more than the hold.
 * @throws ReauthorizationDeclinedError when the pick exceeds the hold and the card refuses a new authorization
 */
export async function capturePayment(orderId: string, deps: CheckoutDeps = checkoutDeps()): Promise<{ intentId: string; amount: number }> {
  let order = await requireOrder(deps, orderId);
  if (order.payment.captured > 0) {
    if (order.status !== 'captured' && order.status !== 'completed') refuse(order, 'capture');
    return { intentId: order.payment.intentId!, amount: order.payment.captured };
  }
  if (order.status !== 'confirmed' && order.status !== 'picked') refuse(order, 'capture');
  const amount = amountDue(order);
  if (amount > order.payment.authorized) order = await reauthorize(order, amount, deps);
  const intentId = order.payment.intentId!;
  const currency = order.totals.currency;
  if (amount > 0) {
    await (await deps.gateway()).capture({ intentId, amount: { amount, currency }, authorized: { amount: order.payment.authorized, currency } }, idempotencyKey(orderId, 'capture'));
    await updateOrderStatus(deps, order, { type: 'capture', amount }, SAGA_ACTOR);
  } else {
    // Nothing could be handed over: there is nothing to capture, so the hold is voided and the order fails as unpicked.
    throw new PaymentDeclinedError(orderId, 'nothing_picked', 'none of the order could be picked');
  }
  return { intentId, amount };
}

/** CommitStock: what was picked moves from reserved to committed; what was not goes back on the shelf. */
export async function commitStock(orderId: string, deps: CheckoutDeps = checkoutDeps()): Promise<{ committedLines: number }> {
  const order = await requireOrder(deps, orderId);
  const reservationId = order.reservationId ?? orderReservationId(orderId);
  const picked = order.lines.some((line) => line.picked !== undefined)
    ? order.lines.flatMap((line) => (line.picked?.quantity === undefined || line.picked.substitute !== undefined ? [] : [{ sku: line.sku, quantity: stockQuantity(line.picked.quantity) }]))
    : undefined;
  const reservation = await commitReservation(reservationId, picked, deps);
  return { committedLines: reservation.committedLines?.length ?? 0 };
}

function completeEventItem(deps: CheckoutDeps, order: Order, outcome: 'completed' | 'failed' | 'cancelled'): TransactItem {
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

/** CompleteOrder: `captured` → `completed`; `order.completed` (for invoicing), `checkout.complete` and the day's sale record go with it. */
export async function completeOrder(orderId: string, deps: CheckoutDeps = checkoutDeps()): Promise<{ status: string }> {
  const order = await requireOrder(deps, orderId);
  if (order.status === 'completed') return { status: order.status };
  if (order.status !== 'captured') refuse(order, 'complete');
  await updateOrderStatus(deps, order, { type: 'complete' }, SAGA_ACTOR, (next) => [completeEventItem(deps, next, 'completed'), saleRecordItem(deps.tableName, next, next.updatedAt)]);
  return { status: 'completed' };
}

/**
 * Compensation of the payment steps: each intent the order used is settled as the provider sees it now: a hold is
 * voided, a capture refunded (what is left of it), a canceled one left alone.
 */
export async function releasePayment(orderId: string, intentId: string | undefined, deps: CheckoutDeps = checkoutDeps()): Promise<{ voided: string[]; refunded: string[] }> {
  const order = await requireOrder(deps, orderId);
  const gateway = await deps.gateway();
  const intents = [...new Set([intentId, order.payment.intentId].filter((id): id is string => id !== undefined))];
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
    return status === 'payment-pending'
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
  for (let attempt = 1; ; attempt += 1) {
    const order = await requireOrder(deps, orderId);
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
      await giveBackRedemptions(deps, next);
      return { status: next.status };
    } catch (error) {
      if (attempt >= 5 || !(error instanceof OrderChangedError)) throw error;
    }
  }
}
