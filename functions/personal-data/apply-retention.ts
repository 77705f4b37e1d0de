import { tableDeps } from '../../shared/db/deps.js';
import { logger } from '../../shared/observability/logger.js';
import { scheduledJob } from '../../shared/observability/job.js';
import { applyRetention, type RetentionSummary } from '../../shared/personal-data/retention-job.js';

/**
 * Scheduled daily: requests the erasure of accounts unused past their jurisdiction's period and deletes the financial
 * records past their store's; a rerun does nothing more. Counts only are logged: the skipped shoppers are in the result.
 */
export const handler = scheduledJob(async (): Promise<RetentionSummary> => {
  const deps = tableDeps();
  const summary = await applyRetention(deps.now(), deps);
  const { inactiveAccounts: inactive } = summary;
  logger.info('retention applied', {
    ordersDeleted: summary.ordersDeleted,
    itemsDeleted: summary.itemsDeleted,
    booksDeleted: summary.booksDeleted,
    stores: summary.windows.length,
    inactiveCandidates: inactive.candidates,
    erasuresRequested: inactive.erasuresRequested,
    erasuresAlreadyRequested: inactive.alreadyRequested,
    inactiveSkippedInFlight: inactive.skipped.length,
  });
  return summary;
});
