import { queueConsumer } from '../../shared/events/consumer.js';
import { syncBillingMessage } from '../../shared/billing/sync.js';
import { BillingSyncMessage } from '../../shared/billing/sync-messages.js';
import { logger } from '../../shared/observability/logger.js';

/**
 * `billing-sync` queue → the billing system: invoices for completed orders, credit notes for refunds, subscriptions.
 * A record that still fails after its retries (billing down, a refund ahead of its invoice) is reported alone, so SQS
 * redelivers only it and parks it in the DLQ after `maxReceiveCount`.
 */
export const handler = queueConsumer(BillingSyncMessage, async (message, { record, receiveCount }) => {
  const result = await syncBillingMessage(message, record.messageId);
  logger.info('billing sync', { messageId: record.messageId, receiveCount, ...result });
});
