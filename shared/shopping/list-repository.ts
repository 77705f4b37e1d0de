import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { AccountErasedError, notErasedCheck } from '../accounts/erased.js';
import type { TableDeps } from '../db/deps.js';
import { keys, PREFIXES } from '../db/keys.js';
import { TransactionCancelled, transactWrite, type TransactItem } from '../db/transact.js';
import { ListNotFoundError, ListVersionMismatchError, TooManyListsError } from './errors.js';
import { MAX_LISTS, ShoppingList } from './model.js';

/**
 * Shopping lists in the shopper's partition: `LIST#<id>` items (the list, lines embedded) and one `LISTS` item
 * counting them. A create adds 1 to the count under `lists < MAX_LISTS` in the transaction that puts the list, and a
 * delete takes 1 off in the transaction that deletes it, so two creates at once can never make a 21st list.
 */

export const LIST_SCHEMA_VERSION = 1;

/** The table item of a list. */
export function listItem(shopperId: string, list: ShoppingList): Record<string, unknown> {
  return { ...keys.shoppingList(shopperId, list.id), entityType: 'ShoppingList', schemaVersion: LIST_SCHEMA_VERSION, ...list };
}

/** Reads a list item back, parsed with the model's schema so that a drifted item fails loudly. */
export function listFromItem(item: Record<string, unknown>): ShoppingList {
  const { pk: _pk, sk: _sk, entityType: _type, schemaVersion: _version, ...rest } = item;
  return ShoppingList.parse(rest);
}

/** The count's update by `delta`, under the limit when it grows and above zero when it shrinks. */
function countUpdate(deps: TableDeps, shopperId: string, delta: 1 | -1): TransactItem {
  return {
    Update: {
      TableName: deps.tableName,
      Key: keys.shoppingListCount(shopperId),
      UpdateExpression: 'SET #type = :type, #schema = :schema ADD #lists :delta',
      ConditionExpression: delta > 0 ? 'attribute_not_exists(#lists) OR #lists < :bound' : '#lists > :bound',
      ExpressionAttributeNames: { '#type': 'entityType', '#schema': 'schemaVersion', '#lists': 'lists' },
      ExpressionAttributeValues: { ':type': 'ShoppingListCount', ':schema': LIST_SCHEMA_VERSION, ':delta': delta, ':bound': delta > 0 ? MAX_LISTS : 0 },
    },
  };
}

/**
 * Stores a new list and counts it, in one transaction.
 * @throws TooManyListsError (422) when the shopper already keeps {@link MAX_LISTS}
 * @throws AccountErasedError (410 `account-erased`) once an erasure of the shopper was requested
 */
export async function putNewList(deps: TableDeps, shopperId: string, list: ShoppingList): Promise<void> {
  try {
    await transactWrite(deps, [
      countUpdate(deps, shopperId, 1),
      { Put: { TableName: deps.tableName, Item: listItem(shopperId, list), ConditionExpression: 'attribute_not_exists(pk)' } },
      notErasedCheck(deps.tableName, shopperId),
    ]);
  } catch (error) {
    if (error instanceof TransactionCancelled && error.failedConditions().includes(2)) throw new AccountErasedError();
    if (error instanceof TransactionCancelled && error.failedConditions().includes(0)) throw new TooManyListsError();
    throw error;
  }
}

/** One of the shopper's lists, read consistently because every change compares its version; `undefined` when there is none. */
export async function getListRecord(deps: TableDeps, shopperId: string, listId: string): Promise<ShoppingList | undefined> {
  const { Item } = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: keys.shoppingList(shopperId, listId), ConsistentRead: true }));
  return Item ? listFromItem(Item) : undefined;
}

/** Every list of the shopper's: one query of their partition (at most {@link MAX_LISTS} items of at most 100 lines, well within a page). */
export async function queryLists(deps: TableDeps, shopperId: string): Promise<ShoppingList[]> {
  const lists: ShoppingList[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await deps.db.send(
      new QueryCommand({
        TableName: deps.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': keys.shopperAccount(shopperId), ':prefix': PREFIXES.shoppingList },
        ExclusiveStartKey: start,
      }),
    );
    lists.push(...(page.Items ?? []).map(listFromItem));
    start = page.LastEvaluatedKey;
  } while (start);
  return lists;
}

/**
 * Replaces a list with its next version, on condition that it is still at the version the change was computed from.
 * @throws ListNotFoundError (404) when it was deleted meanwhile
 * @throws ListVersionMismatchError (409) when another change got in first
 */
export async function replaceList(deps: TableDeps, shopperId: string, next: ShoppingList, readVersion: number): Promise<void> {
  try {
    await deps.db.send(
      new PutCommand({
        TableName: deps.tableName,
        Item: listItem(shopperId, next),
        ConditionExpression: '#version = :version',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: { ':version': readVersion },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    if (!error.Item) throw new ListNotFoundError(next.id);
    throw new ListVersionMismatchError(next.id, Number(error.Item.version?.N ?? 0), readVersion);
  }
}

/**
 * Deletes a list and takes it off the count, in one transaction.
 * @throws ListNotFoundError (404) when there is no such list of the shopper's
 */
export async function deleteListRecord(deps: TableDeps, shopperId: string, listId: string): Promise<void> {
  try {
    await transactWrite(deps, [
      { Delete: { TableName: deps.tableName, Key: keys.shoppingList(shopperId, listId), ConditionExpression: 'attribute_exists(pk)' } },
      countUpdate(deps, shopperId, -1),
    ]);
  } catch (error) {
    if (error instanceof TransactionCancelled && error.failedConditions().includes(0)) throw new ListNotFoundError(listId);
    throw error;
  }
}
