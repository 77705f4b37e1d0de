import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../db/keys.js';
import { Promotion } from '../pricing/promotions.js';
import type { PromotionDeps } from './deps.js';
import { PromotionView } from './model.js';

/**
 * Promotions in the single table. A promotion item carries the promotion as the pricing module
 * defines it plus the server's fields; `redemptions` is the counter checkout increments under the
 * `limits.total` condition. A coupon code is claimed by its own item, and each shopper's use of a
 * promotion is counted in a usage item beside the promotion.
 */

export const PROMOTION_SCHEMA_VERSION = 1;
export const COUPON_CODE_SCHEMA_VERSION = 1;
export const PROMOTION_USAGE_SCHEMA_VERSION = 1;

/** The table item of a promotion: keyed by id and listed in gsi1 by start time. */
export function promotionItem(view: PromotionView): Record<string, unknown> {
  return {
    ...keys.promotion(view.id),
    ...keys.promotionListing(view.schedule.startsAt, view.id),
    entityType: 'Promotion',
    schemaVersion: PROMOTION_SCHEMA_VERSION,
    ...view,
  };
}

/** Reads a promotion item back, parsed with the view's schema. */
export function promotionFromItem(item: Record<string, unknown>): PromotionView {
  const { pk: _pk, sk: _sk, gsi1pk: _gsi1pk, gsi1sk: _gsi1sk, entityType: _type, schemaVersion: _version, ...rest } = item;
  return PromotionView.parse(rest);
}

/** The promotion alone, as `priceCart` takes it: the server's fields stripped. */
export function promotionOf(view: PromotionView): Promotion {
  const { status: _status, redemptions: _redemptions, version: _version, createdAt: _c, createdBy: _by, updatedAt: _u, ...promotion } = view;
  return Promotion.parse(promotion);
}

/** Claims a coupon code (upper-cased by the key) for one promotion. */
export function couponCodeItem(code: string, promotionId: string): Record<string, unknown> {
  return { ...keys.couponCode(code), entityType: 'CouponCode', schemaVersion: COUPON_CODE_SCHEMA_VERSION, code: code.toUpperCase(), promotionId };
}

/** One promotion as stored, read consistently; `undefined` when there is none. */
export async function getPromotionRecord(deps: PromotionDeps, id: string): Promise<PromotionView | undefined> {
  const { Item } = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: keys.promotion(id), ConsistentRead: true }));
  return Item ? promotionFromItem(Item) : undefined;
}
