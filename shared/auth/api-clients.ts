import { createHash, randomBytes } from 'node:crypto';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { config } from '../config/config.js';
import { dynamo } from '../db/client.js';
import { keys } from '../db/keys.js';
import { ConflictError } from '../errors.js';
import { stillWorks } from './api-key-rules.js';
import { parseRoles, type Role } from './roles.js';
import { SCOPES, type Scope } from './scopes.js';

/** An integration that calls the API with an API key (POS, ERP, the billing provider's tooling). */
export interface ApiClient {
  name: string;
  roles: Role[];
  /** The stores it acts at (a till: its own), or `*` for every store, granted explicitly; none for a chain-level feed. */
  stores: string[];
  status: 'active' | 'revoked';
  createdAt: string;
  /** The scopes it holds when it narrows its roles' (a key made with `POST /api-keys` naming some); absent, all of them. */
  scopes?: Scope[];
}

/** API keys are stored only as their SHA-256: a table dump never reveals a usable key. */
export function hashApiKey(apiKey: string): string {
  return createHash('sha256').update(apiKey, 'utf8').digest('hex');
}

/** A new random API key: 32 bytes, base64url, with a prefix that secret scanners can match. */
export function generateApiKey(): string {
  return `ssk_${randomBytes(32).toString('base64url')}`;
}

/**
 * Registers an API key for a named client. Registering the same key for the same client again is a
 * no-op, so start-up scripts can call it every time; the same key for another client is a conflict.
 */
export async function registerApiClient(input: { apiKey: string; name: string; roles: Role[]; stores?: string[] }): Promise<void> {
  try {
    await dynamo.send(
      new PutCommand({
        TableName: config.tableName,
        Item: {
          ...keys.apiClient(hashApiKey(input.apiKey)),
          entityType: 'ApiClient',
          schemaVersion: 2,
          name: input.name,
          roles: input.roles,
          stores: input.stores ?? [],
          status: 'active',
          createdAt: new Date().toISOString(),
        },
        ConditionExpression: 'attribute_not_exists(pk) OR (#name = :name AND #status = :active)',
        ExpressionAttributeNames: { '#name': 'name', '#status': 'status' },
        ExpressionAttributeValues: { ':name': input.name, ':active': 'active' },
      }),
    );
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) {
      throw new ConflictError('api-key-taken', 'This API key already belongs to another client or was revoked.');
    }
    throw error;
  }
}

/**
 * The active client that owns an API key, or undefined: none, revoked (its lookup item deleted, or marked so by
 * older records), or a rotated key whose overlap has ended at `now` (its `expiresAt`, which TTL removes only later).
 * Read strongly consistent, so a revocation refuses the very next request; the authorizer caches nothing (TTL 0).
 */
export async function findApiClient(apiKey: string, now: Date = new Date()): Promise<ApiClient | undefined> {
  const { Item } = await dynamo.send(new GetCommand({ TableName: config.tableName, Key: keys.apiClient(hashApiKey(apiKey)), ConsistentRead: true }));
  if (!Item || Item.status !== 'active') return undefined;
  if (!stillWorks(typeof Item.expiresAt === 'number' ? Item.expiresAt : undefined, now)) return undefined;
  const scopes = Array.isArray(Item.scopes) ? Item.scopes.filter((s): s is Scope => (SCOPES as readonly unknown[]).includes(s)) : [];
  return {
    name: String(Item.name),
    roles: parseRoles(Array.isArray(Item.roles) ? Item.roles : []),
    stores: Array.isArray(Item.stores) ? Item.stores.filter((s): s is string => typeof s === 'string') : [],
    status: 'active',
    createdAt: String(Item.createdAt),
    ...(scopes.length > 0 ? { scopes } : {}),
  };
}
