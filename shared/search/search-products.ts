import { config } from '../config/config.js';
import type { IndexSource } from './live-index.js';
import { decodeSearchCursor, encodeSearchCursor, type SearchQuery } from './requests.js';
import { toSearchPage, type SearchPage } from './views.js';

export interface SearchProductsDeps {
  index: IndexSource;
  mediaBaseUrl?: () => string;
}

/**
 * Searches the catalog: text, filters, facets with counts, sort and one page.
 * @param query as parsed by `SearchQuery`
 * @throws ValidationError (400) for an unknown category or a cursor of another search
 */
export async function searchProducts(query: SearchQuery, deps: SearchProductsDeps): Promise<SearchPage> {
  const offset = query.cursor === undefined ? 0 : decodeSearchCursor(query, query.cursor);
  const index = await deps.index.current();
  const result = index.query({ ...query, offset });
  const next = offset + query.limit;
  return toSearchPage(result, next < result.total ? encodeSearchCursor(query, next) : null, deps.mediaBaseUrl ?? (() => config.mediaBaseUrl));
}
