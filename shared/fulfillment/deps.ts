import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { config } from '../config/config.js';
import { dynamo } from '../db/client.js';

/** What the fulfillment use-cases need from outside; tests pass their own clock. */
export interface FulfillmentDeps {
  db: DynamoDBDocumentClient;
  tableName: string;
  now: () => Date;
}

/** The production dependencies, with any of them replaced. The table name is read from the configuration only when none is given. */
export function fulfillmentDeps(overrides: Partial<FulfillmentDeps> = {}): FulfillmentDeps {
  return {
    db: overrides.db ?? dynamo,
    tableName: overrides.tableName ?? config.tableName,
    now: overrides.now ?? (() => new Date()),
  };
}
