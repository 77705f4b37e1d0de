import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DIET_FLAGS, type SearchDocument } from '../../../shared/search/document.js';
import { SearchIndex, type IndexQuery } from '../../../shared/search/index.js';
import { CATEGORIES, doc, id } from './fixtures.js';

const WORDS = ['apple', 'banana', 'milk', 'bread', 'organic', 'cheese'];
const BRANDS = ['Acme', 'Brio', 'Cato'];
const STORES = ['camden', 'soho'];
const CATEGORY_KEYS = Object.keys(CATEGORIES) as (keyof typeof CATEGORIES)[];

type Op =
  | { kind: 'upsert'; product: number; version: number; document: SearchDocument }
  | { kind: 'remove'; product: number; version: number }
  | { kind: 'stock'; sku: string; store: string; available: number; version: number };

const skusOf = (product: number) => [`S${product}A`, `S${product}B`];

const upsert = fc
  .record({
    product: fc.integer({ min: 0, max: 4 }),
    version: fc.integer({ min: 1, max: 6 }),
    words: fc.array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 3 }),
    brand: fc.option(fc.constantFrom(...BRANDS), { nil: undefined }),
    category: fc.constantFrom(...CATEGORY_KEYS),
    diet: fc.subarray([...DIET_FLAGS]),
    onOffer: fc.boolean(),
    skuCount: fc.integer({ min: 1, max: 2 }),
  })
  .map(
    (r): Op => ({
      kind: 'upsert',
      product: r.product,
      version: r.version,
      // Prices are unique per product, so that every sort has one right answer whatever the document numbers.
      document: doc({
        n: r.product,
        version: r.version,
        name: r.words.join(' '),
        brand: r.brand,
        category: r.category,
        diet: r.diet,
        onOffer: r.onOffer,
        price: 100 + r.product * 37,
        skus: skusOf(r.product).slice(0, r.skuCount),
      }),
    }),
  );
const remove = fc.record({ product: fc.integer({ min: 0, max: 4 }), version: fc.integer({ min: 1, max: 6 }) }).map((r): Op => ({ kind: 'remove', ...r }));
const stock = fc
  .record({
    product: fc.integer({ min: 0, max: 4 }),
    which: fc.integer({ min: 0, max: 1 }),
    store: fc.constantFrom(...STORES),
    available: fc.integer({ min: 0, max: 2 }),
    version: fc.integer({ min: 1, max: 6 }),
  })
  .map((r): Op => ({ kind: 'stock', sku: skusOf(r.product)[r.which]!, store: r.store, available: r.available, version: r.version }));

/** Versions are unique per product and per stock item, as the catalog and inventory make them. */
const ops = fc.uniqueArray(fc.oneof(upsert, remove, stock), {
  minLength: 10,
  maxLength: 80,
  size: 'max',
  selector: (op) => (op.kind === 'stock' ? `stock ${op.sku} ${op.store} ${op.version}` : `product ${op.product} ${op.version}`),
});

/** An empty index that knows the category tree, as one built from the table does before any product. */
function withCategories(): SearchIndex {
  const index = new SearchIndex();
  for (const category of Object.values(CATEGORIES)) index.addCategory(category);
  return index;
}

/** The index built from scratch from the final state: the newest version of each product and each stock item. */
function freshBuild(history: readonly Op[]): SearchIndex {
  const products = new Map<number, Op>();
  const levels = new Map<string, Extract<Op, { kind: 'stock' }>>();
  for (const op of history) {
    if (op.kind === 'stock') {
      const key = `${op.sku} ${op.store}`;
      if ((levels.get(key)?.version ?? 0) <= op.version) levels.set(key, op);
    } else if ((products.get(op.product)?.version ?? 0) < op.version) {
      products.set(op.product, op);
    }
  }
  const index = withCategories();
  for (const op of products.values()) {
    if (op.kind === 'upsert') index.upsert(op.document);
    else if (op.kind === 'remove') index.remove(id(op.product), op.version);
  }
  for (const level of levels.values()) index.setStock(level.sku, level.store, level.available, level.version);
  return index;
}

function incremental(history: readonly Op[]): SearchIndex {
  const index = withCategories();
  for (const op of history) {
    if (op.kind === 'upsert') index.upsert(op.document);
    else if (op.kind === 'remove') index.remove(id(op.product), op.version);
    else index.setStock(op.sku, op.store, op.available, op.version);
  }
  return index;
}

const QUERIES: Partial<IndexQuery>[] = [
  {},
  { sort: 'price-asc' },
  { sort: 'price-desc', store: 'camden' },
  { q: 'organic' },
  { q: 'milk', store: 'soho', inStock: true },
  { category: CATEGORIES.food.id, brand: ['Acme', 'Cato'] },
  { diet: ['vegan'], onOffer: true, store: 'camden' },
];

/** A result in terms that do not depend on document numbers: relevance ties and text scores may order equals differently. */
function comparable(index: SearchIndex, query: Partial<IndexQuery>) {
  const result = index.query({ sort: 'relevance', offset: 0, limit: 100, ...query });
  const ids = result.hits.map((h) => `${h.summary.productId}:${String(h.inStock)}`);
  return { total: result.total, facets: result.facets, hits: query.sort && query.sort !== 'relevance' ? ids : ids.sort() };
}

describe('incremental updates', () => {
  it('leave the index as a fresh build of the final state would be, whatever order the changes came in', () => {
    fc.assert(
      fc.property(ops, (history) => {
        const applied = incremental(history);
        const fresh = freshBuild(history);
        for (const query of QUERIES) {
          expect(comparable(applied, query)).toEqual(comparable(fresh, query));
        }
        // A snapshot of the incrementally updated index answers the same, too.
        const copy = SearchIndex.fromSnapshot(JSON.parse(JSON.stringify(applied.toSnapshot())));
        expect(comparable(copy, QUERIES[4]!)).toEqual(comparable(applied, QUERIES[4]!));
      }),
      { numRuns: 300 },
    );
  });
});
