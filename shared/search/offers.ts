import { promotionStage, type Promotion, type PromotionTarget } from '../pricing/promotions.js';
import { promotionDeps } from '../promotions/deps.js';
import { activePromotions } from '../promotions/queries.js';
import type { SearchDeps } from './deps.js';
import type { OfferTargets } from './index.js';

/**
 * Which products the on-offer facet shows: those an automatic promotion running now discounts by
 * product, that is, a line-stage promotion aimed at SKUs or categories (a category covers its
 * subtree). Cart-level promotions (spend thresholds, free delivery, a percentage or amount off the
 * whole cart) discount no product in particular, and a coupon's promotion applies only for the
 * shopper who entered its code, so neither puts a product on offer. Nor does a promotion of some stores
 * only: the facet is one for the whole chain, and a badge that one store's shoppers would find wrong at
 * the till is worse than none (the cart prices it at its own stores).
 */

/** The SKU and category targets of a promotion's products; none for a cart-wide one. */
function productTargets(promotion: Promotion): PromotionTarget[] {
  const { rule, target } = promotion;
  // A bundle over the whole cart names its products in its components.
  if (target.kind === 'cart' && rule.kind === 'bundle') return rule.components.map((c) => c.target);
  return [target];
}

/**
 * What puts products on offer, from the promotions running now (as `activePromotions` returns
 * them). Coupon promotions, cart-level promotions and promotions of some stores only are left out.
 */
export function offerTargets(promotions: readonly Promotion[]): OfferTargets {
  const skus = new Set<string>();
  const categoryIds = new Set<string>();
  for (const promotion of promotions) {
    if (promotion.couponCode !== undefined || promotion.stores !== undefined || promotionStage(promotion) !== 'line') continue;
    for (const target of productTargets(promotion)) {
      if (target.kind === 'sku') for (const sku of target.skus) skus.add(sku);
      if (target.kind === 'category') for (const id of target.categoryIds) categoryIds.add(id);
    }
  }
  return { skus: [...skus], categoryIds: [...categoryIds] };
}

/**
 * Reads the running automatic promotions at the deps' `now` and returns what they put on offer.
 * @param maxAgeSeconds how old the promotions cached in this container may be (see `activePromotions`)
 */
export async function currentOfferTargets(deps: Pick<SearchDeps, 'db' | 'tableName' | 'now'>, maxAgeSeconds?: number): Promise<OfferTargets> {
  const promotions = await activePromotions(
    deps.now(),
    maxAgeSeconds === undefined ? {} : { maxAgeSeconds },
    promotionDeps({ db: deps.db, tableName: deps.tableName, now: deps.now }),
  );
  return offerTargets(promotions);
}
