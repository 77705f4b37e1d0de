import type { PutEventsCommand, PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue, DynamoDBRecord } from 'aws-lambda';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { productImageUploadedV1 } from '../../../events/catalog/product-image-uploaded.v1.js';
import { outboxEvent } from '../../../shared/events/outbox.js';
import { chunkEntries, entrySize, MalformedOutboxRecordError, outboxEntry, outboxRelay, PUT_EVENTS_LIMITS, type RelayDeps } from '../../../shared/events/relay.js';
import { lambdaContext } from '../../support/lambda.js';

const BUS = 'smartshelf-test-events';
const at = new Date('2026-03-01T10:00:00.000Z');

/** The stream record of an item, as Lambda hands it to a stream consumer. */
function streamRecord(item: Record<string, unknown>, sequence: number, eventName: DynamoDBRecord['eventName'] = 'INSERT'): DynamoDBRecord {
  const image = marshall(item, { removeUndefinedValues: true }) as Record<string, AttributeValue>;
  return {
    eventID: `e${sequence}`,
    eventName,
    eventSource: 'aws:dynamodb',
    awsRegion: 'eu-west-2',
    dynamodb: {
      Keys: { pk: image.pk!, sk: image.sk! },
      ...(eventName === 'REMOVE' ? { OldImage: image } : { NewImage: image }),
      SequenceNumber: String(sequence).padStart(21, '0'),
      SizeBytes: 100,
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
    eventSourceARN: 'arn:aws:dynamodb:eu-west-2:000000000000:table/t/stream/2026',
  };
}

/** The outbox item of an image upload, exactly as `outboxEvent` writes it. */
function outboxItem(n: number): Record<string, unknown> {
  const { item } = outboxEvent(
    't',
    productImageUploadedV1,
    { productId: `P${n}`, imageId: `I${n}`, key: `products/P${n}/I${n}.png`, contentType: 'image/png' },
    { id: `evt-${n}`, correlationId: 'c-1', now: at },
  );
  return item.Put!.Item as Record<string, unknown>;
}

const outboxRecords = (count: number, from = 1) => Array.from({ length: count }, (_, i) => streamRecord(outboxItem(from + i), from + i));

/** A PutEvents stand-in that records each call and answers with `answer` (by default, everything accepted). */
function fakeBus(answer: (entries: PutEventsRequestEntry[], call: number) => { ErrorCode?: string; ErrorMessage?: string }[] | Error = (e) => e.map(() => ({}))) {
  const calls: PutEventsRequestEntry[][] = [];
  const deps: RelayDeps = {
    busName: BUS,
    events: {
      send: (async (command: PutEventsCommand) => {
        const entries = command.input.Entries ?? [];
        calls.push(entries);
        const outcome = answer(entries, calls.length);
        if (outcome instanceof Error) throw outcome;
        return { FailedEntryCount: outcome.filter((o) => o.ErrorCode).length, Entries: outcome.map((o, i) => (o.ErrorCode ? o : { EventId: `eb-${calls.length}-${i}` })) };
      }) as RelayDeps['events']['send'],
    },
  };
  return { deps, calls };
}

const detailOf = (entry: PutEventsRequestEntry) => JSON.parse(entry.Detail!) as { id: string; data: { productId: string } };

describe('outboxEntry', () => {
  it('turns an inserted outbox item back into the event it stores, timed when the change happened', () => {
    const entry = outboxEntry(streamRecord(outboxItem(7), 1), BUS);
    expect(entry).toEqual({
      eventId: 'evt-7',
      EventBusName: BUS,
      Source: 'smartshelf.catalog',
      DetailType: 'product.image-uploaded',
      Detail: outboxItem(7).detail,
      Time: at,
    });
    expect(JSON.parse(entry!.Detail!)).toEqual({
      id: 'evt-7',
      version: 1,
      occurredAt: at.toISOString(),
      correlationId: 'c-1',
      data: { productId: 'P7', imageId: 'I7', key: 'products/P7/I7.png', contentType: 'image/png' },
    });
  });

  it('leaves out what the stream filter should have kept away: changes and removals of outbox items, and other items', () => {
    expect(outboxEntry(streamRecord(outboxItem(1), 1, 'MODIFY'), BUS)).toBeUndefined();
    expect(outboxEntry(streamRecord(outboxItem(1), 1, 'REMOVE'), BUS)).toBeUndefined();
    expect(outboxEntry(streamRecord({ pk: 'PRODUCT#1', sk: 'PRODUCT', entityType: 'Product', name: 'Tea' }, 1), BUS)).toBeUndefined();
  });

  it('refuses an outbox item it cannot read, so that it ends in the DLQ instead of on the bus', () => {
    const { source: _source, ...withoutSource } = outboxItem(1);
    expect(() => outboxEntry(streamRecord(withoutSource, 1), BUS)).toThrow(MalformedOutboxRecordError);
    expect(() => outboxEntry(streamRecord({ ...outboxItem(1), detail: '{not json' }, 1), BUS)).toThrow(/no readable envelope/);
    expect(() => outboxEntry(streamRecord({ ...outboxItem(1), detail: '{"id":"x"}' }, 1), BUS)).toThrow(MalformedOutboxRecordError);
  });
});

describe('chunkEntries', () => {
  const entry = (detailBytes: number): PutEventsRequestEntry => ({ Source: 's', DetailType: 'd', Detail: 'x'.repeat(detailBytes), Time: at });

  it('keeps every entry once, in order, in calls of at most 10 entries and 256 KB, each as full as the next entry allows', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 120_000 }), { maxLength: 60 }), (sizes) => {
        const entries = sizes.map(entry);
        const chunks = chunkEntries(entries);
        expect(chunks.flat()).toEqual(entries);
        chunks.forEach((chunk, i) => {
          const bytes = chunk.reduce((n, e) => n + entrySize(e), 0);
          expect(chunk.length).toBeGreaterThan(0);
          expect(chunk.length).toBeLessThanOrEqual(PUT_EVENTS_LIMITS.entries);
          expect(bytes).toBeLessThanOrEqual(PUT_EVENTS_LIMITS.bytes);
          const next = chunks[i + 1]?.[0];
          if (next) expect(chunk.length === PUT_EVENTS_LIMITS.entries || bytes + entrySize(next) > PUT_EVENTS_LIMITS.bytes).toBe(true);
        });
      }),
    );
  });

  it('counts an entry as EventBridge does: its texts in UTF-8 bytes, and 14 for a time', () => {
    expect(entrySize({ Source: 'ab', DetailType: 'c', Detail: '€', Resources: ['r'], Time: at })).toBe(2 + 1 + 3 + 1 + 14);
    expect(entrySize({ Source: 'ab' })).toBe(2);
  });
});

describe('outboxRelay', () => {
  it('puts a batch on the bus ten entries to a call, in stream order, and reports no failure', async () => {
    const { deps, calls } = fakeBus();
    const records = outboxRecords(23);
    const result = await outboxRelay(() => deps)({ Records: records }, lambdaContext());
    expect(result).toEqual({ batchItemFailures: [] });
    expect(calls.map((c) => c.length)).toEqual([10, 10, 3]);
    expect(calls.flat().map((e) => detailOf(e).id)).toEqual(records.map((_, i) => `evt-${i + 1}`));
    expect(calls.flat().every((e) => e.EventBusName === BUS)).toBe(true);
  });

  it('reports exactly the records whose entries EventBridge refused, by sequence number', async () => {
    const { deps } = fakeBus((entries, call) =>
      entries.map((e) => (call === 2 && detailOf(e).id === 'evt-14' ? { ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' } : {})),
    );
    const records = outboxRecords(23);
    const result = await outboxRelay(() => deps)({ Records: records }, lambdaContext());
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: records[13]!.dynamodb!.SequenceNumber }] });
  });

  it('reports every record of a call that failed as a whole, and only those', async () => {
    const { deps } = fakeBus((entries, call) => (call === 1 ? new Error('network down') : entries.map(() => ({}))));
    const records = outboxRecords(12);
    const result = await outboxRelay(() => deps)({ Records: records }, lambdaContext());
    const failed = result.batchItemFailures.map((f) => f.itemIdentifier).sort();
    expect(failed).toHaveLength(10);
    // Calls run side by side, so which chunk was first is not fixed; the failed ones are one whole chunk.
    expect([records.slice(0, 10), records.slice(10)].map((chunk) => chunk.map((r) => r.dynamodb!.SequenceNumber).sort())).toContainEqual(failed);
  });

  it('skips records that are not new outbox items without failing them, and fails a malformed one alone', async () => {
    const { deps, calls } = fakeBus();
    const other = streamRecord({ pk: 'PRODUCT#1', sk: 'PRODUCT', entityType: 'Product' }, 2);
    const malformed = streamRecord({ ...outboxItem(3), detail: 'nope' }, 3);
    const result = await outboxRelay(() => deps)({ Records: [streamRecord(outboxItem(1), 1), other, malformed, streamRecord(outboxItem(4), 4)] }, lambdaContext());
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: malformed.dynamodb!.SequenceNumber }] });
    expect(calls.flat().map((e) => detailOf(e).id)).toEqual(['evt-1', 'evt-4']);
  });

  it('answers an empty batch without calling the bus', async () => {
    const { deps, calls } = fakeBus();
    expect(await outboxRelay(() => deps)({ Records: [] }, lambdaContext())).toEqual({ batchItemFailures: [] });
    expect(calls).toEqual([]);
  });
});
