import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import type { DeadLetterQueue } from '../config/config.js';

/** How many messages a queue holds, as SQS counts them (approximately, and eventually consistent). */
export const QueueDepthView = z.strictObject({
  depth: z.number().int().min(0).describe('Messages waiting to be received (`ApproximateNumberOfMessages`).'),
  inFlight: z.number().int().min(0).describe('Messages received and not yet deleted or returned (`ApproximateNumberOfMessagesNotVisible`).'),
  delayed: z.number().int().min(0).describe('Messages sent with a delay that has not passed yet (`ApproximateNumberOfMessagesDelayed`).'),
});
export type QueueDepth = z.infer<typeof QueueDepthView>;

/** One wiring queue's dead-letter queue, with the queue it takes the failures of. */
export const DeadLetterQueueView = z.strictObject({
  id: z.string().describe('The wiring queue id; `POST /admin/queues/{id}/redrive` moves its dead letters back.'),
  deadLetterQueue: z.string().describe('The DLQ id, `<id>-dlq`.'),
  deadLetters: QueueDepthView.describe('The DLQ: messages the consumer gave up on.'),
  source: QueueDepthView.describe('The queue the dead letters came from and go back to.'),
  redriving: z
    .boolean()
    .describe(
      'Dead letters are in flight: only a redrive receives from a DLQ, so a redrive is moving them now (or one could not send them and they ' +
        'reappear within a minute). No record of redrives is kept beyond this.',
    ),
});
export type DeadLetterQueueSummary = z.infer<typeof DeadLetterQueueView>;

/** `GET /admin/queues`. */
export const DeadLetterQueueListView = z.strictObject({ items: z.array(DeadLetterQueueView) });
export type DeadLetterQueueList = z.infer<typeof DeadLetterQueueListView>;

const DEPTH_ATTRIBUTES = ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'] as const;

/**
 * Every wiring queue's DLQ and the queue itself with their depths, by queue id: two GetQueueAttributes per queue, all
 * at once. The age of the oldest dead letter is left out: SQS gives it only as a CloudWatch metric, not an attribute.
 */
export async function listDeadLetterQueues(sqs: SQSClient, queues: readonly DeadLetterQueue[]): Promise<DeadLetterQueueList> {
  const items = await Promise.all(
    queues.map(async (queue): Promise<DeadLetterQueueSummary> => {
      const [deadLetters, source] = await Promise.all([depthOf(sqs, queue.dlqUrl), depthOf(sqs, queue.queueUrl)]);
      return { id: queue.queueId, deadLetterQueue: `${queue.queueId}-dlq`, deadLetters, source, redriving: deadLetters.inFlight > 0 };
    }),
  );
  return { items: items.sort((a, b) => a.id.localeCompare(b.id)) };
}

async function depthOf(sqs: SQSClient, queueUrl: string): Promise<QueueDepth> {
  const { Attributes = {} } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: [...DEPTH_ATTRIBUTES] }));
  return {
    depth: countOf(Attributes.ApproximateNumberOfMessages),
    inFlight: countOf(Attributes.ApproximateNumberOfMessagesNotVisible),
    delayed: countOf(Attributes.ApproximateNumberOfMessagesDelayed),
  };
}

/** SQS returns counts as decimal strings; one it leaves out counts as none. */
function countOf(value: string | undefined): number {
  const n = Number(value ?? 0);
  return Number.isSafeInteger(n) && n >= 0 ? n : 0;
}
