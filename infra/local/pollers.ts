import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type Message,
  type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSMessageAttributes, SQSRecord } from 'aws-lambda';
import type { QueueSpec } from '../../wiring/index.js';
import { LOCAL_REGION } from './engines/credentials.js';
import { LOCAL_VISIBILITY_TIMEOUT_SECONDS } from './queues.js';

export interface PolledQueue {
  spec: QueueSpec;
  url: string;
  arn: string;
  /** The consumer's timeout: messages stay hidden this long while a batch is being processed. */
  processingSeconds: number;
}

export interface PollerOptions {
  queues: readonly PolledQueue[];
  sqs: SQSClient;
  invoke: (fnId: string, event: SQSEvent) => Promise<unknown>;
  /** Long-poll wait; shorter only makes shutdown quicker in tests. */
  waitSeconds?: number;
  /** How soon a failed message is visible again; short locally so that retries come quickly. */
  retryDelaySeconds?: number;
  log?: (line: string) => void;
}

export interface Pollers {
  /** Stops receiving, lets batches in progress finish (and be deleted), then resolves. */
  stop(): Promise<void>;
}

function lambdaAttributes(attributes: Record<string, MessageAttributeValue> | undefined): SQSMessageAttributes {
  const out: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(attributes ?? {})) {
    out[name] = {
      dataType: value.DataType ?? 'String',
      ...(value.StringValue === undefined ? {} : { stringValue: value.StringValue }),
      ...(value.BinaryValue === undefined ? {} : { binaryValue: Buffer.from(value.BinaryValue).toString('base64') }),
      stringListValues: [],
      binaryListValues: [],
    };
  }
  return out;
}

/** The record Lambda's SQS event source mapping builds from a received message. */
export function sqsRecord(message: Message, queueArn: string): SQSRecord {
  const a = message.Attributes ?? {};
  return {
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: a.ApproximateReceiveCount ?? '1',
      SentTimestamp: a.SentTimestamp ?? String(Date.now()),
      SenderId: a.SenderId ?? 'local',
      ApproximateFirstReceiveTimestamp: a.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes: lambdaAttributes(message.MessageAttributes),
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: LOCAL_REGION,
  };
}

/**
 * Which messages of a batch succeeded, read the way Lambda reads a consumer's answer with
 * `ReportBatchItemFailures`: a thrown error fails the whole batch, `batchItemFailures` fails the
 * listed ids (an unknown or empty id also fails the whole batch), anything else succeeds.
 */
export function succeededIds(records: readonly SQSRecord[], outcome: { error: unknown } | { result: unknown }): string[] {
  if ('error' in outcome) return [];
  const failures = (outcome.result as Partial<SQSBatchResponse> | undefined)?.batchItemFailures;
  if (!Array.isArray(failures)) return records.map((r) => r.messageId);
  const ids = new Set(records.map((r) => r.messageId));
  if (failures.some((f) => !f?.itemIdentifier || !ids.has(f.itemIdentifier))) return [];
  const failed = new Set(failures.map((f) => f.itemIdentifier));
  return records.filter((r) => !failed.has(r.messageId)).map((r) => r.messageId);
}

/**
 * Lambda's SQS event source mapping, locally: one long-polling loop per queue that hands each
 * batch (up to the queue's `batchSize`) to its consumer as a real `SQSEvent` and deletes what
 * succeeded. Messages stay hidden while their batch runs; failed ones come back after a short
 * retry delay, and fauxqs moves a message to the DLQ once it has been received `maxReceiveCount` times.
 */
export function startPollers(options: PollerOptions): Pollers {
  const abort = new AbortController();
  const log = options.log ?? (() => undefined);
  const loops = options.queues.map(async (queue) => {
    while (!abort.signal.aborted) {
      let messages: Message[];
      try {
        const received = await options.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queue.url,
            MaxNumberOfMessages: Math.min(queue.spec.batchSize, 10),
            WaitTimeSeconds: options.waitSeconds ?? 5,
            VisibilityTimeout: Math.min(queue.processingSeconds, 43_200),
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
          { abortSignal: abort.signal },
        );
        messages = received.Messages ?? [];
      } catch (error) {
        if (abort.signal.aborted) return;
        log(`poller ${queue.spec.id}: receive failed: ${(error as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, 1000));
        continue;
      }
      if (messages.length) await processBatch(queue, messages);
    }
  });

  const processBatch = async (queue: PolledQueue, messages: Message[]) => {
    const records = messages.map((m) => sqsRecord(m, queue.arn));
    let outcome: { error: unknown } | { result: unknown };
    try {
      outcome = { result: await options.invoke(queue.spec.consumer, { Records: records }) };
    } catch (error) {
      // The invoker reports the invocation, failed or not; the poller's part is what happens to the messages.
      outcome = { error };
    }
    const done = new Set(succeededIds(records, outcome));
    const toDelete = records.filter((r) => done.has(r.messageId));
    const toRetry = records.filter((r) => !done.has(r.messageId));
    if (toDelete.length) {
      const deleted = await options.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queue.url,
          Entries: toDelete.map((r, i) => ({ Id: String(i), ReceiptHandle: r.receiptHandle })),
        }),
      );
      if (deleted.Failed?.length) log(`poller ${queue.spec.id}: ${deleted.Failed.length} processed message(s) could not be deleted`);
    }
    if (toRetry.length) {
      // Messages were received hidden for the consumer's whole timeout; failures come back sooner.
      await options.sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: queue.url,
          Entries: toRetry.map((r, i) => ({ Id: String(i), ReceiptHandle: r.receiptHandle, VisibilityTimeout: options.retryDelaySeconds ?? LOCAL_VISIBILITY_TIMEOUT_SECONDS })),
        }),
      );
    }
  };

  return {
    stop: async () => {
      abort.abort();
      await Promise.all(loops);
    },
  };
}
