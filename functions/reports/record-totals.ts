import { tableDeps } from '../../shared/db/deps.js';
import { queueConsumer } from '../../shared/events/consumer.js';
import { logger } from '../../shared/observability/logger.js';
import { recordDelivered, TotalsMessage } from '../../shared/reports/running-totals.js';

/** order.completed and order.refunded → the sale or refund counted in its store's report totals for its local day, once however often it arrives. */
export const handler = queueConsumer(TotalsMessage, async (message) => {
  const outcome = await recordDelivered(message, tableDeps());
  logger.info(outcome.counted ? 'counted in report totals' : 'already counted in report totals', outcome);
});
