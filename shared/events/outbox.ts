import { ulid } from 'ulid';
import type { z } from 'zod';
import type { EventContract } from '../../events/contract.js';
import { keys, TTL_ATTRIBUTE } from '../db/keys.js';
import { findPans } from '../privacy/pan.js';
import type { TransactItem } from '../db/transact.js';
import type { EventEnvelope } from './publisher.js';
import { OUTBOX_ENTITY_TYPE } from '../../wiring/stream-filter.js';

/** How long a relayed outbox item stays in the table: long enough to inspect, short enough to cost nothing. */
const OUTBOX_RETENTION_SECONDS = 24 * 60 * 60;

/** The entity type the stream relay filters on, declared with the relay's stream in the wiring. */
export { OUTBOX_ENTITY_TYPE, OUTBOX_STREAM_FILTER } from '../../wiring/stream-filter.js';

export interface OutboxMeta {
  /** A deterministic id makes the event as idempotent as the write it rides with; a retry cannot emit it twice. */
  id?: string;
  correlationId?: string;
  now?: Date;
}

/**
 * An event about to be written holds something that reads as a card number (`findPans`). Every way
 * in refuses or redacts them, so this is a bug upstream; the event is not written, and the message
 * names the event type alone, since it is logged.
 */
export class CardNumberInEventError extends Error {
  override readonly name = 'CardNumberInEventError';
  constructor(readonly detailType: string) {
    super(`refused to write a ${detailType} event: its envelope holds something that reads as a card number`);
  }
}

/** The stored shape of an outbox item, which the relay turns back into a PutEvents entry. */
export interface OutboxItem {
  pk: string;
  sk: string;
  entityType: typeof OUTBOX_ENTITY_TYPE;
  schemaVersion: 1;
  source: string;
  detailType: string;
  /** The envelope as JSON, exactly as it goes on the bus. */
  detail: string;
  [TTL_ATTRIBUTE]: number;
}

/**
 * An event to be written in the same DynamoDB transaction as the change it reports (a transactional outbox).
 * The table's stream carries it to the relay, which puts it on the bus, so an event is emitted if and only if
 * its change commits. The data is validated against the contract here, before anything is written, and the
 * envelope (correlation id included) is checked for card numbers: a last line of defence, since an event reaches the
 * bus, every consumer's queue and their logs.
 *
 * @returns the transaction item (a Put that fails if the event id was already used) and the envelope.
 * @throws CardNumberInEventError when the envelope holds something that reads as a card number
 */
export function outboxEvent<S extends z.ZodType>(
  tableName: string,
  contract: EventContract<S>,
  data: z.input<S>,
  meta: OutboxMeta = {},
): { item: TransactItem; envelope: EventEnvelope<z.infer<S>> } {
  const now = meta.now ?? new Date();
  const envelope: EventEnvelope<z.infer<S>> = {
    id: meta.id ?? ulid(),
    version: contract.version,
    occurredAt: now.toISOString(),
    ...(meta.correlationId ? { correlationId: meta.correlationId } : {}),
    data: contract.schema.parse(data),
  };
  if (findPans(envelope).length > 0) throw new CardNumberInEventError(contract.detailType);
  const stored: OutboxItem = {
    ...keys.outboxEvent(envelope.id),
    entityType: OUTBOX_ENTITY_TYPE,
    schemaVersion: 1,
    source: contract.source,
    detailType: contract.detailType,
    detail: JSON.stringify(envelope),
    [TTL_ATTRIBUTE]: Math.floor(now.getTime() / 1000) + OUTBOX_RETENTION_SECONDS,
  };
  return {
    item: { Put: { TableName: tableName, Item: stored, ConditionExpression: 'attribute_not_exists(pk)' } },
    envelope,
  };
}
