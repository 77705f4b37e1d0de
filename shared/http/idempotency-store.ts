import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { config } from '../config/config.js';
import { TABLE_KEYS, TTL_ATTRIBUTE } from '../db/keys.js';

let store: DynamoDBPersistenceLayer | undefined;

/**
 * Powertools' idempotency records live in the single table: the partition is per function
 * (`IDEMPOTENCY#<function>`), the sort key is the hashed request key, and DynamoDB's TTL on
 * `expiresAt` removes them. Built on first use so that functions without idempotent routes never pay for it.
 */
export function idempotencyStore(): DynamoDBPersistenceLayer {
  store ??= new DynamoDBPersistenceLayer({
    tableName: config.tableName,
    keyAttr: TABLE_KEYS.partition,
    sortKeyAttr: TABLE_KEYS.sort,
    staticPkValue: `IDEMPOTENCY#${process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'local'}`,
    expiryAttr: TTL_ATTRIBUTE,
    awsSdkV3Client: new DynamoDBClient({}),
  });
  return store;
}
