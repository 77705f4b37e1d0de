import type { S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { config } from '../config/config.js';
import { dynamo } from '../db/client.js';

/**
 * What search and recommendations need from the outside world. Functions take the defaults;
 * tests and the bench pass their own table, bucket and clock.
 */
export interface SearchDeps {
  db: DynamoDBDocumentClient;
  tableName: string;
  /** Loaded on first use: only the functions that read or write snapshots pay for the S3 client. */
  s3: () => Promise<S3Client>;
  /** The bucket holding index snapshots (the exports bucket, under `search-index/`). */
  snapshotBucket: () => string;
  now: () => Date;
}

const productionS3 = async () => (await import('../storage/s3.js')).s3;

/** The production dependencies, with any of them replaced. Configuration is read only for what is not given. */
export function searchDeps(overrides: Partial<SearchDeps> = {}): SearchDeps {
  return {
    db: overrides.db ?? dynamo,
    tableName: overrides.tableName ?? config.tableName,
    s3: overrides.s3 ?? productionS3,
    snapshotBucket: overrides.snapshotBucket ?? (() => config.exportsBucket),
    now: overrides.now ?? (() => new Date()),
  };
}
