import { sweepExpiredReservations } from '../../shared/inventory/sweeper.js';
import { logger } from '../../shared/observability/logger.js';
import { scheduledJob } from '../../shared/observability/job.js';

/** Scheduled every minute: releases the reservations whose hold has ended, putting their stock back on sale. */
export const handler = scheduledJob(async (): Promise<{ expired: number; released: number }> => {
  const result = await sweepExpiredReservations();
  // Most minutes find nothing; only a sweep that had work is worth a line at the default level.
  if (result.expired > 0) logger.info('expired reservations swept', { ...result });
  else logger.debug('no expired reservations', { ...result });
  return result;
});
