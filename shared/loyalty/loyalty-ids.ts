import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../db/keys.js';
import { TransactionCancelled, transactWrite } from '../db/transact.js';
import { generateCouponCode } from '../promotions/coupon-codes.js';
import { loyaltyDeps, type LoyaltyDeps } from './deps.js';
import { LOYALTY_ACCOUNT_SCHEMA_VERSION } from './model.js';

/**
 * Loyalty identifiers: what a shopper shows at a till so that a sale there earns them points. A till never names a
 * shopper by their account id (which it could name for anybody); it names the identifier the shopper holds, and a sale
 * with an identifier nobody holds credits nobody. One identifier per account, random like a single-use coupon code
 * (16 symbols, 80 bits), claimed by its own item so that it belongs to one account.
 */

/**
 * The shopper's loyalty identifier, issued now if the account has none: the claim and the account's identifier are
 * written in one transaction, on condition that neither exists, so two first reads racing issue one identifier.
 */
export async function ensureLoyaltyId(shopperId: string, deps: LoyaltyDeps = loyaltyDeps()): Promise<string> {
  for (;;) {
    const { Item } = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: keys.loyaltyAccount(shopperId), ConsistentRead: true }));
    if (typeof Item?.loyaltyId === 'string') return Item.loyaltyId;
    const loyaltyId = generateCouponCode();
    try {
      await transactWrite(deps, [
        {
          Put: {
            TableName: deps.tableName,
            Item: { ...keys.loyaltyId(loyaltyId), entityType: 'LoyaltyIdClaim', schemaVersion: 1, loyaltyId, shopperId, at: deps.now().toISOString() },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        {
          Update: {
            TableName: deps.tableName,
            Key: keys.loyaltyAccount(shopperId),
            // An account that never earned is created here, empty; the balance's own writes only ever ADD to it.
            UpdateExpression:
              'SET loyaltyId = :id, entityType = :type, schemaVersion = :schema, shopperId = :shopper, balance = if_not_exists(balance, :zero), lifetimeEarned = if_not_exists(lifetimeEarned, :zero), version = if_not_exists(version, :zero)',
            ConditionExpression: 'attribute_not_exists(loyaltyId)',
            ExpressionAttributeValues: { ':id': loyaltyId, ':type': 'LoyaltyAccount', ':schema': LOYALTY_ACCOUNT_SCHEMA_VERSION, ':shopper': shopperId, ':zero': 0 },
          },
        },
      ]);
      return loyaltyId;
    } catch (error) {
      // Another request issued the account's identifier first (read it back), or the drawn one is taken (draw again).
      if (!(error instanceof TransactionCancelled) || error.failedConditions().length === 0) throw error;
    }
  }
}

/** The shopper who holds a loyalty identifier, or `undefined` when nobody does. */
export async function shopperOfLoyaltyId(loyaltyId: string, deps: Pick<LoyaltyDeps, 'db' | 'tableName'> = loyaltyDeps()): Promise<string | undefined> {
  const { Item } = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: keys.loyaltyId(loyaltyId), ConsistentRead: true }));
  return typeof Item?.shopperId === 'string' ? Item.shopperId : undefined;
}
