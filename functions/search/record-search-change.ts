import { queueConsumer } from '../../shared/events/consumer.js';
import { logger } from '../../shared/observability/logger.js';
import { searchDeps } from '../../shared/search/deps.js';
import { DeliveredEvent, recordSearchChanges } from '../../shared/search/record-change.js';

/**
 * SQS consumer of `search-changes`, fed by the catalog and inventory rules: records the current
 * state of what each event touched in the search change feed, which search functions poll.
 */
export const handler = queueConsumer(DeliveredEvent, async (event) => {
  const changes = await recordSearchChanges(event, searchDeps());
  logger.info('search changes recorded', { detailType: event['detail-type'], eventId: event.detail.id, changes: changes.map((c) => c.kind) });
});
