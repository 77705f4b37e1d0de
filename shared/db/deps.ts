import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { config } from '../config/config.js';
import { dynamo } from './client.js';

/**
 * What a use-case needs from the outside world to work on the table: the client, the table's name, a clock and a
 * source of ids. Handlers take the defaults; tests pass their own table, a clock they can move, or fixed ids.
 */
export interface TableDeps {
  db: DynamoDBDocumentClient;
  tableName: string;
  now: () => Date;
  newId: () => string;
}

/** The production dependencies, with any of them replaced. The table name is read from the configuration only when none is given. */
export function tableDeps(overrides: Partial<TableDeps> = {}): TableDeps {
  return {
    db: overrides.db ?? dynamo,
    tableName: overrides.tableName ?? config.tableName,
    now: overrides.now ?? (() => new Date()),
    newId: overrides.newId ?? ulid,
  };
}
