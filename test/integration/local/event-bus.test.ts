import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsJsonServer } from '../../../infra/local/aws-json-server.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../infra/local/engines/credentials.js';
import { startEventBus, type EventBridgeEnvelope } from '../../../infra/local/event-bus.js';
import { createQueues } from '../../../infra/local/queues.js';
import { z } from 'zod';
import { defineEvent } from '../../../events/contract.js';
import { rules } from '../../../wiring/index.js';
import { engines, takeMessage, testSqs, uniqueId } from '../../support/engines.js';

const run = uniqueId('bus');
const queueId = `${run}-target`;
const otherQueueId = `${run}-other`;
const fixtureEvent = (detailType: string) => defineEvent({ source: 'test.source', detailType, version: 1, schema: z.unknown() });
const fixtureRules = [
  { id: 'fixture-rule', events: [fixtureEvent('thing.happened'), fixtureEvent('thing.changed')], target: { queue: queueId } },
  { id: 'fixture-other', events: [fixtureEvent('thing.changed')], target: { queue: otherQueueId } },
];

let bus: AwsJsonServer;
let urls: Record<string, string>;
const sqs = testSqs();
const client = (endpoint: string) => new EventBridgeClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });

beforeAll(async () => {
  const created = await createQueues(engines().endpoints.sqs, [
    { id: queueId, consumer: 'none', batchSize: 1, visibilityTimeoutSeconds: 30, maxReceiveCount: 3 },
    { id: otherQueueId, consumer: 'none', batchSize: 1, visibilityTimeoutSeconds: 30, maxReceiveCount: 3 },
  ]);
  urls = Object.fromEntries(created.map((q) => [q.id, q.url]));
  bus = await startEventBus({ busName: 'fixture-bus', rules: fixtureRules, sqs, queueUrl: (id) => urls[id]! });
});

afterAll(async () => {
  await bus.close();
  sqs.destroy();
});

/** Receives from a fixture queue until the event carrying `marker` turns up; other messages are dropped. */
async function take(queue: string, marker: string): Promise<EventBridgeEnvelope> {
  const url = urls[queue]!;
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    for (const m of Messages) {
      await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle! }));
      const envelope = JSON.parse(m.Body!) as EventBridgeEnvelope;
      if ((envelope.detail as { marker?: string }).marker === marker) return envelope;
    }
  }
  throw new Error(`no event ${marker} on ${queue}`);
}

const markerOf = (body: unknown) => ((body as Partial<EventBridgeEnvelope>).detail as { marker?: string } | undefined)?.marker;

describe('local event bus', () => {
  it('delivers a matching event to the rule queue in EventBridge’s envelope', async () => {
    const events = client(bus.endpoint);
    const marker = uniqueId('evt');
    const result = await events.send(
      new PutEventsCommand({
        Entries: [{ EventBusName: 'fixture-bus', Source: 'test.source', DetailType: 'thing.happened', Detail: JSON.stringify({ marker }) }],
      }),
    );
    expect(result.FailedEntryCount).toBe(0);
    const envelope = await take(queueId, marker);
    expect(envelope).toEqual({
      version: '0',
      id: result.Entries![0]!.EventId,
      'detail-type': 'thing.happened',
      source: 'test.source',
      account: expect.stringMatching(/^\d{12}$/),
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      region: LOCAL_REGION,
      resources: [],
      detail: { marker },
    });
    events.destroy();
  });

  it('fans an event out to every rule that matches it', async () => {
    const events = client(bus.endpoint);
    const marker = uniqueId('fan');
    await events.send(
      new PutEventsCommand({
        Entries: [{ EventBusName: 'fixture-bus', Source: 'test.source', DetailType: 'thing.changed', Detail: JSON.stringify({ marker }) }],
      }),
    );
    await expect(take(queueId, marker)).resolves.toMatchObject({ 'detail-type': 'thing.changed' });
    await expect(take(otherQueueId, marker)).resolves.toMatchObject({ 'detail-type': 'thing.changed' });
    events.destroy();
  });

  it('fails entries for another bus or with a malformed detail, one by one', async () => {
    const events = client(bus.endpoint);
    const result = await events.send(
      new PutEventsCommand({
        Entries: [
          { EventBusName: 'no-such-bus', Source: 'test.source', DetailType: 'thing.happened', Detail: '{}' },
          { EventBusName: 'fixture-bus', Source: 'test.source', DetailType: 'thing.happened', Detail: 'not json' },
          { EventBusName: 'arn:aws:events:us-east-1:000000000000:event-bus/fixture-bus', Source: 'other', DetailType: 'x', Detail: '{}' },
        ],
      }),
    );
    expect(result.FailedEntryCount).toBe(2);
    expect(result.Entries?.map((e) => e.ErrorCode)).toEqual(['ResourceNotFoundException', 'MalformedDetail', undefined]);
    events.destroy();
  });

  it('is what default EventBridge clients reach in integration tests, routing the wiring rules', async () => {
    const rule = rules[0]!;
    const contract = rule.events[0]!;
    const events = new EventBridgeClient({});
    const marker = uniqueId('wired');
    const result = await events.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: engines().eventBusName,
            Source: contract.source,
            DetailType: contract.detailType,
            Detail: JSON.stringify({ marker }),
          },
        ],
      }),
    );
    expect(result.FailedEntryCount).toBe(0);
    const delivered = await takeMessage(rule.target.queue, (body) => markerOf(body) === marker);
    expect(delivered).toMatchObject({ source: contract.source, 'detail-type': contract.detailType });
    events.destroy();
  });
});
