import { orderStatusChangedV1 } from '../../events/orders/order-status-changed.v1.js';
import { eventConsumer } from '../../shared/events/consumer.js';
import { takeBackForRefund } from '../../shared/loyalty/clawback.js';
import { logger } from '../../shared/observability/logger.js';

/** order.status-changed (refunds) → the order's earned points taken back, and a full refund's redeemed points given back, once. */
export const handler = eventConsumer(orderStatusChangedV1, async (change, { eventId }) => {
  const outcome = await takeBackForRefund(change);
  if (outcome.taken + outcome.shortfall + outcome.returned === 0) return;
  const entry = { orderId: change.orderId, shopperId: change.shopperId, eventId, ...outcome };
  // A shortfall is points already spent that a refund could not take back: support may want to look at it.
  if (outcome.shortfall > 0) logger.warn('refund took back fewer points than the order earned', entry);
  else logger.info('loyalty points adjusted for a refund', entry);
});
