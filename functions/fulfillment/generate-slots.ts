import { observedBatchHandler } from '../../shared/events/consumer.js';
import { generateSlots } from '../../shared/fulfillment/generate-slots.js';
import { logger } from '../../shared/observability/logger.js';

/** Scheduled daily: materializes every open store's slots for the coming week; existing slots are left alone. */
export const handler = observedBatchHandler(async () => {
  const report = await generateSlots();
  logger.info('slots generated', { ...report });
  return report;
});
