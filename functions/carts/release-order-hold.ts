import { orderStatusChangedV1 } from '../../events/orders/order-status-changed.v1.js';
import { releaseOrderHold } from '../../shared/carts/order-holds.js';
import { eventConsumer } from '../../shared/events/consumer.js';
import { logger } from '../../shared/observability/logger.js';

/** order.status-changed → a checkout's reservation counted off its shopper's hold limits once its payment settles or it ends. */
export const handler = eventConsumer(orderStatusChangedV1, async (change, { eventId }) => {
  const released = await releaseOrderHold(change);
  if (released) logger.info('order hold counted off the shopper limits', { orderId: change.orderId, to: change.to, eventId });
});
