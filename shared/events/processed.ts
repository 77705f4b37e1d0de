import { keys } from '../db/keys.js';
import type { TransactItem } from '../db/transact.js';

/**
 * The Put that marks `id` as handled by `consumer`, only if it is not marked yet: put in the same transaction as the
 * effect, it makes a redelivered event (or a rerun compensation) cancel instead of applying twice.
 * @param fields what the mark should remember beyond its time (the event's type, the record it produced)
 */
export function processedMarkItem(tableName: string, consumer: string, id: string, at: string, fields: Record<string, unknown> = {}): TransactItem {
  return {
    Put: {
      TableName: tableName,
      Item: { ...keys.processedEvent(consumer, id), entityType: 'ProcessedEvent', schemaVersion: 1, ...fields, at },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}
