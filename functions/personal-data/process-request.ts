import { queueConsumer } from '../../shared/events/consumer.js';
import { logger } from '../../shared/observability/logger.js';
import { erasureDeps, exportDeps } from '../../shared/personal-data/deps.js';
import { PersonalDataRequest, processPersonalDataRequest } from '../../shared/personal-data/worker.js';

const deps = { ...exportDeps(), ...erasureDeps() };

/** SQS consumer of `personal-data-requests`: builds a requested export, or runs a requested erasure. */
export const handler = queueConsumer(PersonalDataRequest, async (request, { record }) => {
  const outcome = await processPersonalDataRequest(request, deps);
  // Ids and the outcome only: what was exported or erased never reaches a log.
  logger.info('personal-data request', { messageId: record.messageId, eventId: request.detail.id, ...outcome });
});
