import { config } from '../config/config.js';
import { parseInput } from '../catalog/requests.js';
import type { LiveIndex } from './live-index.js';
import { decodeSearchCursor, encodeSearchCursor, SearchQuery, type SearchQueryInput } from './requests.js';
import { toSearchPage, type SearchPage } from './views.js';

export interface SearchProductsDeps {
  index: LiveIndex;
  mediaBaseUrl?: () => string;
}

/**
 * Searches the catalog: text, filters, facets with counts, sort and one page.
 * @throws ValidationError (400) for a malformed query, an unknown category or a cursor of another search
 */
export async function searchProducts(input: SearchQueryInput, deps: SearchProductsDeps): Promise<SearchPage> {
  const query = parseInput(SearchQuery, input, 'query');
  const offset = query.cursor === undefined ? 0 : decodeSearchCursor(query, query.cursor);
  const index = await deps.index.current();
  const result = index.query({ ...query, offset });
  const next = offset + query.limit;
  return toSearchPage(result, next < result.total ? encodeSearchCursor(query, next) : null, deps.mediaBaseUrl ?? (() => config.mediaBaseUrl));
}
