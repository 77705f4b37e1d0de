import { logger } from '../../shared/observability/logger.js';
import { scheduledJob } from '../../shared/observability/job.js';
import { searchDeps } from '../../shared/search/deps.js';
import { refreshSnapshot } from '../../shared/search/snapshot.js';

/** Scheduled: rebuilds the search index from the table and writes the snapshot that search functions start from. */
export const handler = scheduledJob(async (): Promise<void> => {
  logger.info('search index snapshot written', { ...(await refreshSnapshot(searchDeps())) });
});
