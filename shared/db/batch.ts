import { BatchGetCommand, BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Key } from './keys.js';
import { backoff } from './transact.js';

/** DynamoDB's own limits per request. */
const MAX_GET_KEYS = 100;
const MAX_WRITE_ITEMS = 25;

interface TableDeps {
  db: DynamoDBDocumentClient;
  tableName: string;
}

/**
 * Reads items by key in batches of 100, retrying unprocessed keys with jittered backoff. Keys that have no item are
 * simply absent from the result, which comes in no particular order.
 */
export async function batchGet(deps: TableDeps, wanted: readonly Key[], options: { consistent?: boolean } = {}): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for (let start = 0; start < wanted.length; start += MAX_GET_KEYS) {
    let request: Record<string, { Keys: Record<string, unknown>[]; ConsistentRead: boolean }> | undefined = {
      [deps.tableName]: { Keys: wanted.slice(start, start + MAX_GET_KEYS).map((k) => ({ pk: k.pk, sk: k.sk })), ConsistentRead: options.consistent ?? false },
    };
    for (let attempt = 0; request && Object.keys(request).length > 0; attempt += 1) {
      if (attempt > 0) await backoff(attempt);
      const result = await deps.db.send(new BatchGetCommand({ RequestItems: request }));
      items.push(...(result.Responses?.[deps.tableName] ?? []));
      request = result.UnprocessedKeys as typeof request;
    }
  }
  return items;
}

/**
 * Puts items in batches of 25, retrying unprocessed ones with jittered backoff. Unconditional: for loads such as
 * seeds where the writer owns every item it writes; anything guarding an invariant needs a transaction instead.
 */
export async function batchPut(deps: TableDeps, items: readonly Record<string, unknown>[]): Promise<void> {
  for (let start = 0; start < items.length; start += MAX_WRITE_ITEMS) {
    let request: Record<string, { PutRequest: { Item: Record<string, unknown> } }[]> | undefined = {
      [deps.tableName]: items.slice(start, start + MAX_WRITE_ITEMS).map((Item) => ({ PutRequest: { Item } })),
    };
    for (let attempt = 0; request && Object.keys(request).length > 0; attempt += 1) {
      if (attempt > 0) await backoff(attempt);
      const result = await deps.db.send(new BatchWriteCommand({ RequestItems: request }));
      request = result.UnprocessedItems as typeof request;
    }
  }
}
