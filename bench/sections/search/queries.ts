import type { IndexQuery } from '../../../shared/search/index.js';
import type { BenchCatalog } from './catalog.js';

/**
 * The queries the bench times, each with the DynamoDB Scan filter that selects the same products
 * from the flat items of `scanItem`. The scan only filters: it returns the matches, without any
 * facet counts, so it is the cheapest form of the same question.
 */

export interface BenchQuery {
  name: string;
  query: IndexQuery;
  /** The equivalent Scan filter, or undefined when a scan has no equivalent worth timing. */
  scan?: { filter: string; names: Record<string, string>; values: Record<string, unknown> };
}

export function benchQueries(catalog: BenchCatalog): BenchQuery[] {
  const pantry = catalog.categories.find((c) => c.name === 'pantry')!.id;
  const store = catalog.stores[Math.min(3, catalog.stores.length - 1)]!;
  const facetFilter = {
    filter: 'contains(#cats, :cat) AND contains(#diet, :diet) AND contains(#stores, :store)',
    names: { '#cats': 'categoryIds', '#diet': 'diet', '#stores': 'inStockAt' },
    values: { ':cat': pantry, ':diet': 'vegan', ':store': store },
  };
  return [
    {
      name: "facet query: q='organic' + category + diet + in stock at a store",
      query: { q: 'organic', category: pantry, diet: ['vegan'], store, inStock: true, sort: 'relevance', offset: 0, limit: 24 },
      scan: { ...facetFilter, filter: `contains(#text, :q) AND ${facetFilter.filter}`, names: { ...facetFilter.names, '#text': 'text' }, values: { ...facetFilter.values, ':q': 'organic' } },
    },
    {
      name: 'facet query without text: category + diet + in stock, by price',
      query: { category: pantry, diet: ['vegan'], store, inStock: true, sort: 'price-asc', offset: 0, limit: 24 },
      scan: facetFilter,
    },
    { name: "text only: q='chicken', all facets", query: { q: 'chicken', sort: 'relevance', offset: 0, limit: 24 } },
    { name: 'everything, all facets, best sellers first', query: { sort: 'relevance', offset: 0, limit: 24 } },
  ];
}

/** The flat item a scan filters: lower-case text, the category chain, flags and the stores with stock. */
export function scanItems(catalog: BenchCatalog): Record<string, unknown>[] {
  const stockedAt = new Map<string, string[]>();
  for (const level of catalog.stock) {
    if (level.available > 0) stockedAt.set(level.sku, [...(stockedAt.get(level.sku) ?? []), level.storeId]);
  }
  // DynamoDB refuses empty lists; a placeholder that no filter asks for stands in.
  const orNone = (values: string[]) => (values.length > 0 ? values : ['none']);
  return catalog.documents.map((d) => ({
    pk: `BENCH#${d.productId}`,
    sk: 'PRODUCT',
    name: d.name,
    text: [d.name, d.brand ?? '', ...d.tags, d.description].join(' ').toLowerCase(),
    categoryIds: d.categories.map((c) => c.id),
    diet: orNone(d.diet),
    price: d.price.amount,
    inStockAt: orNone([...new Set(d.skus.flatMap((sku) => stockedAt.get(sku) ?? []))]),
  }));
}
