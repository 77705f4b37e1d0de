import { ProductIdParams } from '../../shared/catalog/requests.js';
import { httpHandler } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';
import { recommendProducts, RecommendationsQuery } from '../../shared/recommendations/recommendations.js';
import { searchDeps } from '../../shared/search/deps.js';
import { liveIndex } from '../../shared/search/live-index.js';

/**
 * GET /products/{id}/recommendations: bought together, then popular in the category. The route is
 * public, so no principal reaches it and no caller counts as age-verified (see docs/search.md).
 */
export const handler = httpHandler({ params: ProductIdParams, query: RecommendationsQuery })(async ({ params, query }) =>
  ok(await recommendProducts(params.id, query, { ageVerified: false }, { ...searchDeps(), index: liveIndex() })),
);
