import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { keys, PREFIXES } from '../db/keys.js';
import { loyaltyDeps, type LoyaltyDeps } from './deps.js';
import { LoyaltyAccount, LoyaltyEntry, LOYALTY_ACCOUNT_SCHEMA_VERSION, LOYALTY_ENTRY_SCHEMA_VERSION, type LoyaltyEntryKind, type LoyaltySummary } from './model.js';
import { ensureLoyaltyId } from './loyalty-ids.js';
import { LOYALTY_POLICY } from './policy.js';

/** How many ledger entries `GET /loyalty` shows. */
export const RECENT_ENTRIES = 20;

/**
 * A shopper's account, read consistently; a shopper who never earned has an empty one (balance 0,
 * version 0) rather than none, so callers never special-case a missing account.
 */
export async function getLoyaltyAccount(shopperId: string, deps: LoyaltyDeps = loyaltyDeps()): Promise<LoyaltyAccount> {
  const { Item } = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: keys.loyaltyAccount(shopperId), ConsistentRead: true }));
  if (!Item) return { shopperId, balance: 0, lifetimeEarned: 0, version: 0 };
  return LoyaltyAccount.parse({
    shopperId,
    balance: Item.balance ?? 0,
    lifetimeEarned: Item.lifetimeEarned ?? 0,
    version: Item.version ?? 0,
    updatedAt: Item.updatedAt,
    loyaltyId: Item.loyaltyId,
  });
}

/** A shopper's latest ledger entries, newest first. */
export async function recentLoyaltyEntries(shopperId: string, limit = RECENT_ENTRIES, deps: LoyaltyDeps = loyaltyDeps()): Promise<LoyaltyEntry[]> {
  const { Items = [] } = await deps.db.send(
    new QueryCommand({
      TableName: deps.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :entry)',
      ExpressionAttributeValues: { ':pk': keys.loyaltyAccount(shopperId).pk, ':entry': PREFIXES.loyaltyEntry },
      ScanIndexForward: false,
      Limit: limit,
      ConsistentRead: true,
    }),
  );
  return Items.map((item) => LoyaltyEntry.parse({ id: item.id, kind: item.kind, points: item.points, source: item.source, at: item.at }));
}

/**
 * The account with its loyalty identifier (issued now if it has none), the scheme's rules and the latest entries, as
 * `GET /loyalty` shows them.
 */
export async function loyaltySummary(shopperId: string, deps: LoyaltyDeps = loyaltyDeps()): Promise<LoyaltySummary> {
  const [loyaltyId, recentEntries] = await Promise.all([ensureLoyaltyId(shopperId, deps), recentLoyaltyEntries(shopperId, RECENT_ENTRIES, deps)]);
  const account = await getLoyaltyAccount(shopperId, deps);
  return { ...account, loyaltyId, policy: LOYALTY_POLICY, recentEntries };
}

/** The Put of one ledger entry, for the transaction that moves the balance. */
export function ledgerEntryPut(
  deps: Pick<LoyaltyDeps, 'tableName' | 'newId'>,
  shopperId: string,
  entry: { kind: LoyaltyEntryKind; points: number; orderId: string; at: string },
): { Put: { TableName: string; Item: Record<string, unknown>; ConditionExpression: string } } {
  const parsed = LoyaltyEntry.parse({ id: deps.newId(), kind: entry.kind, points: entry.points, source: { type: 'order', id: entry.orderId }, at: entry.at });
  return {
    Put: {
      TableName: deps.tableName,
      Item: {
        ...keys.loyaltyEntry(shopperId, parsed.at, parsed.id),
        entityType: 'LoyaltyEntry',
        schemaVersion: LOYALTY_ENTRY_SCHEMA_VERSION,
        shopperId,
        ...parsed,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

/** The update that moves a balance by `points` (negative to spend) and counts the change in the version; earned points also count towards `lifetimeEarned`. */
export function balanceUpdate(
  deps: Pick<LoyaltyDeps, 'tableName'>,
  shopperId: string,
  change: { points: number; earned: boolean; at: string; condition?: { expression: string; values: Record<string, unknown> } },
) {
  return {
    Update: {
      TableName: deps.tableName,
      Key: keys.loyaltyAccount(shopperId),
      UpdateExpression: `SET entityType = :type, schemaVersion = :schema, shopperId = :shopperId, updatedAt = :at ADD balance :points, version :one${change.earned ? ', lifetimeEarned :points' : ''}`,
      ...(change.condition ? { ConditionExpression: change.condition.expression } : {}),
      ExpressionAttributeValues: {
        ':type': 'LoyaltyAccount',
        ':schema': LOYALTY_ACCOUNT_SCHEMA_VERSION,
        ':shopperId': shopperId,
        ':at': change.at,
        ':points': change.points,
        ':one': 1,
        ...change.condition?.values,
      },
    },
  };
}
