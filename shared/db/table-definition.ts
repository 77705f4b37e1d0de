import type { CreateTableCommandInput, GlobalSecondaryIndex } from '@aws-sdk/client-dynamodb';
import { INDEXES, TABLE_KEYS } from './keys.js';

/** Every global secondary index of the table, built from `keys.ts`; both project all attributes. */
export function globalSecondaryIndexes(): GlobalSecondaryIndex[] {
  return Object.values(INDEXES).map((index) => ({
    IndexName: index.name,
    KeySchema: [
      { AttributeName: index.partition, KeyType: 'HASH' },
      { AttributeName: index.sort, KeyType: 'RANGE' },
    ],
    Projection: { ProjectionType: 'ALL' },
  }));
}

/** The string key attributes of the table and its indexes, as `CreateTable` wants them declared. */
export function keyAttributeDefinitions(): NonNullable<CreateTableCommandInput['AttributeDefinitions']> {
  const names = [TABLE_KEYS.partition, TABLE_KEYS.sort, ...Object.values(INDEXES).flatMap((i) => [i.partition, i.sort])];
  return names.map((AttributeName) => ({ AttributeName, AttributeType: 'S' }));
}

/**
 * The `CreateTable` input of SmartShelf's single table: string `pk`/`sk`, the two overloaded GSIs,
 * on-demand billing and a stream of old and new images. The migration script creates the local
 * table from it, and tests assert the CDK table against it, so the shapes stay one.
 */
export function tableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    AttributeDefinitions: keyAttributeDefinitions(),
    KeySchema: [
      { AttributeName: TABLE_KEYS.partition, KeyType: 'HASH' },
      { AttributeName: TABLE_KEYS.sort, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: globalSecondaryIndexes(),
    BillingMode: 'PAY_PER_REQUEST',
    StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
  };
}
