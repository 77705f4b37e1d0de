import { createHash } from 'node:crypto';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { checkKeyGrant, keyScopes, lastFour, overlapEnd } from '../auth/api-key-rules.js';
import { generateApiKey, hashApiKey } from '../auth/api-clients.js';
import type { Role } from '../auth/roles.js';
import type { Scope } from '../auth/scopes.js';
import { auditItem, type AuditedBy } from '../audit/audit-entry.js';
import type { TableDeps } from '../db/deps.js';
import { INDEXES, keys } from '../db/keys.js';
import { TransactionCancelled, transactWrite, type TransactItem } from '../db/transact.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { logger } from '../observability/logger.js';
import type { ApiKeyView, CreateApiKeyRequest, ListApiKeysQuery } from './api-key-model.js';
import { usagePlanKeys, type UsagePlanKeys } from './usage-plan-keys.js';

/** Who asks (for the audit), and the request's own idempotency scope (method, path, caller, `Idempotency-Key`). */
export interface KeyChangeContext extends AuditedBy {
  idempotencyScope: string;
}

/** A key change's answer: the key's view, and the new key itself only the first time (it is never stored). */
export interface KeyChange {
  key: ApiKeyView;
  apiKey?: string;
}

interface StoredKey {
  id: string;
  name: string;
  roles: Role[];
  scopes?: Scope[];
  stores: string[];
  status: 'active' | 'revoked';
  createdBy: string;
  createdAt: string;
  current: { hash: string; lastFour: string };
  predecessor?: { hash: string; lastFour: string; expiresAt: string };
  rotatedAt?: string;
  revokedAt?: string;
  revokedBy?: string;
  version: number;
  /** The fingerprint of the request that created it, and of its last rotation: a retry answers what they did. */
  createdByRequest: string;
  lastRotationRequest?: string;
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** A key's id from the request that creates it: the same request retried names the same key, so it cannot make two. */
export function keyIdFor(idempotencyScope: string): string {
  return `key_${sha256(`api-key ${idempotencyScope}`).slice(0, 24)}`;
}

/** The audit's who: the actor, its kind and the request's correlation id. */
const by = (who: AuditedBy) => ({ actor: who.actor, actorKind: who.actorKind, correlationId: who.correlationId });

const fingerprint = (scope: string, body: unknown) => sha256(`${scope}\n${JSON.stringify(body)}`);

/** The console's view: what the key may do and where it stands, without its hashes. */
export function apiKeyView(k: StoredKey): ApiKeyView {
  return {
    id: k.id,
    name: k.name,
    roles: k.roles,
    scopes: keyScopes(k.roles, k.scopes),
    ...(k.scopes ? { narrowedTo: k.scopes } : {}),
    stores: k.stores,
    status: k.status,
    lastFour: k.current.lastFour,
    createdBy: k.createdBy,
    createdAt: k.createdAt,
    ...(k.rotatedAt ? { rotatedAt: k.rotatedAt } : {}),
    ...(k.predecessor ? { predecessor: { lastFour: k.predecessor.lastFour, expiresAt: k.predecessor.expiresAt } } : {}),
    ...(k.revokedAt ? { revokedAt: k.revokedAt, revokedBy: k.revokedBy ?? '' } : {}),
  };
}

/** What an audit entry says about a key: its grant and state, never a hash. */
const audited = (k: Pick<StoredKey, 'name' | 'roles' | 'scopes' | 'stores' | 'status' | 'current'>) => ({
  name: k.name,
  roles: k.roles,
  scopes: k.scopes ?? null,
  stores: k.stores,
  status: k.status,
  lastFour: k.current.lastFour,
});

/** The lookup item the authorizer reads by the key's hash (`keys.apiClient`). */
function lookupItem(k: StoredKey, hash: string): Record<string, unknown> {
  return {
    ...keys.apiClient(hash),
    entityType: 'ApiClient',
    schemaVersion: 3,
    keyId: k.id,
    name: k.name,
    roles: k.roles,
    ...(k.scopes ? { scopes: k.scopes } : {}),
    stores: k.stores,
    status: 'active',
    createdAt: k.createdAt,
  };
}

async function readKey(id: string, deps: TableDeps): Promise<StoredKey | undefined> {
  const { Item } = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: keys.apiKey(id), ConsistentRead: true }));
  return Item as StoredKey | undefined;
}

/**
 * Removes gateway keys nobody will be shown or that the authorizer no longer accepts, after the request's own change
 * has happened: a failure is logged, not answered, since the answer may carry a key shown only this once, and such a
 * leftover is inert (the authorizer refuses its value before API Gateway meters it). Revoking the key removes it later.
 */
async function tidy(gateway: UsagePlanKeys, id: string, hashes: readonly string[]): Promise<void> {
  try {
    await gateway.remove(id, hashes);
  } catch (error) {
    logger.warn('API key left registered with the usage plan', { keyId: id, error: (error as Error).message });
  }
}

/** The shape of the keys `generateApiKey` makes: a value registered under our key id is reused only in it. */
const ISSUED_KEY = /^ssk_[A-Za-z0-9_-]{43}$/;

/** The answer to a create retried after it was made: the key's view, without the key, or a conflict for another body. */
function madeBefore(existing: StoredKey | undefined, requestPrint: string): KeyChange {
  if (existing?.createdByRequest !== requestPrint) {
    throw new ConflictError('idempotency-key-reused', 'This Idempotency-Key already created an API key with another body.');
  }
  return { key: apiKeyView(existing) };
}

/**
 * Creates an API key for an integration: the key record, the lookup item by the key's hash and the audit entry in one
 * transaction. The key is answered once; a retry of the same request (same caller, `Idempotency-Key` and body) finds
 * the key it made and answers it without the key, which is stored nowhere; a lost answer means a rotation.
 * The key joins API Gateway's usage plan (`gateway`) before the transaction makes it visible, so a key anyone is shown
 * works at the gateway: should that fail, nothing is stored and no key is shown. Should the transaction fail after it,
 * the gateway holds a key no authorizer accepts: a retry of the request reuses it (it was shown to nobody), and a
 * request that lost the race to another key removes its own at once.
 * @throws AppError `invalid` for a grant the rules refuse; ConflictError `idempotency-key-reused` for another body under the same key
 */
export async function createApiKey(
  request: CreateApiKeyRequest,
  ctx: KeyChangeContext,
  deps: TableDeps,
  gateway: UsagePlanKeys = usagePlanKeys(),
): Promise<KeyChange> {
  checkKeyGrant(request);
  const id = keyIdFor(ctx.idempotencyScope);
  const requestPrint = fingerprint(ctx.idempotencyScope, request);
  // A retry of a create that was made registers nothing more: the transaction's condition below still decides races.
  const made = await readKey(id, deps);
  if (made) return madeBefore(made, requestPrint);
  const left = await gateway.registered(id);
  const apiKey = left !== undefined && ISSUED_KEY.test(left) ? left : generateApiKey();
  const hash = hashApiKey(apiKey);
  const at = deps.now().toISOString();
  const stored: StoredKey = {
    id,
    name: request.name,
    roles: [...new Set(request.roles)],
    ...(request.scopes ? { scopes: [...new Set(request.scopes)] } : {}),
    stores: [...new Set(request.stores ?? [])].sort(),
    status: 'active',
    createdBy: ctx.actor,
    createdAt: at,
    current: { hash, lastFour: lastFour(apiKey) },
    version: 1,
    createdByRequest: requestPrint,
  };
  const items: TransactItem[] = [
    {
      Put: {
        TableName: deps.tableName,
        Item: { ...keys.apiKey(id), ...keys.apiKeysByCreation(at, id), entityType: 'ApiKey', schemaVersion: 1, ...stored },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    { Put: { TableName: deps.tableName, Item: lookupItem(stored, hash), ConditionExpression: 'attribute_not_exists(pk)' } },
    { Put: { TableName: deps.tableName, Item: auditItem({ entity: 'api-key', entityId: id, action: 'create', ...by(ctx), at, before: {}, after: audited(stored) }) } },
  ];
  await gateway.register(id, apiKey);
  try {
    await transactWrite(deps, items);
    return { key: apiKeyView(stored), apiKey };
  } catch (error) {
    if (!(error instanceof TransactionCancelled) || !error.failedConditions().includes(0)) throw error;
    // The same request racing itself: the winner's key is the key. Its registration stays when both reused one key.
    const existing = await readKey(id, deps);
    if (existing?.current.hash !== hash) await tidy(gateway, id, [hash]);
    return madeBefore(existing, requestPrint);
  }
}

/**
 * Rotates a key: a new key answered once, the old one working until the overlap ends (its lookup item's `expiresAt`,
 * which the authorizer checks and DynamoDB's TTL later removes). A predecessor still in its overlap stops at once: a
 * key has at most one. A retry of the same request answers the rotation it made, without the key.
 * The new key joins API Gateway's usage plan before the transaction, as in `createApiKey`; after it, the predecessor it
 * displaced (whose overlap has ended, or just been cut short) leaves the plan: that is when an old key's registration
 * goes, on the next rotation or at revoke, and until then it is inert, since the authorizer refuses it first.
 * @throws NotFoundError; ConflictError `api-key-revoked`, or `api-key-changed` when another change won the race
 */
export async function rotateApiKey(
  id: string,
  overlapHours: number,
  ctx: KeyChangeContext,
  deps: TableDeps,
  gateway: UsagePlanKeys = usagePlanKeys(),
): Promise<KeyChange> {
  const existing = await readKey(id, deps);
  if (!existing) throw new NotFoundError('api-key', id);
  const requestPrint = fingerprint(ctx.idempotencyScope, { overlapHours });
  if (existing.lastRotationRequest === requestPrint) return { key: apiKeyView(existing) };
  if (existing.status !== 'active') throw new ConflictError('api-key-revoked', `API key ${id} is revoked; create a new one.`);
  const now = deps.now();
  const at = now.toISOString();
  const ends = overlapEnd(now, overlapHours);
  const apiKey = generateApiKey();
  const hash = hashApiKey(apiKey);
  const rotated: StoredKey = {
    ...existing,
    current: { hash, lastFour: lastFour(apiKey) },
    predecessor: { ...existing.current, expiresAt: ends.toISOString() },
    rotatedAt: at,
    version: existing.version + 1,
    lastRotationRequest: requestPrint,
  };
  const items: TransactItem[] = [
    {
      Update: {
        TableName: deps.tableName,
        Key: keys.apiKey(id),
        UpdateExpression: 'SET #current = :current, predecessor = :predecessor, rotatedAt = :at, version = :next, lastRotationRequest = :print',
        ConditionExpression: 'version = :version AND #status = :active',
        ExpressionAttributeNames: { '#current': 'current', '#status': 'status' },
        ExpressionAttributeValues: {
          ':current': rotated.current,
          ':predecessor': rotated.predecessor,
          ':at': at,
          ':next': rotated.version,
          ':print': requestPrint,
          ':version': existing.version,
          ':active': 'active',
        },
      },
    },
    { Put: { TableName: deps.tableName, Item: lookupItem(rotated, hash), ConditionExpression: 'attribute_not_exists(pk)' } },
    {
      // The end is epoch seconds: the authorizer compares it, and it is the table's TTL attribute, which tidies later.
      Update: {
        TableName: deps.tableName,
        Key: keys.apiClient(existing.current.hash),
        UpdateExpression: 'SET expiresAt = :ends',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':ends': Math.floor(ends.getTime() / 1000) },
      },
    },
    ...(existing.predecessor ? [{ Delete: { TableName: deps.tableName, Key: keys.apiClient(existing.predecessor.hash) } }] : []),
    {
      Put: {
        TableName: deps.tableName,
        Item: auditItem({
          entity: 'api-key',
          entityId: id,
          action: 'rotate',
          ...by(ctx),
          at,
          before: audited(existing),
          after: { ...audited(rotated), predecessorExpiresAt: ends.toISOString() },
        }),
      },
    },
  ];
  await gateway.register(id, apiKey);
  try {
    await transactWrite(deps, items);
  } catch (error) {
    if (!(error instanceof TransactionCancelled)) throw error;
    await tidy(gateway, id, [hash]);
    throw new ConflictError('api-key-changed', `API key ${id} changed meanwhile; read it and try again.`);
  }
  if (existing.predecessor) await tidy(gateway, id, [existing.predecessor.hash]);
  return { key: apiKeyView(rotated), apiKey };
}

/**
 * Revokes a key at once: its lookup items (the current key's and a predecessor's in its overlap) are deleted in the
 * transaction that marks it revoked and audits it, so the next request with either is a 401. Then every gateway key
 * registered for it leaves API Gateway's usage plan (leftovers of failed requests too). Revoking a revoked key changes
 * nothing in the table, removes from the gateway whatever a failed earlier revoke left, and answers it.
 * @throws NotFoundError; ConflictError `api-key-changed` when another change won the race; the gateway's error, once
 * the key is revoked in the table, so that the caller retries
 */
export async function revokeApiKey(id: string, ctx: AuditedBy, deps: TableDeps, gateway: UsagePlanKeys = usagePlanKeys()): Promise<ApiKeyView> {
  const existing = await readKey(id, deps);
  if (!existing) throw new NotFoundError('api-key', id);
  if (existing.status === 'revoked') {
    await gateway.remove(id);
    return apiKeyView(existing);
  }
  const at = deps.now().toISOString();
  const revoked: StoredKey = { ...existing, status: 'revoked', revokedAt: at, revokedBy: ctx.actor, version: existing.version + 1 };
  const hashes = [existing.current.hash, ...(existing.predecessor ? [existing.predecessor.hash] : [])];
  const items: TransactItem[] = [
    {
      Update: {
        TableName: deps.tableName,
        Key: keys.apiKey(id),
        UpdateExpression: 'SET #status = :revoked, revokedAt = :at, revokedBy = :actor, version = :next',
        ConditionExpression: 'version = :version',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':revoked': 'revoked', ':at': at, ':actor': ctx.actor, ':next': revoked.version, ':version': existing.version },
      },
    },
    ...hashes.map((hash) => ({ Delete: { TableName: deps.tableName, Key: keys.apiClient(hash) } })),
    { Put: { TableName: deps.tableName, Item: auditItem({ entity: 'api-key', entityId: id, action: 'revoke', ...by(ctx), at, before: audited(existing), after: audited(revoked) }) } },
  ];
  try {
    await transactWrite(deps, items);
  } catch (error) {
    if (error instanceof TransactionCancelled) throw new ConflictError('api-key-changed', `API key ${id} changed meanwhile; read it and try again.`);
    throw error;
  }
  await gateway.remove(id);
  return apiKeyView(revoked);
}

/** One key by id. @throws NotFoundError */
export async function getApiKey(id: string, deps: TableDeps): Promise<ApiKeyView> {
  const existing = await readKey(id, deps);
  if (!existing) throw new NotFoundError('api-key', id);
  return apiKeyView(existing);
}

/** The listing's cursor: the last key's `createdAt#id` on gsi1, base64url. */
const CURSOR = /^\d{4}-\d{2}-\d{2}T[\d:.]+Z#key_[0-9a-f]{24}$/;

/** Keys newest first, a page at a time, optionally only active or revoked ones. */
export async function listApiKeys(query: ListApiKeysQuery, deps: TableDeps): Promise<{ items: ApiKeyView[]; nextCursor: string | null }> {
  let start: Record<string, string> | undefined;
  if (query.cursor !== undefined) {
    const sortKey = Buffer.from(query.cursor, 'base64url').toString('utf8');
    if (!CURSOR.test(sortKey)) throw new ValidationError([{ field: 'query.cursor', message: 'is not a cursor returned by this API' }], 'The cursor is not valid.');
    const id = sortKey.slice(sortKey.indexOf('#') + 1);
    start = { ...keys.apiKey(id), ...keys.apiKeysByCreation(sortKey.slice(0, sortKey.indexOf('#')), id) };
  }
  const { Items = [], LastEvaluatedKey } = await deps.db.send(
    new QueryCommand({
      TableName: deps.tableName,
      IndexName: INDEXES.gsi1.name,
      KeyConditionExpression: 'gsi1pk = :pk',
      ...(query.status ? { FilterExpression: '#status = :status', ExpressionAttributeNames: { '#status': 'status' } } : {}),
      ExpressionAttributeValues: { ':pk': keys.apiKeysPartition, ...(query.status ? { ':status': query.status } : {}) },
      ScanIndexForward: false,
      Limit: query.limit,
      ...(start ? { ExclusiveStartKey: start } : {}),
    }),
  );
  const last = LastEvaluatedKey?.gsi1sk;
  return { items: (Items as StoredKey[]).map(apiKeyView), nextCursor: typeof last === 'string' ? Buffer.from(last, 'utf8').toString('base64url') : null };
}
