import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { queueConsumer } from '../../shared/events/consumer.js';
import { logger } from '../../shared/observability/logger.js';
import { metrics } from '../../shared/observability/metrics.js';
import { attemptDelivery } from '../../shared/webhooks/deliver.js';
import { senderDeps } from '../../shared/webhooks/delivery-deps.js';
import { DeliveryMessage } from '../../shared/webhooks/delivery-model.js';

/**
 * `webhooks-deliveries` queue → one signed attempt per message, the batch's messages in parallel (each under its own
 * time limit, so a slow endpoint holds up no other's delivery), the attempt recorded and the next one scheduled.
 * Endpoints failing is normal and never fails a message; only the table or the queue failing does (then SQS redelivers).
 */
export const handler = queueConsumer(DeliveryMessage, async (message, { record }) => {
  const report = await attemptDelivery(senderDeps(), message);
  if (report.attempt && report.result !== 'stale') metrics.addMetric(report.result === 'succeeded' ? 'WebhookAttemptsSucceeded' : 'WebhookAttemptsFailed', MetricUnit.Count, 1);
  if (report.result === 'failed') metrics.addMetric('WebhookDeliveriesGivenUp', MetricUnit.Count, 1);
  if (report.endpointDisabled) {
    metrics.addMetric('WebhookEndpointsDisabled', MetricUnit.Count, 1);
    // Operators watch for this line (docs/operations.md); the owner hears through webhook-endpoint.disabled.
    logger.warn('webhook endpoint disabled: failing for the whole retry window', { endpointId: report.endpointId, deliveryId: report.deliveryId });
  }
  logger.info('webhook delivery', { messageId: record.messageId, ...report });
});
