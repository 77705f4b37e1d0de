import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DIET_FLAGS, type SearchDocument } from '../../../shared/search/document.js';
import { SearchIndex, type IndexQuery, type OfferTargets } from '../../../shared/search/index.js';
import { CATEGORIES, doc, id } from './fixtures.js';

const WORDS = ['apple', 'banana', 'milk', 'bread', 'organic', 'cheese'];
const BRANDS = ['Acme', 'Brio', 'Cato'];
const STORES = ['camden', 'soho'];
const CATEGORY_KEYS = Object.keys(CATEGORIES) as (keyof typeof CATEGORIES)[];

type Op =
  | { kind: 'upsert'; product: number; version: number; document: SearchDocument }
  | { kind: 'remove'; product: number; version: number }
  | { kind: 'stock'; sku: string; store: string; available: number; version: number }
  | { kind: 'offers'; targets: OfferTargets };

const skusOf = (product: number) => [`S${product}A`, `S${product}B`];

const upsert = fc
  .record({
    product: fc.integer({ min: 0, max: 4 }),
    version: fc.integer({ min: 1, max: 6 }),
    words: fc.array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 3 }),
    brand: fc.option(fc.constantFrom(...BRANDS), { nil: undefined }),
    category: fc.constantFrom(...CATEGORY_KEYS),
    diet: fc.subarray([...DIET_FLAGS]),
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

/** The running promotions changing: some SKUs (known to the index or not yet) and some categories. */
const offers = fc
  .record({
    skus: fc.subarray([0, 1, 2, 3, 4].flatMap(skusOf)),
    categoryIds: fc.subarray(Object.values(CATEGORIES).map((c) => c.id)),
  })
  .map((targets): Op => ({ kind: 'offers', targets }));

/** Versions are unique per product and per stock item, as the catalog and inventory make them. */
const ops = fc.uniqueArray(fc.oneof(upsert, remove, stock, offers), {
  minLength: 10,
  maxLength: 80,
  size: 'max',
  selector: (op) =>
    op.kind === 'stock' ? `stock ${op.sku} ${op.store} ${op.version}` : op.kind === 'offers' ? `offers ${JSON.stringify(op.targets)}` : `product ${op.product} ${op.version}`,
});

/** An empty index that knows the category tree, as one built from the table does before any product. */
function withCategories(): SearchIndex {
  const index = new SearchIndex();
  for (const category of Object.values(CATEGORIES)) index.addCategory(category);
  return index;
}

/**
 * The index built from scratch from the final state: the newest version of each product and each
 * stock item, and the last promotions, set after the products as the build from the table does.
 */
function freshBuild(history: readonly Op[]): SearchIndex {
  const products = new Map<number, Extract<Op, { kind: 'upsert' | 'remove' }>>();
  const levels = new Map<string, Extract<Op, { kind: 'stock' }>>();
  let targets: OfferTargets | undefined;
  for (const op of history) {
    if (op.kind === 'offers') {
      targets = op.targets;
    } else if (op.kind === 'stock') {
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
  if (targets) index.setOffers(targets);
  return index;
}

function incremental(history: readonly Op[]): SearchIndex {
  const index = withCategories();
  for (const op of history) {
    if (op.kind === 'upsert') index.upsert(op.document);
    else if (op.kind === 'remove') index.remove(id(op.product), op.version);
    else if (op.kind === 'offers') index.setOffers(op.targets);
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
  { category: CATEGORIES.food.id, onOffer: false, sort: 'price-asc' },
];

/** A result in terms that do not depend on document numbers: relevance ties and text scores may order equals differently. */
function comparable(index: SearchIndex, query: Partial<IndexQuery>) {
  const result = index.query({ sort: 'relevance', offset: 0, limit: 100, ...query });
  const ids = result.hits.map((h) => `${h.summary.productId}:${String(h.inStock)}:${String(h.summary.onOffer)}`);
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
        for (const query of [QUERIES[4]!, QUERIES[6]!]) expect(comparable(copy, query)).toEqual(comparable(applied, query));
      }),
      { numRuns: 300 },
    );
  });
});
