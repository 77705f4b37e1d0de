import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { config } from '../config/config.js';
import { dynamo } from '../db/client.js';

/** What the loyalty use-cases need from outside; tests pass their own table, clock and ids. */
export interface LoyaltyDeps {
  db: DynamoDBDocumentClient;
  tableName: string;
  now: () => Date;
  newId: () => string;
}

/** The production dependencies, with any of them replaced. The table name is read from the configuration only when none is given. */
export function loyaltyDeps(overrides: Partial<LoyaltyDeps> = {}): LoyaltyDeps {
  return {
    db: overrides.db ?? dynamo,
    tableName: overrides.tableName ?? config.tableName,
    now: overrides.now ?? (() => new Date()),
    newId: overrides.newId ?? ulid,
  };
}
