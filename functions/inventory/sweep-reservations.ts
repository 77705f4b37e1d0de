import { sweepExpiredReservations } from '../../shared/inventory/sweeper.js';
import { logger } from '../../shared/observability/logger.js';

/** Scheduled every minute: releases the reservations whose hold has ended, putting their stock back on sale. */
export const handler = async (): Promise<{ expired: number; released: number }> => {
  const result = await sweepExpiredReservations();
  logger.info('expired reservations swept', { ...result });
  return result;
};
