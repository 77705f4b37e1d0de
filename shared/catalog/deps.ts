import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { config } from '../config/config.js';
import { dynamo } from '../db/client.js';

/**
 * What the catalog use-cases need from the outside world. Handlers take the defaults; tests pass
 * their own table, clock or ids. Events need nothing more: they are items of the use-cases' own
 * transactions (see `events.ts`).
 */
export interface CatalogDeps {
  db: DynamoDBDocumentClient;
  tableName: string;
  now: () => Date;
  newId: () => string;
}

/** Who is acting and which request they are in; use-cases take it instead of an HTTP event. */
export interface Actor {
  /** A principal's subject, or a system actor such as `seed` or `import:<jobId>`. */
  actor: string;
  correlationId?: string;
}

/** The production dependencies, with any of them replaced. The table name is read from the configuration only when none is given. */
export function catalogDeps(overrides: Partial<CatalogDeps> = {}): CatalogDeps {
  return {
    db: overrides.db ?? dynamo,
    tableName: overrides.tableName ?? config.tableName,
    now: overrides.now ?? (() => new Date()),
    newId: overrides.newId ?? ulid,
  };
}
