import { batchGet } from '../db/batch.js';
import { keys } from '../db/keys.js';
import type { TransactionCancelled, TransactItem } from '../db/transact.js';
import { AppError, NotFoundError } from '../errors.js';
import { promotionDeps, type PromotionDeps } from './deps.js';
import { PROMOTION_USAGE_SCHEMA_VERSION, promotionFromItem } from './repository.js';

/**
 * Usage limits, enforced where they cannot be raced: each redemption is a pair of conditional
 * updates meant to join the checkout transaction. The promotion's `redemptions` counter grows
 * only while it is below `limits.total` (and the promotion is enabled); the shopper's usage item
 * grows only while its `count` is below `limits.perShopper` and does not yet list the order, so
 * a retried checkout cannot count one order twice. Reversal is the mirror image, conditional on
 * the order being listed, so a compensation that runs twice gives back one use.
 */

/** Items each promotion adds to a transaction, in this order: the promotion's counter, then the shopper's usage. */
export const ITEMS_PER_REDEMPTION = 2;

/** A promotion's redemption was refused at checkout: its limit is reached, or it was disabled meanwhile. */
export class PromotionUnavailableError extends AppError {
  override readonly name = 'PromotionUnavailableError';
  constructor(readonly promotionId: string) {
    super('conflict', 'promotion-unavailable', `Promotion ${promotionId} can no longer be redeemed: its usage limit is reached or it was withdrawn.`, {
      extensions: { promotionId },
    });
  }
}

/**
 * The transaction items that redeem `promotionIds` for one order. The promotions are read first
 * for their per-shopper limits (limits never change after creation); the limits themselves are
 * enforced by the items' conditions.
 * @throws NotFoundError when a promotion does not exist
 */
export async function redemptionItems(
  promotionIds: readonly string[],
  shopperId: string,
  orderId: string,
  deps: PromotionDeps = promotionDeps(),
): Promise<TransactItem[]> {
  const ids = [...new Set(promotionIds)];
  const stored = new Map(
    (await batchGet(deps, ids.map((id) => keys.promotion(id)), { consistent: true })).map((item) => {
      const promotion = promotionFromItem(item);
      return [promotion.id, promotion];
    }),
  );
  const at = deps.now().toISOString();
  return ids.flatMap((id): TransactItem[] => {
    const promotion = stored.get(id);
    if (!promotion) throw new NotFoundError('Promotion', id);
    const perShopper = promotion.limits.perShopper;
    return [
      {
        Update: {
          TableName: deps.tableName,
          Key: keys.promotion(id),
          UpdateExpression: 'SET redemptions = redemptions + :one, updatedAt = :at',
          ConditionExpression:
            'attribute_exists(pk) AND #status = :enabled AND (attribute_not_exists(limits.#total) OR redemptions < limits.#total)',
          ExpressionAttributeNames: { '#status': 'status', '#total': 'total' },
          ExpressionAttributeValues: { ':one': 1, ':at': at, ':enabled': 'enabled' },
        },
      },
      {
        Update: {
          TableName: deps.tableName,
          Key: keys.promotionUsage(id, shopperId),
          UpdateExpression:
            'SET entityType = :type, schemaVersion = :schema, promotionId = :promotionId, shopperId = :shopperId, updatedAt = :at ADD #count :one, orderIds :orders',
          ConditionExpression: `NOT contains(orderIds, :orderId)${perShopper === undefined ? '' : ' AND (attribute_not_exists(#count) OR #count < :perShopper)'}`,
          ExpressionAttributeNames: { '#count': 'count' },
          ExpressionAttributeValues: {
            ':type': 'PromotionUsage',
            ':schema': PROMOTION_USAGE_SCHEMA_VERSION,
            ':promotionId': id,
            ':shopperId': shopperId,
            ':at': at,
            ':one': 1,
            ':orders': new Set([orderId]),
            ':orderId': orderId,
            ...(perShopper === undefined ? {} : { ':perShopper': perShopper }),
          },
        },
      },
    ];
  });
}

/**
 * The transaction items that give back the uses `redemptionItems` took for one order (an order
 * cancelled, a payment failed). Each is conditional on the order having redeemed the promotion,
 * so the whole transaction is cancelled when it was already reversed, or never redeemed.
 */
export function reverseRedemptionItems(
  promotionIds: readonly string[],
  shopperId: string,
  orderId: string,
  deps: Pick<PromotionDeps, 'tableName' | 'now'> = promotionDeps(),
): TransactItem[] {
  const at = deps.now().toISOString();
  return [...new Set(promotionIds)].flatMap((id): TransactItem[] => [
    {
      Update: {
        TableName: deps.tableName,
        Key: keys.promotion(id),
        UpdateExpression: 'SET redemptions = redemptions - :one, updatedAt = :at',
        ConditionExpression: 'attribute_exists(pk) AND redemptions > :zero',
        ExpressionAttributeValues: { ':one': 1, ':zero': 0, ':at': at },
      },
    },
    {
        Update: {
          TableName: deps.tableName,
          Key: keys.promotionUsage(id, shopperId),
          UpdateExpression: 'SET updatedAt = :at ADD #count :minusOne DELETE orderIds :orders',
          ConditionExpression: 'contains(orderIds, :orderId)',
          ExpressionAttributeNames: { '#count': 'count' },
        ExpressionAttributeValues: { ':at': at, ':minusOne': -1, ':orders': new Set([orderId]), ':orderId': orderId },
      },
    },
  ]);
}

/**
 * Which promotion a cancelled transaction failed on, for a transaction that holds the items of
 * `redemptionItems(promotionIds, …)` starting at index `offset`; `undefined` when none of them failed.
 */
export function redemptionFailure(
  cancelled: TransactionCancelled,
  promotionIds: readonly string[],
  offset = 0,
): PromotionUnavailableError | undefined {
  const ids = [...new Set(promotionIds)];
  const failed = cancelled
    .failedConditions()
    .map((index) => index - offset)
    .find((index) => index >= 0 && index < ids.length * ITEMS_PER_REDEMPTION);
  return failed === undefined ? undefined : new PromotionUnavailableError(ids[Math.floor(failed / ITEMS_PER_REDEMPTION)]!);
}
