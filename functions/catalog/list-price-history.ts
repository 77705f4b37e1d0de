import { listPriceHistory, PriceHistoryQuery } from '../../shared/catalog/price-history.js';
import { ProductIdParams } from '../../shared/catalog/requests.js';
import { httpHandler } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';

/** GET /products/{id}/prices: the product's price changes from its audit trail, newest first, paged. */
export const handler = httpHandler({ params: ProductIdParams, query: PriceHistoryQuery })(async ({ params, query }) =>
  ok(await listPriceHistory(params.id, query)),
);
