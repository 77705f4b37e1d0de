import { orderCompletedV1 } from '../../events/orders/order-completed.v1.js';
import { eventConsumer } from '../../shared/events/consumer.js';
import { earnForOrder } from '../../shared/loyalty/earn.js';
import { logger } from '../../shared/observability/logger.js';

/** order.completed → the shopper's points, credited once per order however often the event arrives. */
export const handler = eventConsumer(orderCompletedV1, async (order, { eventId }) => {
  const points = await earnForOrder(order, eventId);
  logger.info('loyalty points for order', { orderId: order.orderId, shopperId: order.shopperId, eventId, points });
});
