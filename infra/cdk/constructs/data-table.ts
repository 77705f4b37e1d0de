import { AttributeType, Billing, StreamViewType, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { INDEXES, TABLE_KEYS, TTL_ATTRIBUTE } from '../../../shared/db/keys.js';
import { removalPolicyOf, type EnvironmentSettings } from '../environments.js';

/**
 * SmartShelf's single table. Key, index and TTL attribute names come from `shared/db/keys.ts`,
 * the same module the code and the local migrations read, so they cannot disagree. The stream
 * carries old and new images for change-driven consumers.
 */
export class DataTable extends Construct {
  readonly table: TableV2;

  constructor(scope: Construct, id: string, props: { settings: EnvironmentSettings }) {
    super(scope, id);
    const string = (name: string) => ({ name, type: AttributeType.STRING });
    this.table = new TableV2(this, 'Table', {
      partitionKey: string(TABLE_KEYS.partition),
      sortKey: string(TABLE_KEYS.sort),
      globalSecondaryIndexes: Object.values(INDEXES).map((index) => ({
        indexName: index.name,
        partitionKey: string(index.partition),
        sortKey: string(index.sort),
      })),
      billing: Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: TTL_ATTRIBUTE,
      dynamoStream: StreamViewType.NEW_AND_OLD_IMAGES,
      encryption: TableEncryptionV2.awsManagedKey(),
      deletionProtection: props.settings.deletionProtection,
      removalPolicy: removalPolicyOf(props.settings),
    });
  }
}
