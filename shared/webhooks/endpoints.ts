import { createHash } from 'node:crypto';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { attributedTo, auditItem, type AuditedBy } from '../audit/audit-entry.js';
import type { TableDeps } from '../db/deps.js';
import { INDEXES, keys } from '../db/keys.js';
import { queryAll } from '../db/query.js';
import { TransactionCancelled, transactWrite, type TransactItem } from '../db/transact.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { versionNamed, versionRequired } from '../http/if-match.js';
import {
  endpointView,
  rotatedVersions,
  subscriptionChanges,
  type CreateWebhookEndpointRequest,
  type ListWebhookEndpointsQuery,
  type UpdateWebhookEndpointRequest,
  type WebhookEndpoint,
  type WebhookEndpointView,
} from './endpoint-model.js';
import { signingSecret } from './signing-secrets.js';
import { checkWebhookUrl, type UrlPolicy } from './url-policy.js';

/**
 * Webhook endpoints: their repository and the management use-cases (docs/webhooks.md, "Managing endpoints"). An
 * endpoint and its subscription items (one per event type, `keys.webhookSubscriber`, read by the fan-out) are written
 * in one transaction with the audit entry, under the endpoint's `version`, so they always agree. Secrets are derived
 * (`signing-secrets.ts`) and shown once, in the answer to a create or a rotation; no item, log or audit entry holds one.
 */

/** What the use-cases need beyond the table: where URLs may point, and the master key secrets are derived with. */
export interface EndpointDeps extends TableDeps {
  urlPolicy: UrlPolicy;
  signingMaster: () => Promise<string>;
}

/** Who asks (for the audit), and the request's own idempotency scope (method, path, caller, `Idempotency-Key`). */
export interface EndpointChangeContext extends AuditedBy {
  idempotencyScope: string;
}

/** A create's or rotation's answer: the endpoint and, only the first time, the secret it now signs with. */
export interface EndpointChange {
  endpoint: WebhookEndpointView;
  secret?: string;
}

/** The endpoint item: the endpoint and the fingerprints of the requests that created it and last rotated its secret. */
interface StoredEndpoint extends WebhookEndpoint {
  createdByRequest: string;
  lastRotationRequest?: string;
}

const ENTITY = 'webhook-endpoint';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const fingerprint = (scope: string, body: unknown) => sha256(`${scope}\n${JSON.stringify(body)}`);

/** An endpoint's id from the request that creates it: the same request retried names the same endpoint, so it cannot make two. */
export function endpointIdFor(idempotencyScope: string): string {
  return `ep_${sha256(`webhook-endpoint ${idempotencyScope}`).slice(0, 24)}`;
}

/**
 * What an audit entry says about an endpoint. The URL only by its origin and a fingerprint: some receivers (chat
 * hooks, automation tools) put their credential in the path or query, and the audit is read by more people than
 * those who manage webhooks. Never a secret: only the versions and when they end.
 */
function audited(e: WebhookEndpoint): Record<string, unknown> {
  return {
    urlOrigin: new URL(e.url).origin,
    urlSha256: sha256(e.url),
    eventTypes: e.eventTypes,
    description: e.description ?? null,
    enabled: e.enabled,
    disabledReason: e.disabledReason ?? null,
    secretVersions: e.secretVersions.map((v) => ({ version: v.version, expiresAt: v.expiresAt ?? null })),
  };
}

function endpointItem(e: StoredEndpoint): Record<string, unknown> {
  return { ...keys.webhookEndpoint(e.id), ...keys.webhookEndpointsByCreation(e.createdAt, e.id), entityType: 'WebhookEndpoint', schemaVersion: 1, ...e };
}

function subscriberItem(eventType: string, endpointId: string, enabled: boolean): Record<string, unknown> {
  return { ...keys.webhookSubscriber(eventType, endpointId), entityType: 'WebhookSubscription', schemaVersion: 1, eventType, endpointId, enabled };
}

function auditPut(deps: TableDeps, who: AuditedBy, id: string, action: string, at: string, before: Record<string, unknown>, after: Record<string, unknown>): TransactItem {
  return { Put: { TableName: deps.tableName, Item: auditItem({ ...attributedTo(who), entity: ENTITY, entityId: id, action, at, before, after }) } };
}

async function readStored(id: string, deps: TableDeps): Promise<StoredEndpoint | undefined> {
  const { Item } = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: keys.webhookEndpoint(id), ConsistentRead: true }));
  if (!Item) return undefined;
  const { pk: _pk, sk: _sk, gsi1pk: _gsi1pk, gsi1sk: _gsi1sk, entityType: _type, schemaVersion: _version, ...endpoint } = Item;
  return endpoint as StoredEndpoint;
}

/** One endpoint as stored, for the delivery path (strongly consistent); `undefined` when there is none (deleted). */
export async function getEndpoint(endpointId: string, deps: TableDeps): Promise<WebhookEndpoint | undefined> {
  return readStored(endpointId, deps);
}

/**
 * The enabled endpoints subscribed to an event type, by id: one Query of the type's partition (every page of it),
 * for the fan-out. An endpoint disabled, by an admin or for failing, has its subscriptions disabled with it.
 */
export async function listSubscribers(eventType: string, deps: TableDeps): Promise<string[]> {
  const items = await queryAll(deps, {
    TableName: deps.tableName,
    KeyConditionExpression: 'pk = :pk',
    FilterExpression: 'enabled = :yes',
    ExpressionAttributeValues: { ':pk': keys.webhookSubscribers(eventType), ':yes': true },
  });
  return items.map((item) => item.endpointId as string);
}

/** The strong entity tag of an endpoint version, `"3"`. */
export function endpointEtag(endpoint: Pick<WebhookEndpointView, 'version'>): string {
  return `"${endpoint.version}"`;
}

function changedMeanwhile(id: string, expected: number, current: number | undefined): ConflictError {
  return new ConflictError('version-mismatch', `Webhook endpoint ${id} is at version ${current ?? 'none (deleted)'}, not ${expected}; read it again and reapply the change.`, {
    extensions: { expectedVersion: expected, ...(current === undefined ? {} : { currentVersion: current }) },
  });
}

/** The answer to a create retried after it was made: the endpoint without its secret, or a conflict for another body. */
function madeBefore(existing: StoredEndpoint | undefined, requestPrint: string, now: Date): EndpointChange {
  if (!existing || existing.createdByRequest !== requestPrint) {
    throw new ConflictError('idempotency-key-reused', 'This Idempotency-Key already created a webhook endpoint with another body.');
  }
  return { endpoint: endpointView(existing, now) };
}

/**
 * Registers a webhook endpoint: the endpoint, one subscription item per event type and the audit entry in one
 * transaction. Its first secret (version 1) is answered once; a retry of the same request (same caller,
 * `Idempotency-Key` and body) finds the endpoint it made and answers it without the secret: a lost answer means a
 * rotation, as with API keys.
 * @throws WebhookUrlRefusedError (400) for a URL the policy refuses; ConflictError `idempotency-key-reused`
 */
export async function createEndpoint(request: CreateWebhookEndpointRequest, ctx: EndpointChangeContext, deps: EndpointDeps): Promise<EndpointChange> {
  const id = endpointIdFor(ctx.idempotencyScope);
  const requestPrint = fingerprint(ctx.idempotencyScope, request);
  const made = await readStored(id, deps);
  if (made) return madeBefore(made, requestPrint, deps.now());
  await checkWebhookUrl(request.url, deps.urlPolicy);
  const master = await deps.signingMaster();
  const now = deps.now();
  const at = now.toISOString();
  const stored: StoredEndpoint = {
    id,
    url: request.url,
    eventTypes: request.eventTypes,
    ...(request.description === undefined ? {} : { description: request.description }),
    enabled: request.enabled,
    ...(request.enabled ? {} : { disabledReason: 'manual' as const, disabledAt: at }),
    secretVersions: [{ version: 1, createdAt: at }],
    createdBy: ctx.actor,
    createdAt: at,
    updatedAt: at,
    version: 1,
    createdByRequest: requestPrint,
  };
  const items: TransactItem[] = [
    { Put: { TableName: deps.tableName, Item: endpointItem(stored), ConditionExpression: 'attribute_not_exists(pk)' } },
    ...stored.eventTypes.map((type) => ({ Put: { TableName: deps.tableName, Item: subscriberItem(type, id, stored.enabled) } })),
    auditPut(deps, ctx, id, 'create', at, {}, audited(stored)),
  ];
  try {
    await transactWrite(deps, items);
  } catch (error) {
    if (!(error instanceof TransactionCancelled) || !error.failedConditions().includes(0)) throw error;
    // The same request racing itself: the winner made the endpoint and showed its secret.
    return madeBefore(await readStored(id, deps), requestPrint, now);
  }
  return { endpoint: endpointView(stored, now), secret: signingSecret(master, id, 1) };
}

/** One endpoint by id. @throws NotFoundError */
export async function getEndpointView(id: string, deps: TableDeps): Promise<WebhookEndpointView> {
  const existing = await readStored(id, deps);
  if (!existing) throw new NotFoundError('webhook-endpoint', id);
  return endpointView(existing, deps.now());
}

/** The listing's cursor: the last endpoint's `createdAt#id` on gsi1, base64url. */
const CURSOR = /^\d{4}-\d{2}-\d{2}T[\d:.]+Z#ep_[0-9a-f]{24}$/;

/** Endpoints newest first, a page at a time. @throws ValidationError for a cursor this API did not give */
export async function listEndpoints(query: ListWebhookEndpointsQuery, deps: TableDeps): Promise<{ items: WebhookEndpointView[]; nextCursor: string | null }> {
  let start: Record<string, string> | undefined;
  if (query.cursor !== undefined) {
    const sortKey = Buffer.from(query.cursor, 'base64url').toString('utf8');
    if (!CURSOR.test(sortKey)) throw new ValidationError([{ field: 'query.cursor', message: 'is not a cursor returned by this API' }], 'The cursor is not valid.');
    const [createdAt, id] = sortKey.split('#') as [string, string];
    start = { ...keys.webhookEndpoint(id), ...keys.webhookEndpointsByCreation(createdAt, id) };
  }
  const { Items = [], LastEvaluatedKey } = await deps.db.send(
    new QueryCommand({
      TableName: deps.tableName,
      IndexName: INDEXES.gsi1.name,
      KeyConditionExpression: 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.webhookEndpointsPartition },
      ScanIndexForward: false,
      Limit: query.limit,
      ...(start ? { ExclusiveStartKey: start } : {}),
    }),
  );
  const now = deps.now();
  const last = LastEvaluatedKey?.gsi1sk;
  return {
    items: (Items as WebhookEndpoint[]).map((item) => endpointView(item, now)),
    nextCursor: typeof last === 'string' ? Buffer.from(last, 'utf8').toString('base64url') : null,
  };
}

/**
 * Changes an endpoint's URL, event types, description or enabled state under the version read (`version` or
 * `If-Match`), with its subscription items and the audit entry in one transaction. Disabling stops its deliveries
 * (`disabledReason: manual`); enabling clears any failure state the sender left (`failing`, `failingSince`). A change
 * that changes nothing writes nothing.
 * @throws NotFoundError; ValidationError without a version; WebhookUrlRefusedError; ConflictError `version-mismatch`
 */
export async function updateEndpoint(
  id: string,
  patch: UpdateWebhookEndpointRequest,
  who: AuditedBy & { ifMatch?: string | undefined },
  deps: EndpointDeps,
): Promise<WebhookEndpointView> {
  const expected = versionRequired(patch.version, who.ifMatch, 'webhook endpoint');
  const current = await readStored(id, deps);
  if (!current) throw new NotFoundError('webhook-endpoint', id);
  if (current.version !== expected) throw changedMeanwhile(id, expected, current.version);
  const now = deps.now();
  const at = now.toISOString();
  const url = patch.url ?? current.url;
  const eventTypes = patch.eventTypes ?? current.eventTypes;
  const description = patch.description === undefined ? current.description : (patch.description ?? undefined);
  const enabled = patch.enabled ?? current.enabled;
  const unchanged =
    url === current.url && JSON.stringify(eventTypes) === JSON.stringify(current.eventTypes) && description === current.description && enabled === current.enabled;
  if (unchanged) return endpointView(current, now);
  if (url !== current.url) await checkWebhookUrl(url, deps.urlPolicy);

  const { description: _d, disabledReason: _r, disabledAt: _a, failingSince: _f, ...rest } = current;
  const next: StoredEndpoint = {
    ...rest,
    url,
    eventTypes,
    ...(description === undefined ? {} : { description }),
    enabled,
    // Disabling records why and when, staying disabled keeps them; enabling again clears them and what the sender left.
    ...(enabled ? {} : current.enabled ? { disabledReason: 'manual' as const, disabledAt: at } : pick(current, 'disabledReason', 'disabledAt')),
    ...(enabled && !current.enabled ? {} : pick(current, 'failingSince')),
    updatedAt: at,
    version: current.version + 1,
  };
  const { added, removed } = subscriptionChanges(current.eventTypes, eventTypes);
  const kept = eventTypes.filter((type) => !added.includes(type));
  const items: TransactItem[] = [
    { Put: { TableName: deps.tableName, Item: endpointItem(next), ConditionExpression: 'attribute_exists(pk) AND #version = :expected', ExpressionAttributeNames: { '#version': 'version' }, ExpressionAttributeValues: { ':expected': expected } } },
    ...removed.map((type) => ({ Delete: { TableName: deps.tableName, Key: keys.webhookSubscriber(type, id) } })),
    ...added.map((type) => ({ Put: { TableName: deps.tableName, Item: subscriberItem(type, id, enabled) } })),
    ...(enabled === current.enabled ? [] : kept.map((type) => ({ Put: { TableName: deps.tableName, Item: subscriberItem(type, id, enabled) } }))),
    auditPut(deps, who, id, 'update', at, audited(current), audited(next)),
  ];
  try {
    await transactWrite(deps, items);
  } catch (error) {
    if (error instanceof TransactionCancelled && error.failedConditions().includes(0)) throw changedMeanwhile(id, expected, (await readStored(id, deps))?.version);
    throw error;
  }
  return endpointView(next, now);
}

function pick<T extends object, K extends keyof T>(from: T, ...fields: K[]): Partial<Pick<T, K>> {
  return Object.fromEntries(fields.filter((f) => from[f] !== undefined).map((f) => [f, from[f]])) as Partial<Pick<T, K>>;
}

/**
 * Deletes an endpoint with its subscriptions and an audit entry, in one transaction (under `If-Match` when given):
 * nothing more is delivered to it. Its deliveries and their log stay until their TTL, but can no longer be read or
 * replayed through the API.
 * @throws NotFoundError; ValidationError for a malformed If-Match; ConflictError `version-mismatch`
 */
export async function deleteEndpoint(id: string, who: AuditedBy & { ifMatch?: string | undefined }, deps: TableDeps): Promise<void> {
  const named = versionNamed(undefined, who.ifMatch, 'webhook endpoint');
  const current = await readStored(id, deps);
  if (!current) throw new NotFoundError('webhook-endpoint', id);
  if (named !== undefined && named !== current.version) throw changedMeanwhile(id, named, current.version);
  const at = deps.now().toISOString();
  const items: TransactItem[] = [
    { Delete: { TableName: deps.tableName, Key: keys.webhookEndpoint(id), ConditionExpression: '#version = :read', ExpressionAttributeNames: { '#version': 'version' }, ExpressionAttributeValues: { ':read': current.version } } },
    ...current.eventTypes.map((type) => ({ Delete: { TableName: deps.tableName, Key: keys.webhookSubscriber(type, id) } })),
    auditPut(deps, who, id, 'delete', at, audited(current), {}),
  ];
  try {
    await transactWrite(deps, items);
  } catch (error) {
    if (error instanceof TransactionCancelled && error.failedConditions().includes(0)) throw changedMeanwhile(id, current.version, (await readStored(id, deps))?.version);
    throw error;
  }
}

/**
 * Rotates an endpoint's signing secret: a new version, answered once; the previous one keeps signing beside it for
 * `overlapHours` (0 ends it at once), so the receiver can switch keys without refusing a request. An older predecessor
 * still in its overlap stops at once. A retry of the same request answers the rotation it made, without the secret.
 * @throws NotFoundError; ConflictError `version-mismatch` when another change won the race
 */
export async function rotateEndpointSecret(id: string, overlapHours: number, ctx: EndpointChangeContext, deps: EndpointDeps): Promise<EndpointChange> {
  const existing = await readStored(id, deps);
  if (!existing) throw new NotFoundError('webhook-endpoint', id);
  const requestPrint = fingerprint(ctx.idempotencyScope, { overlapHours });
  const now = deps.now();
  if (existing.lastRotationRequest === requestPrint) return { endpoint: endpointView(existing, now) };
  const master = await deps.signingMaster();
  const at = now.toISOString();
  const rotated: StoredEndpoint = {
    ...existing,
    secretVersions: rotatedVersions(existing.secretVersions, now, overlapHours),
    updatedAt: at,
    version: existing.version + 1,
    lastRotationRequest: requestPrint,
  };
  const items: TransactItem[] = [
    {
      Update: {
        TableName: deps.tableName,
        Key: keys.webhookEndpoint(id),
        UpdateExpression: 'SET secretVersions = :versions, updatedAt = :at, #version = :next, lastRotationRequest = :print',
        ConditionExpression: '#version = :read',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: { ':versions': rotated.secretVersions, ':at': at, ':next': rotated.version, ':print': requestPrint, ':read': existing.version },
      },
    },
    auditPut(deps, ctx, id, 'rotate-secret', at, audited(existing), audited(rotated)),
  ];
  try {
    await transactWrite(deps, items);
  } catch (error) {
    if (error instanceof TransactionCancelled && error.failedConditions().includes(0)) throw changedMeanwhile(id, existing.version, (await readStored(id, deps))?.version);
    throw error;
  }
  return { endpoint: endpointView(rotated, now), secret: signingSecret(master, id, rotated.secretVersions.at(-1)!.version) };
}
