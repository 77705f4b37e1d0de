import type { z } from 'zod';
import type { orderStatusChangedV1 } from '../../events/orders/order-status-changed.v1.js';
import type { OrderStatus } from '../../events/orders/order-status.js';
import { TransactionCancelled, transactWrite } from '../db/transact.js';
import { orderReservationId } from '../inventory/reservation-ids.js';
import { cartDeps, type CartDeps } from './deps.js';
import { holdReleaseItems } from './hold-limits.js';

/**
 * A checkout's reservation counts towards its shopper's hold limits while the order waits for its payment (see
 * `hold-limits.ts`): an order that holds stock without a card behind it is a hold like a basket's. Once the payment is
 * authorized (the order is a purchase) or the order fails or is cancelled, `order.status-changed` counts it off here.
 */

/** The statuses of an order whose reservation is still a hold: nothing authorized yet. */
const HOLDING: ReadonlySet<OrderStatus> = new Set<OrderStatus>(['pending', 'reserved', 'payment-pending']);

export type OrderStatusChange = z.infer<typeof orderStatusChangedV1.schema>;

/**
 * Counts an order's reservation off its shopper's hold limits once the order leaves the statuses that hold. Idempotent:
 * the hold's claim is deleted under `attribute_exists` in the same transaction as the counter's decrements, so a
 * redelivered or later event (and orders from the till, which never counted) change nothing.
 * @returns whether this call counted the hold off
 */
export async function releaseOrderHold(change: Pick<OrderStatusChange, 'orderId' | 'to'>, deps: CartDeps = cartDeps()): Promise<boolean> {
  if (HOLDING.has(change.to)) return false;
  const items = await holdReleaseItems(deps, orderReservationId(change.orderId));
  if (items.length === 0) return false;
  try {
    await transactWrite(deps, items);
    return true;
  } catch (error) {
    if (error instanceof TransactionCancelled && error.failedConditions().includes(0)) return false;
    throw error;
  }
}
