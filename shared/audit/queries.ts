import { QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { tableDeps, type TableDeps } from '../db/deps.js';
import { INDEXES, keys, PREFIXES } from '../db/keys.js';
import { ValidationError } from '../errors.js';
import { actorKindOf, ActorKind } from './audit-entry.js';

/**
 * Reading the audit trail (`GET /audit`), newest first, without ever scanning the table. Each request picks one
 * partition family by its filters:
 * - `entity` and `entityId`: the entity's own partition (`AUDIT#<entity>#<id>`);
 * - else `actor`: the actor index (gsi2 `AUDIT_ACTOR#<actor>`), which holds entries from audit schema version 2 on;
 * - else the day partitions (gsi1 `AUDIT#<yyyy-mm-dd>`), walked newest day first over `from`..`to` (at most
 *   {@link MAX_RANGE_DAYS} days; the last {@link DEFAULT_RANGE_DAYS} days when `from` is left out).
 * The time range is the sort key's range in every family; the other filters (`action`, `actor` beside an entity,
 * `entity` beside an actor or alone) are FilterExpressions over what those partitions hold.
 */

/** The longest time range the day walk takes: a quarter, so a request reads at most 92 small partitions. */
export const MAX_RANGE_DAYS = 92;
/** The range the day walk reads when `from` is left out. */
export const DEFAULT_RANGE_DAYS = 7;
/**
 * Queries one request makes at most: enough for a whole quarter of empty days, so a range with nothing in it answers
 * at once without a cursor. A sparse filter (`action`) can need more; then the page ends early and its cursor goes on.
 */
const MAX_QUERIES = 100;
const DAY_MS = 24 * 60 * 60 * 1000;
const MAX_CURSOR_LENGTH = 2048;
/** Sorts after every character of an ISO instant and a ULID: the upper end of a sort-key range. */
const HIGH = '~';

const Name = z.string().regex(/^[a-z][a-z-]*$/, 'must be lower-case letters and hyphens').max(40);
/** An ISO 8601 instant with a zone (`Z` or an offset), read as the UTC instant it names. */
const Instant = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 instant with a time zone, like 2026-03-14T09:00:00Z' }).transform((value) => new Date(value).toISOString());

/** `GET /audit` query. `entityId` needs `entity`; `from` must not be after `to`. */
export const ListAuditQuery = z
  .strictObject({
    entity: Name.optional(),
    entityId: z.string().min(1).max(200).optional(),
    actor: z.string().min(1).max(200).optional(),
    action: Name.optional(),
    from: Instant.optional(),
    to: Instant.optional(),
    limit: z.coerce.number().int().min(1).max(100).default(50),
    cursor: z.string().min(1).max(MAX_CURSOR_LENGTH).optional(),
  })
  .superRefine((query, ctx) => {
    if (query.entityId !== undefined && query.entity === undefined) {
      ctx.addIssue({ code: 'custom', path: ['entityId'], message: 'needs entity too: an id names an entity of one type (entity=product&entityId=...)' });
    }
    if (query.from !== undefined && query.to !== undefined && query.from > query.to) {
      ctx.addIssue({ code: 'custom', path: ['from'], message: `is after to (${query.to})` });
    }
  });
export type ListAuditQuery = z.output<typeof ListAuditQuery>;

/** One audit entry as `GET /audit` shows it. Entries written before schema version 2 have no `correlationId`, and their `actorKind` is read from the actor. */
export const AuditEntryView = z.strictObject({
  id: z.string(),
  entity: z.string(),
  entityId: z.string(),
  action: z.string(),
  actor: z.string(),
  actorKind: ActorKind,
  at: z.string(),
  before: z.record(z.string(), z.unknown()),
  after: z.record(z.string(), z.unknown()),
  correlationId: z.string().optional(),
});
export type AuditEntryView = z.infer<typeof AuditEntryView>;

/** One page of the audit trail, newest first. A page may hold fewer than `limit` entries while more follow: read on until `nextCursor` is null. */
export const AuditPage = z.strictObject({
  items: z.array(AuditEntryView),
  /** Pass back as `cursor`, with the same filters, for the next page; null on the last one. */
  nextCursor: z.string().nullable(),
});
export type AuditPage = z.infer<typeof AuditPage>;

type Family = 'entity' | 'actor' | 'day';

/** Where a page stopped: a partition and, unless it starts at its newest entry, the key to go on after. */
interface Position {
  partition: string;
  key?: Record<string, string>;
}

/** The key attributes a family's items are read by, and so what its cursor carries. */
const KEY_ATTRIBUTES: Record<Family, readonly string[]> = {
  entity: ['pk', 'sk'],
  actor: ['pk', 'sk', INDEXES.gsi2.partition, INDEXES.gsi2.sort],
  day: ['pk', 'sk', INDEXES.gsi1.partition, INDEXES.gsi1.sort],
};

const Cursor = z.strictObject({ p: z.string().min(1), k: z.record(z.string(), z.string()).optional() });

const badCursor = () => new ValidationError([{ field: 'query.cursor', message: 'is not a cursor this listing handed out for these filters' }], 'The cursor is not valid.');

function encodeCursor(position: Position): string {
  return Buffer.from(JSON.stringify({ p: position.partition, ...(position.key ? { k: position.key } : {}) }), 'utf8').toString('base64url');
}

/**
 * A cursor read back and checked against the request: its partition must be one this request reads (the entity's,
 * the actor's, or a day of the range) and its key a key of that partition, so a cursor cannot point a query elsewhere.
 * @throws ValidationError (400) otherwise
 */
function decodeCursor(cursor: string, family: Family, partitionOk: (partition: string) => boolean): Position {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw badCursor();
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badCursor();
  }
  const parsed = Cursor.safeParse(raw);
  if (!parsed.success || !partitionOk(parsed.data.p)) throw badCursor();
  const { p: partition, k: key } = parsed.data;
  if (key === undefined) return { partition };
  const names = KEY_ATTRIBUTES[family];
  const partitionAttribute = family === 'entity' ? 'pk' : family === 'actor' ? INDEXES.gsi2.partition : INDEXES.gsi1.partition;
  const wellFormed =
    Object.keys(key).length === names.length &&
    names.every((name) => typeof key[name] === 'string') &&
    key[partitionAttribute] === partition &&
    key.pk!.startsWith('AUDIT#') &&
    key.sk!.startsWith(PREFIXES.auditEntry);
  if (!wellFormed) throw badCursor();
  return { partition, key };
}

function viewOf(item: Record<string, unknown>): AuditEntryView {
  const actor = String(item.actor);
  return AuditEntryView.parse({
    id: item.id,
    entity: item.entity,
    entityId: item.entityId,
    action: item.action,
    actor,
    actorKind: item.actorKind ?? actorKindOf(actor),
    at: item.at,
    before: item.before ?? {},
    after: item.after ?? {},
    ...(typeof item.correlationId === 'string' ? { correlationId: item.correlationId } : {}),
  });
}

/** The UTC days from `to`'s back to `from`'s, newest first. */
function daysBack(from: string, to: string): string[] {
  const days: string[] = [];
  for (let day = Date.parse(to.slice(0, 10)); day >= Date.parse(from.slice(0, 10)); day -= DAY_MS) days.push(new Date(day).toISOString().slice(0, 10));
  return days;
}

/**
 * A page of the audit trail, newest first, filtered as the query says.
 * @throws ValidationError (400) for a day walk over more than {@link MAX_RANGE_DAYS} days, or a cursor that is not this listing's
 */
export async function listAudit(query: ListAuditQuery, deps: TableDeps = tableDeps()): Promise<AuditPage> {
  const { entity, entityId, actor, action, limit } = query;
  const family: Family = entity !== undefined && entityId !== undefined ? 'entity' : actor !== undefined ? 'actor' : 'day';

  let to = query.to;
  let from = query.from;
  let days: string[] = [];
  if (family === 'day') {
    to ??= deps.now().toISOString();
    from ??= new Date(Date.parse(to) - DEFAULT_RANGE_DAYS * DAY_MS).toISOString();
    days = daysBack(from, to);
    if (days.length > MAX_RANGE_DAYS) {
      throw new ValidationError(
        [{ field: 'query.from', message: `is ${days.length} days before to; without entity and entityId, or actor, a request reads at most ${MAX_RANGE_DAYS} days` }],
        `The time range is longer than ${MAX_RANGE_DAYS} days.`,
      );
    }
  }

  const own = family === 'entity' ? keys.auditPartition(entity!, entityId!) : family === 'actor' ? keys.auditActorPartition(actor!) : undefined;
  const dayPartitions = days.map((day) => keys.auditDayPartition(day));
  const partitionOk = (partition: string) => (own !== undefined ? partition === own : dayPartitions.includes(partition));
  let position: Position | undefined = query.cursor !== undefined ? decodeCursor(query.cursor, family, partitionOk) : { partition: own ?? dayPartitions[0]! };

  const filters: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, string> = {};
  const filter = (attribute: string, value: string | undefined) => {
    if (value === undefined) return;
    filters.push(`#${attribute} = :${attribute}`);
    names[`#${attribute}`] = attribute;
    values[`:${attribute}`] = value;
  };
  if (family !== 'entity') filter('entity', entity);
  if (family !== 'actor') filter('actor', actor);
  filter('action', action);

  const prefix = family === 'entity' ? PREFIXES.auditEntry : '';
  // Key conditions take no empty string: '0' sorts before every instant.
  const lower = `${prefix}${from ?? '0'}`;
  const upper = `${prefix}${to ?? HIGH}#${HIGH}`;
  const index = family === 'actor' ? INDEXES.gsi2 : family === 'day' ? INDEXES.gsi1 : undefined;
  const partitionKey = index?.partition ?? 'pk';
  const sortKey = index?.sort ?? 'sk';

  const items: AuditEntryView[] = [];
  for (let queries = 0; position !== undefined && items.length < limit && queries < MAX_QUERIES; queries += 1) {
    const input: QueryCommandInput = {
      TableName: deps.tableName,
      ...(index ? { IndexName: index.name } : {}),
      KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :lower AND :upper',
      ExpressionAttributeNames: { '#pk': partitionKey, '#sk': sortKey, ...names },
      ExpressionAttributeValues: { ':pk': position.partition, ':lower': lower, ':upper': upper, ...values },
      ...(filters.length > 0 ? { FilterExpression: filters.join(' AND ') } : {}),
      ScanIndexForward: false,
      Limit: limit,
      ...(position.key ? { ExclusiveStartKey: position.key } : {}),
    };
    const page = await deps.db.send(new QueryCommand(input));
    const found = page.Items ?? [];
    const room = limit - items.length;
    items.push(...found.slice(0, room).map(viewOf));
    const current: string = position.partition;
    if (found.length > room) {
      // More matched than the page holds: go on after the last one shown, whose item carries its own key.
      const last = found[room - 1]!;
      position = { partition: current, key: Object.fromEntries(KEY_ATTRIBUTES[family].map((name) => [name, String(last[name])])) };
    } else if (page.LastEvaluatedKey) {
      position = { partition: current, key: page.LastEvaluatedKey as Record<string, string> };
    } else {
      const next = family === 'day' ? dayPartitions[dayPartitions.indexOf(current) + 1] : undefined;
      position = next === undefined ? undefined : { partition: next };
    }
  }
  return { items, nextCursor: position === undefined ? null : encodeCursor(position) };
}
