import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { TableDeps } from '../db/deps.js';
import { keys, PREFIXES } from '../db/keys.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { AttemptError, AttemptTrigger, DeliveryStatus, type Attempt, type Delivery } from './delivery-model.js';
import { attemptFromItem, deliveryFromItem } from './deliveries.js';
import { EndpointId } from './endpoint-model.js';
import { getEndpoint } from './endpoints.js';

/**
 * An endpoint's delivery log and replays, for admins (docs/webhooks.md): its deliveries newest first, one delivery
 * with its attempts, and a replay of one delivery or of a time range, which hands each to the delivery path's
 * `enqueueDelivery` (`trigger: 'replay'`): the next attempt keeps the delivery's `webhook-id`, so a receiver that
 * dedupes on it is safe from a replay of what it already had.
 */

/**
 * A delivery's id in the API: `dlv_` and the base64url of its event time and event id (its sort key without the
 * prefix), so it names the item itself. The `webhook-id` receivers see (`msg_<eventId>`) is `webhookId`.
 */
export const DeliveryRef = z
  .string()
  .max(400)
  .regex(/^dlv_[A-Za-z0-9_-]+$/, 'must be a delivery id (dlv_ and base64url)')
  .refine((ref) => !/^dlv_[A-Za-z0-9_-]+$/.test(ref) || /^\d{4}-\d{2}-\d{2}T[\d:.]+Z#.+$/.test(Buffer.from(ref.slice(4), 'base64url').toString('utf8')), 'is not a delivery id this API gave');

/** The delivery's API id from its sort key (`DELIVERY#<eventTime>#<eventId>`). */
export function deliveryRef(deliverySk: string): string {
  return `dlv_${Buffer.from(deliverySk.slice(PREFIXES.webhookDelivery.length), 'utf8').toString('base64url')}`;
}

/** The sort key a delivery id names. */
export function deliverySkOf(ref: string): string {
  return `${PREFIXES.webhookDelivery}${Buffer.from(ref.slice(4), 'base64url').toString('utf8')}`;
}

export const DeliveryParams = z.strictObject({ id: EndpointId, deliveryId: DeliveryRef });

const Instant = z.iso.datetime({ offset: true }).transform((value) => new Date(value).toISOString());

/** Whether `from` is after `to`, once both are instants: zod refines the object even when a field failed, with its raw value. */
const reversed = (from: string | undefined, to: string | undefined) =>
  from !== undefined && to !== undefined && !Number.isNaN(Date.parse(from)) && !Number.isNaN(Date.parse(to)) && from > to;

/** GET /webhook-endpoints/{id}/deliveries: newest first, by event time, optionally within `from`..`to` and of one status. */
export const ListDeliveriesQuery = z
  .strictObject({
    status: DeliveryStatus.optional(),
    from: Instant.optional(),
    to: Instant.optional(),
    limit: z.coerce.number().int().min(1).max(100).default(50),
    cursor: z.string().max(600).optional(),
  })
  .refine((q) => !reversed(q.from, q.to), { message: 'must not be after to', path: ['from'] });
export type ListDeliveriesQuery = z.infer<typeof ListDeliveriesQuery>;

/** Most deliveries one range replay sends; `nextCursor` continues with the rest. */
export const MAX_REPLAY = 100;

/** POST /webhook-endpoints/{id}/replay: every delivery whose event time is within `from`..`to`, oldest first. */
export const ReplayRangeRequest = z
  .strictObject({
    from: Instant,
    to: Instant,
    /** Only deliveries in this state (`failed`, say); all of them when left out. */
    status: DeliveryStatus.optional(),
    cursor: z.string().max(600).optional(),
  })
  .refine((r) => !reversed(r.from, r.to), { message: 'must not be after to', path: ['from'] });
export type ReplayRangeRequest = z.infer<typeof ReplayRangeRequest>;

/** A delivery as the API lists it: its state, never its payload. */
export const DeliveryView = z.strictObject({
  id: z.string(),
  /** The `webhook-id` of every attempt and replay. */
  webhookId: z.string(),
  eventId: z.string(),
  eventType: z.string(),
  eventTime: z.iso.datetime(),
  status: DeliveryStatus,
  /** Attempts so far, replays included. */
  attempts: z.number().int().nonnegative(),
  nextAttemptAt: z.iso.datetime().optional(),
  lastAttemptAt: z.iso.datetime().optional(),
  lastStatusCode: z.number().int().optional(),
  lastError: AttemptError.optional(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type DeliveryView = z.infer<typeof DeliveryView>;

/** One attempt in the log: when, what started it, the answer's status (or why there was none), how long, the answer's first bytes. */
export const AttemptView = z.strictObject({
  n: z.number().int().positive(),
  attemptedAt: z.iso.datetime(),
  trigger: AttemptTrigger,
  statusCode: z.number().int().optional(),
  error: AttemptError.optional(),
  durationMs: z.number().int().nonnegative(),
  /** The first 1,024 bytes of the response body, as UTF-8; no headers. */
  responseExcerpt: z.string(),
});

/** One delivery with what it sends (`payload`, the event as its contract defines it) and its attempts, oldest first. */
export const DeliveryDetail = DeliveryView.extend({ payload: z.unknown(), log: z.array(AttemptView) });
export type DeliveryDetail = z.infer<typeof DeliveryDetail>;

export const DeliveryPage = z.strictObject({ items: z.array(DeliveryView), nextCursor: z.string().nullable() });

/** What a range replay did: how many deliveries it sent again, and where the next call continues (`null`: done). */
export const ReplayResult = z.strictObject({ replayed: z.number().int().nonnegative(), nextCursor: z.string().nullable() });

/** The delivery path's re-send of one delivery (`enqueueDelivery` of `deliveries.ts`, with its queue). */
export type Enqueue = (input: { endpointId: string; deliverySk: string; trigger: 'replay' }) => Promise<Delivery>;

function view(d: Delivery): DeliveryView {
  return {
    id: deliveryRef(d.deliverySk),
    webhookId: d.deliveryId,
    eventId: d.eventId,
    eventType: d.eventType,
    eventTime: d.eventTime,
    status: d.status,
    attempts: d.attempts,
    ...(d.nextAttemptAt === undefined || d.status !== 'pending' ? {} : { nextAttemptAt: d.nextAttemptAt }),
    ...(d.lastAttemptAt === undefined ? {} : { lastAttemptAt: d.lastAttemptAt }),
    ...(d.lastStatusCode === undefined ? {} : { lastStatusCode: d.lastStatusCode }),
    ...(d.lastError === undefined ? {} : { lastError: d.lastError }),
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
  };
}

const attemptView = (a: Attempt) => ({
  n: a.n,
  attemptedAt: a.attemptedAt,
  trigger: a.trigger,
  ...(a.statusCode === undefined ? {} : { statusCode: a.statusCode }),
  ...(a.error === undefined ? {} : { error: a.error }),
  durationMs: a.durationMs,
  responseExcerpt: a.responseExcerpt,
});

async function existingEndpoint(endpointId: string, deps: TableDeps) {
  const endpoint = await getEndpoint(endpointId, deps);
  if (!endpoint) throw new NotFoundError('webhook-endpoint', endpointId);
  return endpoint;
}

const partition = (endpointId: string) => keys.webhookEndpoint(endpointId).pk;
/** Above every event id's characters, so `<time>#` and this bound a time's whole range. */
const HIGH = '\uffff';

/** A cursor: the last sort key read, base64url; it must be a delivery key of this endpoint's within the range asked. */
function decodeCursor(cursor: string | undefined, field: string, within: (sk: string) => boolean): Record<string, string> | undefined {
  if (cursor === undefined) return undefined;
  const sk = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!sk.startsWith(PREFIXES.webhookDelivery) || !within(sk)) throw new ValidationError([{ field, message: 'is not a cursor returned by this API for this request' }], 'The cursor is not valid.');
  return { sk };
}

const encodeCursor = (key: Record<string, unknown> | undefined) => (typeof key?.sk === 'string' ? Buffer.from(key.sk, 'utf8').toString('base64url') : null);

/** The sort-key range of deliveries whose event time is within `from`..`to` (either open). */
function range(from: string | undefined, to: string | undefined): { low: string; high: string } {
  return { low: `${PREFIXES.webhookDelivery}${from ?? ''}`, high: `${PREFIXES.webhookDelivery}${to === undefined ? HIGH : `${to}#${HIGH}`}` };
}

/**
 * An endpoint's deliveries, newest first by event time: one Query of its partition's delivery keys within the range,
 * `status` a FilterExpression (so a page may hold fewer than `limit`; follow `nextCursor`).
 * @throws NotFoundError for no such endpoint; ValidationError for a cursor this API did not give for this range
 */
export async function listDeliveries(endpointId: string, query: ListDeliveriesQuery, deps: TableDeps): Promise<{ items: DeliveryView[]; nextCursor: string | null }> {
  await existingEndpoint(endpointId, deps);
  const { low, high } = range(query.from, query.to);
  const start = decodeCursor(query.cursor, 'query.cursor', (sk) => sk >= low && sk <= high);
  const page = await deps.db.send(
    new QueryCommand({
      TableName: deps.tableName,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :low AND :high',
      ...(query.status ? { FilterExpression: '#status = :status', ExpressionAttributeNames: { '#status': 'status' } } : {}),
      ExpressionAttributeValues: { ':pk': partition(endpointId), ':low': low, ':high': high, ...(query.status ? { ':status': query.status } : {}) },
      ScanIndexForward: false,
      Limit: query.limit,
      ...(start ? { ExclusiveStartKey: { pk: partition(endpointId), ...start } } : {}),
    }),
  );
  return { items: (page.Items ?? []).map((item) => view(deliveryFromItem(item))), nextCursor: encodeCursor(page.LastEvaluatedKey) };
}

async function readDelivery(endpointId: string, deliverySk: string, deps: TableDeps): Promise<Delivery> {
  const { Item } = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: { pk: partition(endpointId), sk: deliverySk }, ConsistentRead: true }));
  if (!Item) throw new NotFoundError('webhook-delivery', deliveryRef(deliverySk));
  return deliveryFromItem(Item);
}

/**
 * One delivery with its payload and its attempts, oldest first. The attempts are in the endpoint's log by time
 * (`ATTEMPT#<attemptedAt>#...`): read from the event's time to the delivery's last attempt, keeping this delivery's.
 * @throws NotFoundError for no such endpoint or delivery
 */
export async function getDeliveryDetail(endpointId: string, ref: string, deps: TableDeps): Promise<DeliveryDetail> {
  await existingEndpoint(endpointId, deps);
  const delivery = await readDelivery(endpointId, deliverySkOf(ref), deps);
  const log: Attempt[] = [];
  if (delivery.lastAttemptAt !== undefined) {
    let start: Record<string, unknown> | undefined;
    do {
      const page = await deps.db.send(
        new QueryCommand({
          TableName: deps.tableName,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :low AND :high',
          FilterExpression: 'deliveryId = :delivery',
          ExpressionAttributeValues: {
            ':pk': partition(endpointId),
            ':low': `${PREFIXES.webhookAttempt}${delivery.eventTime}`,
            ':high': `${PREFIXES.webhookAttempt}${delivery.lastAttemptAt}#${HIGH}`,
            ':delivery': delivery.deliveryId,
          },
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      log.push(...(page.Items ?? []).map(attemptFromItem));
      start = page.LastEvaluatedKey;
    } while (start && log.length < delivery.attempts);
  }
  return { ...view(delivery), payload: JSON.parse(delivery.payload) as unknown, log: log.sort((a, b) => a.n - b.n).map(attemptView) };
}

function refuseDisabled(endpoint: { id: string; enabled: boolean }): void {
  if (!endpoint.enabled) {
    throw new ConflictError('webhook-endpoint-disabled', `Webhook endpoint ${endpoint.id} is disabled: enable it (PATCH with enabled: true) before replaying to it.`);
  }
}

/**
 * Sends one delivery to its endpoint again, now, as a new round of attempts under the same `webhook-id`.
 * @throws NotFoundError for no such endpoint or delivery; ConflictError `webhook-endpoint-disabled`
 */
export async function replayDelivery(endpointId: string, ref: string, deps: TableDeps & { enqueue: Enqueue }): Promise<DeliveryView> {
  refuseDisabled(await existingEndpoint(endpointId, deps));
  const deliverySk = deliverySkOf(ref);
  await readDelivery(endpointId, deliverySk, deps);
  return view(await deps.enqueue({ endpointId, deliverySk, trigger: 'replay' }));
}

/**
 * Sends again every delivery of the endpoint whose event time is within `from`..`to` (of one status, when asked),
 * oldest first, at most `MAX_REPLAY` a call: `nextCursor` (the last one sent) continues with the rest in the next call.
 * @throws NotFoundError for no such endpoint; ConflictError `webhook-endpoint-disabled`; ValidationError for a bad cursor
 */
export async function replayRange(endpointId: string, request: ReplayRangeRequest, deps: TableDeps & { enqueue: Enqueue }): Promise<{ replayed: number; nextCursor: string | null }> {
  refuseDisabled(await existingEndpoint(endpointId, deps));
  const { low, high } = range(request.from, request.to);
  let start = decodeCursor(request.cursor, 'body.cursor', (sk) => sk >= low && sk <= high);
  const chosen: string[] = [];
  let leftOver = false;
  do {
    const page = await deps.db.send(
      new QueryCommand({
        TableName: deps.tableName,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :low AND :high',
        ...(request.status ? { FilterExpression: '#status = :status', ExpressionAttributeNames: { '#status': 'status' } } : {}),
        ExpressionAttributeValues: { ':pk': partition(endpointId), ':low': low, ':high': high, ...(request.status ? { ':status': request.status } : {}) },
        ProjectionExpression: 'sk',
        Limit: MAX_REPLAY,
        ...(start ? { ExclusiveStartKey: { pk: partition(endpointId), ...start } } : {}),
      }),
    );
    for (const item of page.Items ?? []) {
      if (chosen.length < MAX_REPLAY) chosen.push(item.sk as string);
      else leftOver = true;
    }
    start = typeof page.LastEvaluatedKey?.sk === 'string' ? { sk: page.LastEvaluatedKey.sk } : undefined;
  } while (start && chosen.length < MAX_REPLAY);
  const more = leftOver || start !== undefined;
  for (const deliverySk of chosen) await deps.enqueue({ endpointId, deliverySk, trigger: 'replay' });
  const last = chosen.at(-1);
  return { replayed: chosen.length, nextCursor: more && last !== undefined ? Buffer.from(last, 'utf8').toString('base64url') : null };
}
