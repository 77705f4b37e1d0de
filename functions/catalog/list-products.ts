import { listProducts } from '../../shared/catalog/product-queries.js';
import { ListProductsQuery } from '../../shared/catalog/requests.js';
import { httpHandler } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';

/** GET /products: filtered, cursor-paginated listing in category-path order. */
export const handler = httpHandler({ query: ListProductsQuery })(async ({ query }) => ok(await listProducts(query)));
