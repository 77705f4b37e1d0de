/**
 * Ids of reservations that other contexts make and look up again, kept here, below all of them, so that each can import
 * them without importing the others: checkout reserves an order's stock under {@link orderReservationId}, and carts
 * counts that reservation against the shopper's hold limits, and off them once the order is paid for or ends.
 */

/** The reservation of an order: one per order, so a retried Reserve asks for the one it may already have made. */
export function orderReservationId(orderId: string): string {
  return `order-${orderId}`;
}
