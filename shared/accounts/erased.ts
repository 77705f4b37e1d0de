import { keys } from '../db/keys.js';
import type { TransactItem } from '../db/transact.js';
import { AppError } from '../errors.js';

/**
 * An erased account stays erased. Once a shopper's erasure is requested (`keys.personalDataErasure`, which is never
 * deleted), their token (an access token lives up to an hour; locally one is minted for any subject) must not put
 * personal data back into the partition the erasure empties:
 *
 * - every write that creates something in the account partition (the profile's first put, an address, a list, an
 *   export) carries {@link notErasedCheck} in its transaction: it holds only while no erasure exists, so a create
 *   racing the request either commits first (and the erasure worker, which starts after the request, deletes it) or
 *   fails; DynamoDB serialises the two transactions;
 * - the request itself sets `erasureRequestedAt` on the profile ({@link erasureFlagItem}), so the profile read that
 *   `GET /me`, `PATCH /me`, saving a card and checkout already make refuses at once, with no extra read.
 *
 * Changes to an item that exists (an address, a list) need neither: they are conditioned on the item, so once the
 * erasure has deleted it they find nothing (404), and before that they change what is about to be deleted.
 */

/** The attribute on the profile item that says an erasure was requested. */
export const ERASURE_FLAG = 'erasureRequestedAt';

/** A request on an account whose erasure was requested: 410, whoever asks. */
export class AccountErasedError extends AppError {
  override readonly name: string = 'AccountErasedError';
  constructor() {
    super('gone', 'account-erased', 'This account has been erased at its holder’s request (or is being erased): nothing can be added to it or changed.');
  }
}

/** For a write's transaction: holds only while no erasure of the shopper was ever requested. */
export function notErasedCheck(tableName: string, shopperId: string): TransactItem {
  return { ConditionCheck: { TableName: tableName, Key: keys.personalDataErasure(shopperId), ConditionExpression: 'attribute_not_exists(pk)' } };
}

/**
 * For the erasure request's transaction: marks the profile (making a bare marker item when the shopper has none, typed
 * like a profile but without its fields, which the erasure deletes with the rest of the partition), so that reading
 * the profile shows the erasure.
 * @param onlyIfInactiveBefore for retention: the write (and so the request) holds only while the profile was last
 *   used before this day (`yyyy-mm-dd`)
 */
export function erasureFlagItem(tableName: string, shopperId: string, at: string, onlyIfInactiveBefore?: string): TransactItem {
  const flag = {
    TableName: tableName,
    Key: keys.shopperProfile(shopperId),
    UpdateExpression: 'SET #flag = :at, entityType = if_not_exists(entityType, :type)',
    ExpressionAttributeNames: { '#flag': ERASURE_FLAG } as Record<string, string>,
    ExpressionAttributeValues: { ':at': at, ':type': 'ShopperProfile' } as Record<string, unknown>,
  };
  if (onlyIfInactiveBefore === undefined) return { Update: flag };
  // Retention's erasure holds only while the profile is still unused: a shopper who came back between the job's read
  // and this write keeps their account. A profile that never recorded a visit counts from the day it was made.
  return {
    Update: {
      ...flag,
      ConditionExpression: '#active < :before OR (attribute_not_exists(#active) AND createdAt < :before)',
      ExpressionAttributeNames: { ...flag.ExpressionAttributeNames, '#active': 'lastActiveAt' },
      ExpressionAttributeValues: { ...flag.ExpressionAttributeValues, ':before': onlyIfInactiveBefore },
    },
  };
}

