import type { SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineEvent } from '../../../events/contract.js';
import { eventConsumer, queueConsumer } from '../../../shared/events/consumer.js';
import { lambdaContext } from '../../support/lambda.js';

const record = (messageId: string, body: unknown, receives = 1): SQSRecord => ({
  messageId,
  receiptHandle: `rh-${messageId}`,
  body: typeof body === 'string' ? body : JSON.stringify(body),
  attributes: {
    ApproximateReceiveCount: String(receives),
    SentTimestamp: '0',
    SenderId: 'local',
    ApproximateFirstReceiveTimestamp: '0',
  },
  messageAttributes: {},
  md5OfBody: '',
  eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:eu-west-2:000000000000:test',
  awsRegion: 'eu-west-2',
});

const thingHappened = defineEvent({ source: 'smartshelf.test', detailType: 'thing.happened', version: 1, schema: z.strictObject({ thingId: z.string() }) });
const delivered = (data: unknown, overrides: Record<string, unknown> = {}) => ({
  'detail-type': 'thing.happened',
  source: 'smartshelf.test',
  detail: { id: 'evt-1', version: 1, occurredAt: '2026-01-01T00:00:00Z', data },
  ...overrides,
});

describe('queueConsumer', () => {
  it('hands each valid message to the use-case with its receive count, and reports only the failing ones', async () => {
    const seen: [string, number][] = [];
    const handler = queueConsumer(z.strictObject({ n: z.number() }), async ({ n }, { receiveCount }) => {
      if (n === 2) throw new Error('downstream unavailable');
      seen.push([String(n), receiveCount]);
    });
    const result = await handler({ Records: [record('a', { n: 1 }, 3), record('b', { n: 2 }), record('c', { n: 3 })] }, lambdaContext());
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'b' }] });
    expect(seen).toEqual([
      ['1', 3],
      ['3', 1],
    ]);
  });

  it('fails a poison message (not JSON, or off-contract) instead of dropping it', async () => {
    let calls = 0;
    const handler = queueConsumer(z.strictObject({ n: z.number() }), async () => {
      calls++;
    });
    const result = await handler({ Records: [record('x', 'not json'), record('y', { n: 'one' })] }, lambdaContext());
    expect(result.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['x', 'y']);
    expect(calls).toBe(0);
  });
});

describe('eventConsumer', () => {
  it('unwraps the EventBridge and SmartShelf envelopes and checks the data against the contract', async () => {
    const got: unknown[] = [];
    const handler = eventConsumer(thingHappened, async (data, { eventId }) => {
      got.push({ ...data, eventId });
    });
    const result = await handler(
      {
        Records: [
          record('ok', delivered({ thingId: 't1' })),
          record('other-type', delivered({ thingId: 't2' }, { 'detail-type': 'thing.vanished' })),
          record('bad-data', delivered({ thingId: 3 })),
        ],
      },
      lambdaContext(),
    );
    expect(got).toEqual([{ thingId: 't1', eventId: 'evt-1' }]);
    expect(result.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['other-type', 'bad-data']);
  });
});
