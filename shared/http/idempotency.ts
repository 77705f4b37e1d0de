import { IdempotencyConfig } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { makeHandlerIdempotent } from '@aws-lambda-powertools/idempotency/middleware';
import type middy from '@middy/core';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { config } from '../config/config.js';
import { keys, TABLE_KEYS, TTL_ATTRIBUTE } from '../db/keys.js';

/**
 * Powertools idempotency backed by the single table: the partition is per function
 * (`IDEMPOTENCY#<function>`), the sort key the hash of `idempotencyScope` (method, path as called, caller, `Idempotency-Key`), and DynamoDB's
 * TTL on `expiresAt` removes records after a day. A reused key with another body is refused
 * (payload validation on `body`).
 */
export function idempotency(): middy.MiddlewareObj {
  return makeHandlerIdempotent({
    persistenceStore: new DynamoDBPersistenceLayer({
      tableName: config.tableName,
      keyAttr: TABLE_KEYS.partition,
      sortKeyAttr: TABLE_KEYS.sort,
      staticPkValue: keys.idempotencyPartition(process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'local'),
      expiryAttr: TTL_ATTRIBUTE,
      awsSdkV3Client: new DynamoDBClient({}),
    }),
    config: new IdempotencyConfig({
      eventKeyJmesPath: 'smartshelf.idempotencyKey',
      payloadValidationJmesPath: 'body',
      expiresAfterSeconds: 24 * 60 * 60,
    }),
  });
}
