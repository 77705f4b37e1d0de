import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { TableDeps } from '../db/deps.js';
import { keys, TTL_ATTRIBUTE } from '../db/keys.js';
import { TransactionCancelled, transactWrite } from '../db/transact.js';
import { parseRoles, type Role } from './roles.js';
import { SCOPES, type Scope } from './scopes.js';
import { isLive, newSessionId, sessionHash, slideTimes, startTimes, type SessionTimes } from './session.js';

/** Who a session is for, as signed in (or as the staff directory says at a refresh). No token of any issuer. */
export interface SessionGrant {
  subject: string;
  roles: Role[];
  /** The stores named for them (store-bound roles); the principal's stores are derived from these and the roles. */
  stores: string[];
  /** SmartShelf scopes the sign-in's token asked for (they narrow the roles'); none for a local sign-in. */
  askedScopes: Scope[];
  /** How they signed in. */
  method: 'local' | 'cognito';
}

/** A live session as stored: its grant and its deadlines. */
export interface StoredSession extends SessionGrant, SessionTimes {}

type Deps = Pick<TableDeps, 'db' | 'tableName'>;

function sessionItem(hash: string, session: StoredSession): Record<string, unknown> {
  return {
    ...keys.staffSession(hash),
    entityType: 'StaffSession',
    schemaVersion: 1,
    subject: session.subject,
    roles: session.roles,
    stores: session.stores,
    askedScopes: session.askedScopes,
    method: session.method,
    sessionExpiresAt: session.expiresAt.toISOString(),
    absoluteExpiresAt: session.absoluteExpiresAt.toISOString(),
    // DynamoDB deletes it some time after the idle deadline; until then the lookup compares the deadline itself.
    [TTL_ATTRIBUTE]: Math.ceil(session.expiresAt.getTime() / 1000),
  };
}

function fromItem(item: Record<string, unknown>): StoredSession {
  const strings = (v: unknown) => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : []);
  return {
    subject: String(item.subject),
    roles: parseRoles(Array.isArray(item.roles) ? item.roles : []),
    stores: strings(item.stores),
    askedScopes: strings(item.askedScopes).filter((s): s is Scope => (SCOPES as readonly string[]).includes(s)),
    method: item.method === 'cognito' ? 'cognito' : 'local',
    expiresAt: new Date(String(item.sessionExpiresAt)),
    absoluteExpiresAt: new Date(String(item.absoluteExpiresAt)),
  };
}

/** Starts a session at `now`: a new random id (answered, never stored) and its item under the id's hash. */
export async function createSession(grant: SessionGrant, now: Date, deps: Deps): Promise<{ sessionId: string; session: StoredSession }> {
  const sessionId = newSessionId();
  const session: StoredSession = { ...grant, ...startTimes(now) };
  await deps.db.send(
    new PutCommand({
      TableName: deps.tableName,
      Item: sessionItem(sessionHash(sessionId), session),
      // 256 random bits never collide; the condition only makes sure a session is never overwritten.
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  );
  return { sessionId, session };
}

/**
 * The live session of an id, or undefined: none (never issued, ended, rotated away) or past a deadline (TTL deletes
 * items only some time later). Read strongly consistent, so a sign-out or rotation refuses the very next request.
 */
export async function findSession(sessionId: string, now: Date, deps: Deps): Promise<StoredSession | undefined> {
  const { Item } = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: keys.staffSession(sessionHash(sessionId)), ConsistentRead: true }));
  if (!Item) return undefined;
  const session = fromItem(Item);
  return isLive(session, now) ? session : undefined;
}

/**
 * Refresh: the session moves to a new id in one transaction (the old item deleted on condition that it still exists
 * and is live, the new one put on condition that none exists), its idle deadline slid and its grant replaced by
 * `grant`. Of two refreshes racing on one session exactly one wins; the other finds the old item gone and gets
 * undefined, so one live session is left, never two.
 */
export async function rotateSession(
  sessionId: string,
  current: StoredSession,
  grant: Pick<SessionGrant, 'roles' | 'stores'>,
  now: Date,
  deps: Deps,
): Promise<{ sessionId: string; session: StoredSession } | undefined> {
  const nextId = newSessionId();
  const session: StoredSession = { ...current, ...grant, ...slideTimes(current, now) };
  try {
    await transactWrite(deps, [
      {
        Delete: {
          TableName: deps.tableName,
          Key: keys.staffSession(sessionHash(sessionId)),
          ConditionExpression: 'attribute_exists(pk) AND sessionExpiresAt > :now AND absoluteExpiresAt > :now',
          ExpressionAttributeValues: { ':now': now.toISOString() },
        },
      },
      { Put: { TableName: deps.tableName, Item: sessionItem(sessionHash(nextId), session), ConditionExpression: 'attribute_not_exists(pk)' } },
    ]);
  } catch (error) {
    if (error instanceof TransactionCancelled) return undefined;
    throw error;
  }
  return { sessionId: nextId, session };
}

/** Ends a session (sign-out, or a subject whose roles were all taken away); ending an ended one is harmless. */
export async function deleteSession(sessionId: string, deps: Deps): Promise<void> {
  await deps.db.send(new DeleteCommand({ TableName: deps.tableName, Key: keys.staffSession(sessionHash(sessionId)) }));
}
