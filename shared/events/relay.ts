import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { PutEventsCommand, type EventBridgeClient, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { z } from 'zod';
import { logger } from '../observability/logger.js';
import { metrics } from '../observability/metrics.js';
import { observedBatchHandler } from './consumer.js';
import { OUTBOX_ENTITY_TYPE, OUTBOX_STREAM_FILTER } from './outbox.js';
import { matchesFilter, streamFilterPattern } from '../../wiring/stream-filter.js';

/** PutEvents accepts at most 10 entries, and 256 KB of them, per call. */
export const PUT_EVENTS_LIMITS = { entries: 10, bytes: 256 * 1024 } as const;

/** What the relay needs from the outside world: a way to call PutEvents, and the bus. */
export interface RelayDeps {
  events: Pick<EventBridgeClient, 'send'>;
  busName: string;
}

/** The attributes of an outbox item the relay reads; `outboxEvent` writes them. */
const RelayedItem = z.object({
  entityType: z.literal(OUTBOX_ENTITY_TYPE),
  source: z.string().min(1),
  detailType: z.string().min(1),
  detail: z.string(),
});
const Envelope = z.object({ id: z.string().min(1), occurredAt: z.iso.datetime({ offset: true }) });

/** An outbox stream record the filter should have kept out, or an outbox item the relay cannot read: it goes to the DLQ, never to the bus. */
export class MalformedOutboxRecordError extends Error {
  override readonly name = 'MalformedOutboxRecordError';
}

const outboxPattern = streamFilterPattern(OUTBOX_STREAM_FILTER);

/**
 * The PutEvents entry for an outbox stream record, stamped with the time its change happened.
 * Anything but the insert of an outbox item gives `undefined`: the event source's filter keeps
 * those away on AWS, and this is the same test, in case a record gets through without it.
 * @throws MalformedOutboxRecordError when the item is not a readable outbox event
 */
export function outboxEntry(record: DynamoDBRecord, busName: string): (PutEventsRequestEntry & { eventId: string }) | undefined {
  if (!matchesFilter(outboxPattern, record)) return undefined;
  // aws-lambda's AttributeValue carries binary as base64 text where the SDK's has bytes; outbox items hold none.
  const image = unmarshall(record.dynamodb!.NewImage as Record<string, AttributeValue>);
  const item = RelayedItem.safeParse(image);
  if (!item.success) throw new MalformedOutboxRecordError(`outbox record ${record.dynamodb?.SequenceNumber} lacks ${item.error.issues.map((i) => i.path.join('.')).join(', ')}`);
  let envelope: z.infer<typeof Envelope>;
  try {
    envelope = Envelope.parse(JSON.parse(item.data.detail));
  } catch (error) {
    throw new MalformedOutboxRecordError(`outbox record ${record.dynamodb?.SequenceNumber} has no readable envelope`, { cause: error });
  }
  return {
    eventId: envelope.id,
    EventBusName: busName,
    Source: item.data.source,
    DetailType: item.data.detailType,
    Detail: item.data.detail,
    Time: new Date(envelope.occurredAt),
  };
}

/** An entry's size as EventBridge counts it against the 256 KB of one call. */
export function entrySize(entry: PutEventsRequestEntry): number {
  const text = [entry.Source, entry.DetailType, entry.Detail, ...(entry.Resources ?? [])];
  return (entry.Time ? 14 : 0) + text.reduce((n, s) => n + Buffer.byteLength(s ?? ''), 0);
}

/** Splits entries, in order, into PutEvents calls within its entry and size limits. */
export function chunkEntries<T extends PutEventsRequestEntry>(entries: readonly T[], limits = PUT_EVENTS_LIMITS): T[][] {
  const chunks: T[][] = [];
  let chunk: T[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = entrySize(entry);
    if (chunk.length > 0 && (chunk.length === limits.entries || bytes + size > limits.bytes)) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(entry);
    bytes += size;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

/** Why one record was not relayed, by its sequence number. */
export type RelayFailures = Map<string, Error>;

/**
 * Puts the outbox events among `records` on the bus, ten to a call, and returns the records that
 * did not make it: every record of a call that failed, and each entry EventBridge refused.
 */
export async function relayRecords(records: readonly DynamoDBRecord[], deps: RelayDeps): Promise<{ relayed: number; failures: RelayFailures }> {
  const failures: RelayFailures = new Map();
  const entries: (PutEventsRequestEntry & { eventId: string; sequenceNumber: string })[] = [];
  for (const record of records) {
    const sequenceNumber = record.dynamodb?.SequenceNumber ?? '';
    try {
      const entry = outboxEntry(record, deps.busName);
      if (entry) entries.push({ ...entry, sequenceNumber });
    } catch (error) {
      failures.set(sequenceNumber, error as Error);
      logger.error('outbox record not relayed: malformed', { sequenceNumber, error: error as Error });
    }
  }
  let relayed = 0;
  await Promise.all(
    chunkEntries(entries).map(async (chunk) => {
      const fail = (entry: (typeof chunk)[number], error: Error) => {
        failures.set(entry.sequenceNumber, error);
        logger.error('event not relayed', { eventId: entry.eventId, detailType: entry.DetailType, sequenceNumber: entry.sequenceNumber, error });
      };
      try {
        const result = await deps.events.send(
          new PutEventsCommand({ Entries: chunk.map(({ eventId: _id, sequenceNumber: _seq, ...entry }) => entry) }),
        );
        chunk.forEach((entry, i) => {
          const outcome = result.Entries?.[i];
          if (outcome?.EventId && !outcome.ErrorCode) relayed += 1;
          else fail(entry, new Error(`EventBridge refused the event: ${outcome?.ErrorCode ?? 'no result'} ${outcome?.ErrorMessage ?? ''}`.trim()));
        });
      } catch (error) {
        for (const entry of chunk) fail(entry, error as Error);
      }
    }),
  );
  return { relayed, failures };
}

/**
 * The outbox relay: a consumer of the table's stream that puts each new outbox item's event on the
 * bus and reports the records it could not relay as batch item failures (Powertools batch), so
 * the stream retries from the first of them. It is at-least-once: a retried batch relays again
 * the records after the failed one, and a crash after PutEvents relays a whole batch twice.
 * Consumers dedupe by the envelope id, which a re-relayed event keeps.
 * Counted in the `EventsRelayed` and `EventsNotRelayed` metrics.
 */
export function outboxRelay(deps: () => RelayDeps) {
  const processor = new BatchProcessor(EventType.DynamoDBStreams);
  const relay = async (event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse> => {
    const { relayed, failures } = await relayRecords(event.Records, deps());
    const outcome = async (record: DynamoDBRecord) => {
      const failure = failures.get(record.dynamodb?.SequenceNumber ?? '');
      if (failure) throw failure;
    };
    const response = await processPartialResponse(event, outcome, processor, { context, throwOnFullBatchFailure: false });
    metrics.addMetric('EventsRelayed', MetricUnit.Count, relayed);
    metrics.addMetric('EventsNotRelayed', MetricUnit.Count, failures.size);
    logger.debug('outbox batch relayed', { records: event.Records.length, relayed, failed: failures.size });
    return response;
  };
  return observedBatchHandler(relay);
}
