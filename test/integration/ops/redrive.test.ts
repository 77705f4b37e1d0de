import { randomBytes } from 'node:crypto';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { handler as listHandler } from '../../../functions/ops/list-queues.js';
import { handler as redriveHandler } from '../../../functions/ops/redrive-queue.js';
import type { Principal } from '../../../shared/auth/principal.js';
import { scopesForRoles } from '../../../shared/auth/roles.js';
import { DEAD_LETTER_ENV } from '../../../shared/config/env-names.js';
import { redriveQueue, type RedriveTarget } from '../../../shared/ops/redrive.js';
import { config } from '../../../shared/config/config.js';
import { testSqs } from '../../support/engines.js';
import { apiEvent, lambdaContext } from '../../support/lambda.js';

/**
 * The DLQ redrive against fauxqs: messages that failed their receives land in the DLQ by the queue's redrive policy,
 * as on AWS, and are moved back unchanged, through the use-case and through POST /admin/queues/{id}/redrive.
 */

const sqs: SQSClient = testSqs();
const token = () => randomBytes(4).toString('hex');
const setEnv: string[] = [];
const ADMIN: Principal = { subject: 'operator-1', kind: 'user', roles: ['admin'], scopes: scopesForRoles(['admin']), stores: ['*'] };

afterEach(() => {
  for (const name of setEnv.splice(0)) delete process.env[name];
});

afterAll(() => {
  sqs.destroy();
});

/** A fresh queue whose messages go to its own DLQ after one receive. */
async function aQueueWithDlq(): Promise<RedriveTarget> {
  const queueId = `redrive-${token()}`;
  const dlqUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `${queueId}-dlq` }))).QueueUrl!;
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }));
  const queueUrl = (
    await sqs.send(
      new CreateQueueCommand({
        QueueName: queueId,
        Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: Attributes!.QueueArn, maxReceiveCount: '1' }), VisibilityTimeout: '0' },
      }),
    )
  ).QueueUrl!;
  return { queueId, queueUrl, dlqUrl };
}

async function drain(url: string): Promise<{ body: string; attributes: Record<string, string | undefined> }[]> {
  const out: { body: string; attributes: Record<string, string | undefined> }[] = [];
  for (let empty = 0; empty < 2; ) {
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 60, MessageAttributeNames: ['All'] }));
    if (Messages.length === 0) empty += 1;
    for (const m of Messages) {
      out.push({ body: m.Body!, attributes: Object.fromEntries(Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [k, v.StringValue])) });
    }
  }
  return out;
}

/** Sends `count` messages and fails each once (received, never deleted), so the queue's policy moves them to the DLQ. */
async function deadLetters(target: RedriveTarget, count: number): Promise<string[]> {
  const bodies = Array.from({ length: count }, (_, i) => JSON.stringify({ kind: 'invoice', orderId: `order-${i}` }));
  for (const body of bodies) {
    await sqs.send(new SendMessageCommand({ QueueUrl: target.queueUrl, MessageBody: body, MessageAttributes: { origin: { DataType: 'String', StringValue: 'test' } } }));
  }
  // First receives hide them for 0 s; the next receive finds them over maxReceiveCount and moves them to the DLQ.
  for (let i = 0; i < 5; i += 1) await sqs.send(new ReceiveMessageCommand({ QueueUrl: target.queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 0 }));
  return bodies;
}

async function depth(url: string): Promise<number> {
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
  return Number(Attributes!.ApproximateNumberOfMessages) + Number(Attributes!.ApproximateNumberOfMessagesNotVisible);
}

describe('redriveQueue', () => {
  it('moves every dead letter back to its queue once, body and attributes unchanged, and empties the DLQ', async () => {
    const target = await aQueueWithDlq();
    const bodies = await deadLetters(target, 23);
    expect(await depth(target.dlqUrl)).toBe(23);

    const report = await redriveQueue(sqs, target, { visibilityTimeoutSeconds: 30 });
    expect(report).toEqual({ queueId: target.queueId, moved: 23, failed: 0, notDeleted: 0, more: false });
    expect(await depth(target.dlqUrl)).toBe(0);
    const back = await drain(target.queueUrl);
    expect(back.map((m) => m.body).sort()).toEqual([...bodies].sort());
    expect(back.every((m) => m.attributes.origin === 'test')).toBe(true);
  });

  it('stops at maxMessages and says there is more', async () => {
    const target = await aQueueWithDlq();
    await deadLetters(target, 12);
    expect(await redriveQueue(sqs, target, { maxMessages: 5 })).toMatchObject({ moved: 5, more: true });
    expect(await redriveQueue(sqs, target)).toMatchObject({ moved: 7, more: false });
  });

  it('reports an empty DLQ as nothing to do', async () => {
    const target = await aQueueWithDlq();
    expect(await redriveQueue(sqs, target)).toEqual({ queueId: target.queueId, moved: 0, failed: 0, notDeleted: 0, more: false });
  });
});

/** The environment both runtimes give a function with `access.deadLetters`: the queue ids, and the URL their names follow. */
function grant(...targets: RedriveTarget[]): void {
  for (const [name, value] of [
    [DEAD_LETTER_ENV.queueIds, targets.map((t) => t.queueId).join(',')],
    [DEAD_LETTER_ENV.queueUrlPrefix, targets[0]!.queueUrl.slice(0, -targets[0]!.queueId.length)],
  ] as const) {
    process.env[name] = value;
    setEnv.push(name);
  }
}

describe('GET /admin/queues', () => {
  const list = async () =>
    (await listHandler(apiEvent({ method: 'GET', resource: '/admin/queues', principal: ADMIN }), lambdaContext())) as APIGatewayProxyResult;

  it('lists every granted queue’s DLQ and the queue itself with their depths, by id, and a redrive moving dead letters', async () => {
    const [a, b] = (await Promise.all([aQueueWithDlq(), aQueueWithDlq()])).sort((x, y) => x.queueId.localeCompare(y.queueId));
    grant(b!, a!);
    await deadLetters(a!, 4);
    await sqs.send(new SendMessageCommand({ QueueUrl: b!.queueUrl, MessageBody: '{}' }));
    await sqs.send(new SendMessageCommand({ QueueUrl: b!.queueUrl, MessageBody: '{}', DelaySeconds: 60 }));

    const result = await list();
    expect(result.statusCode).toBe(200);
    expect(result.headers?.['cache-control']).toBe('no-store');
    expect(JSON.parse(result.body)).toEqual({
      items: [
        { id: a!.queueId, deadLetterQueue: `${a!.queueId}-dlq`, deadLetters: { depth: 4, inFlight: 0, delayed: 0 }, source: { depth: 0, inFlight: 0, delayed: 0 }, redriving: false },
        { id: b!.queueId, deadLetterQueue: `${b!.queueId}-dlq`, deadLetters: { depth: 0, inFlight: 0, delayed: 0 }, source: { depth: 1, inFlight: 0, delayed: 1 }, redriving: false },
      ],
    });

    // What a redrive holds while it copies (received from the DLQ, not yet deleted) shows as in flight.
    await sqs.send(new ReceiveMessageCommand({ QueueUrl: a!.dlqUrl, MaxNumberOfMessages: 2, VisibilityTimeout: 60 }));
    const during = JSON.parse((await list()).body) as { items: { id: string; deadLetters: { depth: number; inFlight: number }; redriving: boolean }[] };
    expect(during.items[0]).toMatchObject({ deadLetters: { depth: 2, inFlight: 2 }, redriving: true });
  });

  it('lists nothing when the function was granted no queue', async () => {
    const result = await list();
    expect(JSON.parse(result.body)).toEqual({ items: [] });
  });
});

describe('POST /admin/queues/{id}/redrive', () => {
  const call = async (id: string) =>
    (await redriveHandler(apiEvent({ method: 'POST', resource: '/admin/queues/{id}/redrive', pathParameters: { id }, principal: ADMIN }), lambdaContext())) as APIGatewayProxyResult;

  it('moves a granted queue’s dead letters and reports the counts', async () => {
    const target = await aQueueWithDlq();
    grant(target);
    await deadLetters(target, 3);
    const result = await call(target.queueId);
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toEqual({ queueId: target.queueId, moved: 3, failed: 0, notDeleted: 0, more: false });
    expect(config.deadLetterQueues.find((q) => q.queueId === target.queueId)).toEqual(target);
  });

  it('answers 404 for a queue it was not granted', async () => {
    const result = await call('no-such-queue');
    expect(result.statusCode).toBe(404);
  });
});
