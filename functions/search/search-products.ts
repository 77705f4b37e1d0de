import { httpHandler } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';
import { liveIndex } from '../../shared/search/live-index.js';
import { SearchQuery } from '../../shared/search/requests.js';
import { searchProducts } from '../../shared/search/search-products.js';

/** GET /search: full text with typo tolerance, facets with counts, filters, sorts and cursor paging, from the in-memory index. */
export const handler = httpHandler({ query: SearchQuery })(async ({ query }) => ok(await searchProducts(query, { index: liveIndex() })));
