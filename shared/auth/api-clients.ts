import { createHash, randomBytes } from 'node:crypto';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { config } from '../config/config.js';
import { dynamo } from '../db/client.js';
import { keys } from '../db/keys.js';
import { ConflictError } from '../errors.js';
import { parseRoles, type Role } from './roles.js';

/** An integration that calls the API with an API key (POS, ERP, the billing provider's tooling). */
export interface ApiClient {
  name: string;
  roles: Role[];
  /** The stores it acts at (a till: its own), or `*` for every store, granted explicitly; none for a chain-level feed. */
  stores: string[];
  status: 'active' | 'revoked';
  createdAt: string;
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

/** The active client that owns an API key, or undefined. */
export async function findApiClient(apiKey: string): Promise<ApiClient | undefined> {
  const { Item } = await dynamo.send(new GetCommand({ TableName: config.tableName, Key: keys.apiClient(hashApiKey(apiKey)) }));
  if (!Item || Item.status !== 'active') return undefined;
  return {
    name: String(Item.name),
    roles: parseRoles(Array.isArray(Item.roles) ? Item.roles : []),
    stores: Array.isArray(Item.stores) ? Item.stores.filter((s): s is string => typeof s === 'string') : [],
    status: 'active',
    createdAt: String(Item.createdAt),
  };
}
