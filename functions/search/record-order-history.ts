import { orderCompletedV1 } from '../../events/orders/order-completed.v1.js';
import { eventConsumer } from '../../shared/events/consumer.js';
import { logger } from '../../shared/observability/logger.js';
import { searchDeps } from '../../shared/search/deps.js';
import { recordCompletedOrder } from '../../shared/search/order-history.js';

/** SQS consumer of `search-order-history`, fed by `order.completed`: counts each order into sales and co-purchases, once. */
export const handler = eventConsumer(orderCompletedV1, async (order, { eventId }) => {
  const outcome = await recordCompletedOrder(eventId, order, searchDeps());
  logger.info('order counted into purchase history', { orderId: order.orderId, eventId, ...outcome });
});
