import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { catalogDeps } from '../catalog/deps.js';
import { getProductRecord } from '../catalog/repository.js';
import { config } from '../config/config.js';
import { keys, PREFIXES } from '../db/keys.js';
import { NotFoundError } from '../errors.js';
import type { SearchDeps } from '../search/deps.js';
import type { ProductSummary, SearchIndex } from '../search/index.js';
import type { IndexSource } from '../search/live-index.js';
import { coPurchaseFromItem } from '../search/order-history.js';
import { ProductSummaryView, toSummaryView } from '../search/views.js';
import { StoreId } from '../stores/model.js';

/**
 * "Frequently bought together" from completed orders, filled up with "popular in this category"
 * when the history is thin. Candidates come from the search index, which knows what is live,
 * in stock where, and age-restricted, so no candidate costs a read of its own.
 */

/** Two products count as bought together once they shared this many orders; fewer is noise. */
const MIN_ORDERS_TOGETHER = 2;
/** The most co-purchase partners read for one product, in key order; enough for any page of recommendations. */
const MAX_PARTNERS_READ = 1000;

export const RecommendationsQuery = z.strictObject({
  store: StoreId.optional().describe('Recommend only what this store has in stock; without it, only what some store has.'),
  limit: z.coerce.number().int().min(1).max(20).default(8),
});
export type RecommendationsQuery = z.infer<typeof RecommendationsQuery>;

const RECOMMENDATION_REASONS = ['bought-together', 'popular-in-category'] as const;

export const Recommendations = z.strictObject({
  productId: z.string(),
  items: z.array(ProductSummaryView.extend({ reason: z.enum(RECOMMENDATION_REASONS) })),
});
export type Recommendations = z.infer<typeof Recommendations>;

export interface RecommendationsDeps extends Pick<SearchDeps, 'db' | 'tableName'> {
  index: IndexSource;
  mediaBaseUrl?: () => string;
}

export interface Viewer {
  /** Whether the caller has proved their age; age-restricted products are recommended only then. */
  ageVerified: boolean;
}

/** The category and its ancestors, nearest first, as the index knows them. */
function widening(index: SearchIndex, categoryId: string): string[] {
  const chain: string[] = [];
  for (let id: string | null = categoryId; id !== null && index.hasCategory(id); id = index.parentOf(id)) chain.push(id);
  return chain;
}

/**
 * Recommendations for one product: partners bought with it in at least `MIN_ORDERS_TOGETHER`
 * orders, most often first, then the best sellers of its category (widening to the parent
 * category while that is not enough). Never the product itself, an archived product, one out of
 * stock (at `store`, or everywhere when no store is given), or an age-restricted one for a viewer
 * who has not proved their age.
 * @param query as parsed by `RecommendationsQuery`
 * @throws NotFoundError (404) when the product does not exist
 */
export async function recommendProducts(productId: string, query: RecommendationsQuery, viewer: Viewer, deps: RecommendationsDeps): Promise<Recommendations> {
  const product = await getProductRecord(catalogDeps({ db: deps.db, tableName: deps.tableName }), productId);
  if (!product) throw new NotFoundError('Product', productId);
  const index = await deps.index.current();

  const chosen = new Set<string>([productId]);
  const acceptable = (summary: ProductSummary) =>
    !chosen.has(summary.productId) && (viewer.ageVerified || !summary.ageRestricted) && index.available(summary.productId, query.store);
  const items: { summary: ProductSummary; reason: (typeof RECOMMENDATION_REASONS)[number] }[] = [];
  const take = (summary: ProductSummary, reason: (typeof RECOMMENDATION_REASONS)[number]) => {
    chosen.add(summary.productId);
    items.push({ summary, reason });
  };

  // One page, in key order: a product bought with more than a thousand others still gets a fair sample of them.
  const { Items = [] } = await deps.db.send(
    new QueryCommand({
      TableName: deps.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :with)',
      ExpressionAttributeValues: { ':pk': keys.coPurchase(productId, '').pk, ':with': PREFIXES.coPurchase },
      Limit: MAX_PARTNERS_READ,
    }),
  );
  const partners = Items.map(coPurchaseFromItem)
    .filter((p) => p.orders >= MIN_ORDERS_TOGETHER)
    .sort((a, b) => b.orders - a.orders || a.otherProductId.localeCompare(b.otherProductId));
  for (const partner of partners) {
    if (items.length >= query.limit) break;
    const summary = index.summary(partner.otherProductId);
    if (summary && acceptable(summary)) take(summary, 'bought-together');
  }

  for (const categoryId of widening(index, product.categoryId)) {
    if (items.length >= query.limit) break;
    for (const summary of index.popularIn(categoryId, query.limit - items.length, acceptable)) take(summary, 'popular-in-category');
  }

  const mediaBaseUrl = deps.mediaBaseUrl ?? (() => config.mediaBaseUrl);
  return {
    productId,
    items: items.map(({ summary, reason }) => ({
      ...toSummaryView(summary, mediaBaseUrl, query.store === undefined ? undefined : true),
      reason,
    })),
  };
}
