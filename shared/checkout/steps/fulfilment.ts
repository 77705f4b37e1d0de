import { stockQuantity } from '../../carts/quantities.js';
import { orderReservationId } from '../../inventory/reservation-ids.js';
import { commitReservation } from '../../inventory/reservations.js';
import { saleRecordItem } from '../../orders/books.js';
import { requireOrder, updateOrderStatus } from '../../orders/repository.js';
import { storeWait, waitItem } from '../../orders/waits.js';
import { checkoutDeps, SAGA_ACTOR, type CheckoutDeps } from '../deps.js';
import { completeEventItem, refuse } from './common.js';

/**
 * The saga's fulfilment steps: AwaitPick, CommitStock and CompleteOrder (see `common.ts` for how the steps are laid out).
 */

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

/** CompleteOrder: `captured` → `completed`; `order.completed` (for invoicing), `checkout.complete` and the day's sale record go with it. */
export async function completeOrder(orderId: string, deps: CheckoutDeps = checkoutDeps()): Promise<{ status: string }> {
  const order = await requireOrder(deps, orderId);
  if (order.status === 'completed') return { status: order.status };
  if (order.status !== 'captured') refuse(order, 'complete');
  await updateOrderStatus(deps, order, { type: 'complete' }, SAGA_ACTOR, (next) => [completeEventItem(deps, next, 'completed'), saleRecordItem(deps.tableName, next, next.updatedAt)]);
  return { status: 'completed' };
}
