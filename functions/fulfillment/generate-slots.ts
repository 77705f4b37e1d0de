import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { generateSlots, type GenerationReport } from '../../shared/fulfillment/generate-slots.js';
import { logger } from '../../shared/observability/logger.js';
import { scheduledJob } from '../../shared/observability/job.js';
import { metrics } from '../../shared/observability/metrics.js';

/** Scheduled daily: materializes every open store's slots for the coming week; existing slots are left alone. */
export const handler = scheduledJob(async (): Promise<GenerationReport> => {
  const report = await generateSlots();
  logger.info('slots generated', { ...report });
  // Each daily run should add one day per store; the count makes a stalled week visible.
  metrics.addMetric('SlotsCreated', MetricUnit.Count, report.created);
  metrics.publishStoredMetrics();
  return report;
});
