import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import type { Principal } from '../auth/principal.js';
import { config } from '../config/config.js';
import { dynamo } from '../db/client.js';

/** What the cart use-cases need from the outside world; handlers take the defaults, tests pass their own clock or table. */
export interface CartDeps {
  db: DynamoDBDocumentClient;
  tableName: string;
  now: () => Date;
  newId: () => string;
}

/** The production dependencies, with any of them replaced. The table name is read from the configuration only when none is given. */
export function cartDeps(overrides: Partial<CartDeps> = {}): CartDeps {
  return {
    db: overrides.db ?? dynamo,
    tableName: overrides.tableName ?? config.tableName,
    now: overrides.now ?? (() => new Date()),
    newId: overrides.newId ?? ulid,
  };
}

/** Who is acting on a cart: the principal's subject, whether they are staff with `admin`, and the request's correlation id. */
export interface CartActor {
  subject: string;
  admin?: boolean;
  correlationId?: string | undefined;
}

/** The actor of a request: its principal and the correlation id its headers carry. */
export function cartActor(principal: Principal, headers: Record<string, string>): CartActor {
  return { subject: principal.subject, admin: principal.scopes.includes('admin'), correlationId: headers['x-correlation-id'] };
}
