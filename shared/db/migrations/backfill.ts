import { ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { TABLE_KEYS } from '../keys.js';
import type { MigrationDeps } from './types.js';

export type Item = Record<string, unknown>;

export interface BackfillSpec {
  /** Entity types to visit. */
  entityTypes: readonly string[];
  /** Items below this `schemaVersion` (or without one) are rewritten and stamped with it. */
  toVersion: number;
  /** Attributes to set on an item; `schemaVersion` is added by the backfill. */
  change: (item: Item) => Item;
}

/**
 * Rewrites every item of the given entity types whose `schemaVersion` is missing or lower than
 * `toVersion`. Each write is conditional on the version it read, so a concurrent writer that
 * already upgraded the item wins and the backfill simply moves on; re-running it finds nothing
 * left to do. Returns how many items it changed.
 */
export async function backfill(deps: MigrationDeps, spec: BackfillSpec): Promise<number> {
  const names: Record<string, string> = { '#entityType': 'entityType', '#schemaVersion': 'schemaVersion' };
  const values: Record<string, unknown> = { ':to': spec.toVersion };
  spec.entityTypes.forEach((type, i) => (values[`:type${i}`] = type));
  const typeList = spec.entityTypes.map((_, i) => `:type${i}`).join(', ');
  let changed = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await deps.db.send(
      new ScanCommand({
        TableName: deps.tableName,
        FilterExpression: `#entityType IN (${typeList}) AND (attribute_not_exists(#schemaVersion) OR #schemaVersion < :to)`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) {
      if (await rewrite(deps, item, spec)) changed++;
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return changed;
}

async function rewrite(deps: MigrationDeps, item: Item, spec: BackfillSpec): Promise<boolean> {
  const updates = { ...spec.change(item), schemaVersion: spec.toVersion };
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const sets = Object.entries(updates).map(([name, value], i) => {
    names[`#a${i}`] = name;
    values[`:v${i}`] = value;
    return `#a${i} = :v${i}`;
  });
  names['#pk'] = TABLE_KEYS.partition;
  names['#sv'] = 'schemaVersion';
  const seen = item.schemaVersion;
  if (seen !== undefined) values[':seen'] = seen;
  try {
    await deps.db.send(
      new UpdateCommand({
        TableName: deps.tableName,
        Key: { [TABLE_KEYS.partition]: item[TABLE_KEYS.partition], [TABLE_KEYS.sort]: item[TABLE_KEYS.sort] },
        UpdateExpression: `SET ${sets.join(', ')}`,
        // Both forms name #pk: DynamoDB refuses an expression attribute name that no expression uses.
        ConditionExpression: seen === undefined ? 'attribute_exists(#pk) AND attribute_not_exists(#sv)' : 'attribute_exists(#pk) AND #sv = :seen',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}
