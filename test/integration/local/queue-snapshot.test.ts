import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSqs } from '../../../infra/local/engines/sqs.js';
import { restoreQueues, saveQueues } from '../../../infra/local/queue-snapshot.js';
import { createQueues, dlqName, localSqsClient } from '../../../infra/local/queues.js';

const spec = { id: 'snapshot-queue', consumer: 'none', batchSize: 10, visibilityTimeoutSeconds: 30, maxReceiveCount: 3 };
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'smartshelf-snapshot-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function drain(sqs: ReturnType<typeof localSqsClient>, url: string): Promise<string[]> {
  const bodies: string[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, MessageAttributeNames: ['All'] }),
    );
    if (!Messages.length) return bodies.sort();
    bodies.push(...Messages.map((m) => `${m.Body}:${m.MessageAttributes?.kind?.StringValue ?? ''}`));
  }
}

describe('queue snapshot', () => {
  it('keeps ready and in-flight messages, with attributes, across an engine restart', async () => {
    const file = join(dir, 'queues.json');
    const first = await startSqs();
    const sqs1 = localSqsClient(first.endpoint);
    const [before] = await createQueues(first.endpoint, [spec]);
    for (const body of ['a', 'b', 'c']) {
      await sqs1.send(
        new SendMessageCommand({ QueueUrl: before!.url, MessageBody: body, MessageAttributes: { kind: { DataType: 'String', StringValue: 'k' } } }),
      );
    }
    await sqs1.send(new SendMessageCommand({ QueueUrl: before!.dlqUrl, MessageBody: 'dead' }));
    const inFlight = await sqs1.send(new ReceiveMessageCommand({ QueueUrl: before!.url, MaxNumberOfMessages: 1 }));
    expect(inFlight.Messages).toHaveLength(1);

    expect(await saveQueues(first, [spec.id, dlqName(spec.id)], file)).toBe(4);
    sqs1.destroy();
    await first.stop();

    const second = await startSqs();
    const sqs2 = localSqsClient(second.endpoint);
    const [after] = await createQueues(second.endpoint, [spec]);
    const urls = new Map([
      [spec.id, after!.url],
      [dlqName(spec.id), after!.dlqUrl],
    ]);
    expect(await restoreQueues(sqs2, (name) => urls.get(name), file)).toBe(4);
    expect(await drain(sqs2, after!.url)).toEqual(['a:k', 'b:k', 'c:k']);
    expect(await drain(sqs2, after!.dlqUrl)).toEqual(['dead:']);
    await expect(stat(file)).rejects.toThrow();
    sqs2.destroy();
    await second.stop();
  });

  it('writes nothing when every queue is empty, and restores nothing without a snapshot', async () => {
    const file = join(dir, 'empty.json');
    const engine = await startSqs();
    await createQueues(engine.endpoint, [spec]);
    expect(await saveQueues(engine, [spec.id], file)).toBe(0);
    await expect(stat(file)).rejects.toThrow();
    const sqs = localSqsClient(engine.endpoint);
    expect(await restoreQueues(sqs, () => 'unused', file)).toBe(0);
    sqs.destroy();
    await engine.stop();
  });
});
