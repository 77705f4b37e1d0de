import { queues } from '../../wiring/index.js';
import { ImportMessage, processImportMessage } from '../../shared/catalog/import/process-message.js';
import { queueConsumer } from '../../shared/events/consumer.js';

const MAX_RECEIVES = queues.find((q) => q.id === 'catalog-import')!.maxReceiveCount;

/** SQS consumer of `catalog-import`: one import job per message, resumable across deliveries. */
export const handler = queueConsumer(ImportMessage, (message, { context, receiveCount }) =>
  processImportMessage(message, { receiveCount, maxReceives: MAX_RECEIVES, remainingTimeMs: () => context.getRemainingTimeInMillis() }),
);
