import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { startPollers } from '../../../infra/local/pollers.js';
import { createQueues, type CreatedQueue } from '../../../infra/local/queues.js';
import type { QueueSpec } from '../../../wiring/index.js';
import { engines, testSqs, uniqueId } from '../../support/engines.js';

const sqs = testSqs();
afterAll(() => sqs.destroy());

async function fixtureQueue(overrides: Partial<QueueSpec> = {}): Promise<{ spec: QueueSpec; queue: CreatedQueue }> {
  const spec: QueueSpec = { id: uniqueId('poll'), consumer: 'fixture-consumer', batchSize: 5, visibilityTimeoutSeconds: 1, maxReceiveCount: 2, ...overrides };
  const [queue] = await createQueues(engines().endpoints.sqs, [spec], 1);
  return { spec, queue: queue! };
}

async function send(url: string, ...bodies: string[]) {
  for (const body of bodies) await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body }));
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function remaining(url: string): Promise<number> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return Number(Attributes.ApproximateNumberOfMessages) + Number(Attributes.ApproximateNumberOfMessagesNotVisible);
}

describe('queue pollers', () => {
  it('hands batches to the consumer as SQS events and deletes what succeeded', async () => {
    const { spec, queue } = await fixtureQueue();
    const events: { fn: string; event: SQSEvent }[] = [];
    const pollers = startPollers({
      queues: [{ spec, url: queue.url, arn: queue.arn, processingSeconds: 30 }],
      retryDelaySeconds: 1,
      sqs,
      waitSeconds: 1,
      invoke: async (fn, event) => void events.push({ fn, event }),
    });
    onTestFinished(() => pollers.stop());
    await send(queue.url, 'one', 'two', 'three');
    await until('three records', () => events.flatMap((e) => e.event.Records).length === 3);
    await until('an empty queue', async () => (await remaining(queue.url)) === 0);

    const record = events[0]!.event.Records[0]!;
    expect(events.every((e) => e.fn === spec.consumer)).toBe(true);
    expect(events.every((e) => e.event.Records.length <= spec.batchSize)).toBe(true);
    expect(record).toMatchObject({
      eventSource: 'aws:sqs',
      eventSourceARN: queue.arn,
      messageId: expect.any(String),
      receiptHandle: expect.any(String),
      attributes: { ApproximateReceiveCount: '1', SentTimestamp: expect.stringMatching(/^\d+$/) },
    });
    expect(events.flatMap((e) => e.event.Records.map((r) => r.body)).sort()).toEqual(['one', 'three', 'two']);
  });

  it('retries only the items a consumer reports as failed, then moves them to the DLQ', async () => {
    const { spec, queue } = await fixtureQueue();
    const receives: Record<string, string[]> = {};
    const pollers = startPollers({
      queues: [{ spec, url: queue.url, arn: queue.arn, processingSeconds: 30 }],
      retryDelaySeconds: 1,
      sqs,
      waitSeconds: 1,
      invoke: async (_fn, event): Promise<SQSBatchResponse> => {
        for (const r of event.Records) (receives[r.body] ??= []).push(r.attributes.ApproximateReceiveCount);
        return { batchItemFailures: event.Records.filter((r) => r.body === 'bad').map((r) => ({ itemIdentifier: r.messageId })) };
      },
    });
    onTestFinished(() => pollers.stop());
    await send(queue.url, 'good', 'bad');
    const inDlq = async () => {
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.dlqUrl, WaitTimeSeconds: 1 }));
      return Messages.some((m) => m.Body === 'bad');
    };
    await until('the failing message in the DLQ', inDlq);
    expect(receives.good).toEqual(['1']);
    expect(receives.bad).toEqual(['1', '2']);
  });

  it('retries the whole batch when the consumer throws', async () => {
    const { spec, queue } = await fixtureQueue({ maxReceiveCount: 5 });
    let calls = 0;
    const pollers = startPollers({
      queues: [{ spec, url: queue.url, arn: queue.arn, processingSeconds: 30 }],
      retryDelaySeconds: 1,
      sqs,
      waitSeconds: 1,
      invoke: async () => {
        calls++;
        if (calls === 1) throw new Error('cold start failed');
      },
    });
    onTestFinished(() => pollers.stop());
    await send(queue.url, 'retry-me');
    await until('a second delivery', () => calls >= 2);
    await until('an empty queue', async () => (await remaining(queue.url)) === 0);
  });

  it('keeps a batch hidden while it runs longer than the queue’s visibility timeout, then deletes it', async () => {
    const { spec, queue } = await fixtureQueue();
    let calls = 0;
    let visibleWhileRunning: number | undefined;
    const pollers = startPollers({
      queues: [{ spec, url: queue.url, arn: queue.arn, processingSeconds: 30 }],
      retryDelaySeconds: 1,
      sqs,
      waitSeconds: 1,
      invoke: async () => {
        calls++;
        // Past the queue's own one-second visibility timeout.
        await new Promise((resolve) => setTimeout(resolve, 2_000));
        const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.url, VisibilityTimeout: 0, WaitTimeSeconds: 0 }));
        visibleWhileRunning = Messages.length;
      },
    });
    onTestFinished(() => pollers.stop());
    await send(queue.url, 'long-running');
    await until('an empty queue', async () => calls > 0 && (await remaining(queue.url)) === 0, 20_000);
    expect(visibleWhileRunning).toBe(0);
    expect(calls).toBe(1);
  });

  it('lets a batch in progress finish and be deleted before stop resolves', async () => {
    const { spec, queue } = await fixtureQueue();
    let entered!: () => void;
    let release!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const pollers = startPollers({
      queues: [{ spec, url: queue.url, arn: queue.arn, processingSeconds: 30 }],
      retryDelaySeconds: 1,
      sqs,
      waitSeconds: 1,
      invoke: async () => {
        entered();
        await new Promise<void>((resolve) => (release = resolve));
      },
    });
    await send(queue.url, 'slow');
    await inside;
    let stopped = false;
    const stopping = pollers.stop().then(() => (stopped = true));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(await remaining(queue.url)).toBe(0);
  });
});
