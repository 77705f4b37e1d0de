import { tableDeps } from '../../shared/db/deps.js';
import { logger } from '../../shared/observability/logger.js';
import { scheduledJob } from '../../shared/observability/job.js';
import { applyRetention, type RetentionSummary } from '../../shared/personal-data/retention-job.js';

/** Scheduled daily: deletes the financial records past their store's jurisdiction's period; a rerun deletes nothing more. */
export const handler = scheduledJob(async (): Promise<RetentionSummary> => {
  const deps = tableDeps();
  const summary = await applyRetention(deps.now(), deps);
  logger.info('retention applied', { ordersDeleted: summary.ordersDeleted, itemsDeleted: summary.itemsDeleted, booksDeleted: summary.booksDeleted, stores: summary.windows.length });
  return summary;
});
