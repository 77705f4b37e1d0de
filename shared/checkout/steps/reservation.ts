import { stockQuantity } from '../../carts/quantities.js';
import type { TransactItem } from '../../db/transact.js';
import { explainSlotHoldFailure, getSlot, slotHoldItem, slotLabel } from '../../fulfillment/slots.js';
import { SlotNotFoundError } from '../../fulfillment/errors.js';
import { ReservationConditionError } from '../../inventory/errors.js';
import { orderReservationId } from '../../inventory/reservation-ids.js';
import { MAX_HOLD_SECONDS, reserveStock } from '../../inventory/reservations.js';
import type { Order } from '../../orders/model.js';
import { OrderChangedError, orderChange, requireOrder } from '../../orders/repository.js';
import { checkoutDeps, SAGA_ACTOR, type CheckoutDeps } from '../deps.js';
import { refuse, slotOf } from './common.js';

/**
 * The saga's Reserve step and the reservation of an order's stock and slot, which POST /checkout makes too (see
 * `common.ts` for how the steps are laid out).
 */

/** How long an order's stock stays held: to the end of its slot and a day beyond, for late picks; a till sale an hour. */
export function orderHoldSeconds(slotEndsAt: string | undefined, now: Date): number {
  if (slotEndsAt === undefined) return 60 * 60;
  const seconds = Math.ceil((Date.parse(slotEndsAt) - now.getTime()) / 1000) + 24 * 60 * 60;
  return Math.min(MAX_HOLD_SECONDS, Math.max(60 * 60, seconds));
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
 * An order from POST /checkout arrives reserved already, and its saga input says so (`reserved`): nothing is read or
 * written then. One from the till is reserved here.
 * @param reserved the reservation the saga's input names, made with the order before the saga started; `null` when none was
 * @throws InsufficientStockError (409) naming the short lines, SlotFullError (409) and the like; nothing is held
 */
export async function reserveForOrder(orderId: string, reserved: string | null = null, deps: CheckoutDeps = checkoutDeps()): Promise<{ reservationId: string }> {
  // Only POST /checkout names one, after storing the order reserved with it in one transaction: nothing to check.
  if (reserved !== null) return { reservationId: reserved };
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
