import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { config } from '../config/config.js';
import { dynamo } from '../db/client.js';

/**
 * What the inventory use-cases need from the outside world. Handlers take the defaults; tests pass their own
 * table, and a clock they can move forward to expire holds without waiting.
 */
export interface InventoryDeps {
  db: DynamoDBDocumentClient;
  tableName: string;
  now: () => Date;
  newId: () => string;
}

/** The production dependencies, with any of them replaced. The table name is read from the configuration only when none is given. */
export function inventoryDeps(overrides: Partial<InventoryDeps> = {}): InventoryDeps {
  return {
    db: overrides.db ?? dynamo,
    tableName: overrides.tableName ?? config.tableName,
    now: overrides.now ?? (() => new Date()),
    newId: overrides.newId ?? ulid,
  };
}
