import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { z } from 'zod';
import { reconcile, reconcileDeps, ReconciliationDate, yesterday, type ReconciliationSummary } from '../../shared/billing/reconcile.js';
import { logger } from '../../shared/observability/logger.js';
import { scheduledJob } from '../../shared/observability/job.js';
import { metrics } from '../../shared/observability/metrics.js';

/** The schedule sends `{}` (reconcile yesterday, UTC); a person re-running a day sends `{ date }`. */
const Input = z.strictObject({ date: ReconciliationDate.optional() });

/** Scheduled nightly: reconciles one UTC day of our books against the billing system's exports. */
export const handler = scheduledJob(async (event: unknown): Promise<ReconciliationSummary> => {
  const deps = reconcileDeps();
  const date = Input.parse(event ?? {}).date ?? yesterday(deps.now());
  const outcome = await reconcile(date, deps);
  logger.info('billing reconciled', { ...outcome.summary, recorded: outcome.recorded, reEnqueued: outcome.reEnqueued });
  // A day that should reconcile clean but does not is what an alarm watches for.
  metrics.addMetric('ReconciliationDiscrepancies', MetricUnit.Count, outcome.summary.discrepancies);
  metrics.publishStoredMetrics();
  return outcome.summary;
});
