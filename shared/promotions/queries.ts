import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { batchGet } from '../db/batch.js';
import { INDEXES, keys } from '../db/keys.js';
import type { Promotion } from '../pricing/promotions.js';
import { promotionDeps, type PromotionDeps } from './deps.js';
import { isRunning, type PromotionView } from './model.js';
import { getPromotionRecord, promotionFromItem, promotionOf } from './repository.js';
import { queryAll } from '../db/query.js';

/**
 * What carts and checkout read from promotions: the automatic promotions running now, a coupon's
 * promotion by code, and how often promotions were redeemed. Everything returned is the pricing
 * module's `Promotion`, ready for `priceCart`.
 */

/** The gsi1 partition holding every promotion, ordered by start time. */
const PROMOTIONS = keys.promotionListing('', '').gsi1pk;

/** How long one container reuses the promotions it loaded. */
export const ACTIVE_PROMOTIONS_MAX_AGE_SECONDS = 30;

const cache = new Map<string, { started: PromotionView[]; readAt: number }>();

/** Every enabled promotion without a coupon code that started by `at`, ended or not. */
async function startedAutomaticPromotions(deps: PromotionDeps, at: Date): Promise<PromotionView[]> {
  const items = await queryAll(deps, {
    TableName: deps.tableName,
    IndexName: INDEXES.gsi1.name,
    KeyConditionExpression: '#pk = :pk AND #sk <= :upTo',
    FilterExpression: 'attribute_not_exists(couponCode) AND #status = :enabled',
    ExpressionAttributeNames: { '#pk': INDEXES.gsi1.partition, '#sk': INDEXES.gsi1.sort, '#status': 'status' },
    // `~` sorts after every id character, so promotions starting exactly at `at` are included.
    ExpressionAttributeValues: { ':pk': PROMOTIONS, ':upTo': `${at.toISOString()}#~`, ':enabled': 'enabled' },
  });
  return items.map(promotionFromItem);
}

/**
 * The automatic promotions (those without a coupon code) that apply at `now`: enabled, started
 * and not yet ended. Coupon promotions are not among them; add those the shopper applied with
 * {@link findCouponPromotion}.
 *
 * Staleness: the promotions are loaded at most once per container every 30 s
 * ({@link ACTIVE_PROMOTIONS_MAX_AGE_SECONDS}). Ends are checked against `now` on every call, so a
 * promotion stops applying exactly on time; a new promotion, a start just passed, or an admin's
 * end or disable can take up to 30 s to show. Checkout's redemption re-checks the status and the
 * usage limits in its transaction, so staleness never lets a disabled or exhausted promotion be
 * redeemed. Pass `{ maxAgeSeconds: 0 }` to read afresh.
 */
export async function activePromotions(
  now: Date,
  options: { maxAgeSeconds?: number } = {},
  deps: PromotionDeps = promotionDeps(),
): Promise<Promotion[]> {
  const maxAgeMs = (options.maxAgeSeconds ?? ACTIVE_PROMOTIONS_MAX_AGE_SECONDS) * 1000;
  let hit = cache.get(deps.tableName);
  if (!hit || now.getTime() - hit.readAt >= maxAgeMs || now.getTime() < hit.readAt) {
    hit = { started: await startedAutomaticPromotions(deps, now), readAt: now.getTime() };
    cache.set(deps.tableName, hit);
  }
  return hit.started.filter((p) => isRunning(p, now)).map(promotionOf);
}

/**
 * The promotion a coupon code unlocks, whatever its schedule (so that `priceCart` can say
 * `expired` or `not-started`), or `undefined` for an unknown code or a disabled promotion.
 * Codes match whatever their case.
 */
export async function findCouponPromotion(code: string, deps: PromotionDeps = promotionDeps()): Promise<Promotion | undefined> {
  const trimmed = code.trim();
  if (trimmed === '') return undefined;
  const { Item } = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: keys.couponCode(trimmed) }));
  if (!Item) return undefined;
  const promotion = await getPromotionRecord(deps, Item.promotionId as string);
  return promotion && promotion.status === 'enabled' ? promotionOf(promotion) : undefined;
}

/** Redemptions of one promotion: by everyone, and by one shopper. */
export interface PromotionUsage {
  total: number;
  byShopper: number;
}

/**
 * How often each promotion was redeemed, in all and by `shopperId`, for `priceCart`'s usage
 * limits; promotions never redeemed (or unknown) count zero. Read consistently, in batches.
 */
export async function usageFor(
  promotionIds: readonly string[],
  shopperId: string,
  deps: PromotionDeps = promotionDeps(),
): Promise<Record<string, PromotionUsage>> {
  const ids = [...new Set(promotionIds)];
  const usage: Record<string, PromotionUsage> = Object.fromEntries(ids.map((id) => [id, { total: 0, byShopper: 0 }]));
  const items = await batchGet(
    deps,
    ids.flatMap((id) => [keys.promotion(id), keys.promotionUsage(id, shopperId)]),
    { consistent: true },
  );
  for (const item of items) {
    if (item.entityType === 'Promotion') usage[item.id as string]!.total = (item.redemptions as number | undefined) ?? 0;
    if (item.entityType === 'PromotionUsage') usage[item.promotionId as string]!.byShopper = (item.count as number | undefined) ?? 0;
  }
  return usage;
}
