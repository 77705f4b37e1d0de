import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type Message,
  type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs';

/**
 * Moving what a queue's consumer gave up on (its dead-letter queue) back onto the queue, once the cause is fixed.
 * The same use-case serves `npm run dlq:redrive -- <queue-id>` and `POST /admin/queues/{id}/redrive`.
 */

/** A queue and its DLQ, by URL. */
export interface RedriveTarget {
  queueId: string;
  queueUrl: string;
  dlqUrl: string;
}

export interface RedriveOptions {
  /** Stop once this many messages were moved: what failed again during a redrive must not be moved round in circles. */
  maxMessages?: number;
  /** Stop starting new batches after this (epoch ms): an HTTP caller has API Gateway's 29 s. */
  deadline?: number;
  /** How long a received DLQ message stays hidden while it is copied; it reappears in the DLQ if the copy fails. */
  visibilityTimeoutSeconds?: number;
  now?: () => number;
}

export interface RedriveReport {
  queueId: string;
  /** Sent to the queue and deleted from the DLQ. */
  moved: number;
  /** Could not be sent; they stay in the DLQ and reappear there after the visibility timeout. */
  failed: number;
  /** Sent, but their deletion from the DLQ failed: they will be delivered again, which consumers already tolerate. */
  notDeleted: number;
  /** Whether the DLQ may still hold messages (stopped by `maxMessages` or the deadline, or some failed). */
  more: boolean;
}

const BATCH = 10;
const DEFAULT_MAX_MESSAGES = 10_000;
const DEFAULT_VISIBILITY_SECONDS = 60;

/**
 * Moves messages from a queue's DLQ back to the queue, ten at a time: each batch is received from the DLQ, sent to
 * the queue with its body and attributes unchanged, and only what was sent is deleted from the DLQ. A crash between
 * send and delete can only deliver a message twice, never lose one; every SmartShelf consumer dedupes. It stops when
 * a receive finds nothing, or at `maxMessages` or the deadline.
 */
export async function redriveQueue(sqs: SQSClient, target: RedriveTarget, options: RedriveOptions = {}): Promise<RedriveReport> {
  const now = options.now ?? Date.now;
  const maxMessages = options.maxMessages ?? DEFAULT_MAX_MESSAGES;
  const report: RedriveReport = { queueId: target.queueId, moved: 0, failed: 0, notDeleted: 0, more: false };
  for (;;) {
    if (report.moved + report.failed >= maxMessages || (options.deadline !== undefined && now() >= options.deadline)) {
      report.more = true;
      return report;
    }
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: target.dlqUrl,
        MaxNumberOfMessages: Math.min(BATCH, maxMessages - report.moved - report.failed),
        VisibilityTimeout: options.visibilityTimeoutSeconds ?? DEFAULT_VISIBILITY_SECONDS,
        // A short wait still finds messages that a busy DLQ spreads across its hosts.
        WaitTimeSeconds: 1,
        MessageAttributeNames: ['All'],
      }),
    );
    if (Messages.length === 0) {
      report.more = report.failed > 0;
      return report;
    }
    const sent = await sendAll(sqs, target.queueUrl, Messages);
    report.failed += Messages.length - sent.length;
    if (sent.length === 0) continue;
    const deleted = await sqs.send(
      new DeleteMessageBatchCommand({ QueueUrl: target.dlqUrl, Entries: sent.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }),
    );
    const notDeleted = deleted.Failed?.length ?? 0;
    report.moved += sent.length - notDeleted;
    report.notDeleted += notDeleted;
  }
}

/** Sends a received batch to the queue; returns the messages that were accepted. */
async function sendAll(sqs: SQSClient, queueUrl: string, messages: Message[]): Promise<Message[]> {
  const result = await sqs.send(
    new SendMessageBatchCommand({
      QueueUrl: queueUrl,
      Entries: messages.map((m, i) => ({
        Id: String(i),
        MessageBody: m.Body ?? '',
        ...(m.MessageAttributes && Object.keys(m.MessageAttributes).length > 0 ? { MessageAttributes: copyAttributes(m.MessageAttributes) } : {}),
      })),
    }),
  );
  const ok = new Set((result.Successful ?? []).map((s) => s.Id));
  return messages.filter((_, i) => ok.has(String(i)));
}

/** Received attributes carry list fields SQS refuses on send when empty. */
function copyAttributes(attributes: Record<string, MessageAttributeValue>): Record<string, MessageAttributeValue> {
  return Object.fromEntries(
    Object.entries(attributes).map(([name, value]) => [
      name,
      { DataType: value.DataType, ...(value.StringValue === undefined ? {} : { StringValue: value.StringValue }), ...(value.BinaryValue === undefined ? {} : { BinaryValue: value.BinaryValue }) },
    ]),
  );
}
