import { describe, expect, it } from 'vitest';
import { SearchIndex, type IndexQuery } from '../../../shared/search/index.js';
import { CATEGORIES, doc, id } from './fixtures.js';

const all = (overrides: Partial<IndexQuery> = {}): IndexQuery => ({ sort: 'relevance', offset: 0, limit: 100, ...overrides });
const names = (index: SearchIndex, query: Partial<IndexQuery>) => index.query(all(query)).hits.map((h) => h.summary.name);
const counts = <T>(facet: { value: T; count: number }[]) => Object.fromEntries(facet.map((f) => [String(f.value), f.count]));

function grocery(): SearchIndex {
  const index = new SearchIndex();
  index.upsert(doc({ n: 1, name: 'Bananas', brand: 'Fyffes', price: 94, diet: ['vegan', 'gluten-free'], description: 'Ripe and sweet' }));
  index.upsert(doc({ n: 2, name: 'Organic Fairtrade Bananas', brand: 'SmartShelf', price: 145, diet: ['vegan', 'organic'] }));
  index.upsert(doc({ n: 3, name: 'Pink Lady Apples', brand: 'Pink Lady', price: 250, diet: ['vegan'] }));
  index.upsert(doc({ n: 4, name: 'Whole Milk 2 pints', category: 'dairy', brand: 'Cravendale', price: 165, diet: ['vegetarian', 'gluten-free'] }));
  index.upsert(doc({ n: 5, name: 'Organic Semi Skimmed Milk', category: 'dairy', brand: 'SmartShelf', price: 120, diet: ['vegetarian', 'organic'] }));
  index.upsert(doc({ n: 6, name: 'Washing Up Liquid', category: 'household', brand: 'Fairy', price: 1200 }));
  index.setOffers({ skus: ['SKU-2'], categoryIds: [CATEGORIES.household.id] });
  return index;
}

describe('SearchIndex text', () => {
  it('finds bananas when the shopper types "bananna"', () => {
    expect(names(grocery(), { q: 'bananna' })).toEqual(expect.arrayContaining(['Bananas', 'Organic Fairtrade Bananas']));
  });

  it('matches the last word as a prefix while it is being typed', () => {
    expect(names(grocery(), { q: 'org mil' })).toEqual([]);
    expect(names(grocery(), { q: 'organic mil' })).toEqual(['Organic Semi Skimmed Milk']);
  });

  it('needs every word to match, in any field', () => {
    expect(names(grocery(), { q: 'smartshelf milk' })).toEqual(['Organic Semi Skimmed Milk']);
    expect(names(grocery(), { q: 'sweet bananas' })).toEqual(['Bananas']);
  });

  it('ranks a match in the name above one in the description', () => {
    const index = new SearchIndex();
    index.upsert(doc({ n: 1, name: 'Fruit bowl', description: 'Perfect for apples and pears' }));
    index.upsert(doc({ n: 2, name: 'Apples', description: 'Crisp' }));
    expect(names(index, { q: 'apples' })).toEqual(['Apples', 'Fruit bowl']);
  });

  it('finds a product by one of its SKUs', () => {
    const index = new SearchIndex();
    index.upsert(doc({ n: 1, name: 'Bananas', skus: ['FP-BANANAS-KG', 'FP-BANANAS-5PK'] }));
    index.upsert(doc({ n: 2, name: 'Apples', skus: ['FP-APPLES-6PK'] }));
    expect(names(index, { q: 'FP-BANANAS-5PK' })).toEqual(['Bananas']);
  });
});

describe('SearchIndex filters', () => {
  it('filters by category including its descendants', () => {
    expect(names(grocery(), { category: CATEGORIES.food.id, sort: 'price-asc' })).toEqual([
      'Bananas',
      'Organic Semi Skimmed Milk',
      'Organic Fairtrade Bananas',
      'Whole Milk 2 pints',
      'Pink Lady Apples',
    ]);
    expect(names(grocery(), { category: CATEGORIES.dairy.id, sort: 'price-asc' })).toEqual(['Organic Semi Skimmed Milk', 'Whole Milk 2 pints']);
  });

  it('refuses a category it does not know', () => {
    expect(() => grocery().query(all({ category: id(12345) }))).toThrow(/no category has the id/i);
  });

  it('takes any of several brands, and all of several dietary flags', () => {
    expect(names(grocery(), { brand: ['Fyffes', 'Fairy'], sort: 'price-asc' })).toEqual(['Bananas', 'Washing Up Liquid']);
    expect(names(grocery(), { diet: ['vegan', 'organic'] })).toEqual(['Organic Fairtrade Bananas']);
  });

  it('filters by price band, offer and stock at a store', () => {
    const index = grocery();
    index.setStock('SKU-1', 'camden', 12, 1);
    index.setStock('SKU-4', 'camden', 3, 1);
    index.setStock('SKU-5', 'camden', 0, 1);
    expect(names(index, { priceBand: '1-to-2', sort: 'price-asc' })).toEqual(['Organic Semi Skimmed Milk', 'Organic Fairtrade Bananas', 'Whole Milk 2 pints']);
    expect(names(index, { onOffer: true, sort: 'price-asc' })).toEqual(['Organic Fairtrade Bananas', 'Washing Up Liquid']);
    expect(names(index, { store: 'camden', inStock: true, sort: 'price-asc' })).toEqual(['Bananas', 'Whole Milk 2 pints']);
    expect(index.query(all({ store: 'camden', q: 'milk', sort: 'price-asc' })).hits.map((h) => h.inStock)).toEqual([false, true]);
  });

  it('treats a store it has never seen as having nothing in stock', () => {
    expect(grocery().query(all({ store: 'nowhere', inStock: true })).total).toBe(0);
  });
});

describe('SearchIndex facets', () => {
  it('counts every facet over the results when nothing is filtered', () => {
    const { facets, total } = grocery().query(all());
    expect(total).toBe(6);
    expect(counts(facets.brand)).toEqual({ SmartShelf: 2, Fyffes: 1, 'Pink Lady': 1, Cravendale: 1, Fairy: 1 });
    expect(counts(facets.diet)).toEqual({ vegan: 3, vegetarian: 2, 'gluten-free': 2, organic: 2, fairtrade: 0, 'sugar-free': 0 });
    expect(counts(facets.priceBand)).toEqual({ 'under-1': 1, '1-to-2': 3, '2-to-5': 1, '5-to-10': 0, '10-and-over': 1 });
    expect(counts(facets.onOffer)).toEqual({ true: 2, false: 4 });
    expect(facets.inStock).toBeNull();
    expect(facets.category).toEqual([
      { id: CATEGORIES.food.id, name: 'Food', count: 5 },
      { id: CATEGORIES.fruit.id, name: 'Fruit', count: 3 },
      { id: CATEGORIES.dairy.id, name: 'Dairy', count: 2 },
      { id: CATEGORIES.household.id, name: 'Household', count: 1 },
    ]);
  });

  it('counts a facet without its own filter, so the alternatives stay visible (disjunctive)', () => {
    const { facets, total } = grocery().query(all({ brand: ['SmartShelf'], category: CATEGORIES.dairy.id }));
    expect(total).toBe(1);
    // Brands of dairy, whatever brand is chosen.
    expect(counts(facets.brand)).toEqual({ SmartShelf: 1, Cravendale: 1 });
    // Categories of SmartShelf products, whatever category is chosen.
    expect(counts(facets.category.map((c) => ({ value: c.name, count: c.count })))).toEqual({ Food: 2, Fruit: 1, Dairy: 1 });
    // Other facets count the results themselves.
    expect(counts(facets.priceBand)).toEqual({ 'under-1': 0, '1-to-2': 1, '2-to-5': 0, '5-to-10': 0, '10-and-over': 0 });
  });

  it('counts dietary flags over the results, since they are and-ed', () => {
    const { facets } = grocery().query(all({ diet: ['vegan'] }));
    expect(counts(facets.diet)).toEqual({ vegan: 3, vegetarian: 0, 'gluten-free': 1, organic: 1, fairtrade: 0, 'sugar-free': 0 });
  });

  it('counts stock at the chosen store, without the stock filter itself', () => {
    const index = grocery();
    index.setStock('SKU-1', 'camden', 5, 1);
    index.setStock('SKU-2', 'camden', 5, 1);
    const { facets, total } = index.query(all({ store: 'camden', inStock: true, category: CATEGORIES.fruit.id }));
    expect(total).toBe(2);
    expect(counts(facets.inStock!)).toEqual({ true: 2, false: 1 });
  });

  it('keeps a selected brand in the brand facet even when nothing matches it', () => {
    const { facets } = grocery().query(all({ brand: ['Fairy'], category: CATEGORIES.dairy.id }));
    expect(facets.brand).toContainEqual({ value: 'Fairy', count: 0 });
  });
});

describe('SearchIndex sorting and paging', () => {
  it('sorts by price both ways and by unit price, ties by insertion', () => {
    const index = new SearchIndex();
    index.upsert(doc({ n: 1, name: 'a', price: 300, unit: 10 }));
    index.upsert(doc({ n: 2, name: 'b', price: 100, unit: 30 }));
    index.upsert(doc({ n: 3, name: 'c', price: 200, unit: 20 }));
    index.upsert(doc({ n: 4, name: 'd', price: 100, unit: 20 }));
    expect(names(index, { sort: 'price-asc' })).toEqual(['b', 'd', 'c', 'a']);
    expect(names(index, { sort: 'price-desc' })).toEqual(['a', 'c', 'b', 'd']);
    expect(names(index, { sort: 'unit-price-asc' })).toEqual(['a', 'c', 'd', 'b']);
  });

  it('puts best sellers first when there is no text to rank by', () => {
    const index = grocery();
    index.setPopularity(id(4), 50);
    index.setPopularity(id(2), 20);
    expect(names(index, {}).slice(0, 3)).toEqual(['Whole Milk 2 pints', 'Organic Fairtrade Bananas', 'Bananas']);
  });

  it('pages through the same order it sorts', () => {
    const index = new SearchIndex();
    for (let n = 1; n <= 250; n++) index.upsert(doc({ n, name: `item ${n}`, price: (n * 7919) % 1000 }));
    const full = names(index, { sort: 'price-asc', limit: 250 });
    const paged = [0, 1, 2, 3, 4].flatMap((page) => names(index, { sort: 'price-asc', offset: page * 60, limit: 60 }));
    expect(paged).toEqual(full);
  });
});

describe('SearchIndex changes', () => {
  it('replaces a product with a newer version and ignores an older one', () => {
    const index = grocery();
    expect(index.upsert(doc({ n: 1, name: 'Plantains', version: 2 }))).toBe(true);
    expect(index.upsert(doc({ n: 1, name: 'Bananas', version: 1 }))).toBe(false);
    expect(names(index, { q: 'plantain' })).toEqual(['Plantains']);
    expect(names(index, { q: 'bananas' })).toEqual(['Organic Fairtrade Bananas']);
  });

  it('takes an archived product out, and does not let an older change bring it back', () => {
    const index = grocery();
    expect(index.remove(id(1), 2)).toBe(true);
    expect(index.upsert(doc({ n: 1, name: 'Bananas', version: 2 }))).toBe(false);
    expect(names(index, { q: 'bananas' })).toEqual(['Organic Fairtrade Bananas']);
    expect(index.query(all()).total).toBe(5);
    expect(index.upsert(doc({ n: 1, name: 'Bananas', version: 3 }))).toBe(true);
    expect(index.query(all()).total).toBe(6);
  });

  it('keeps the newest stock level by version, and follows SKUs moving between products', () => {
    const index = grocery();
    index.setStock('SKU-1', 'camden', 4, 3);
    expect(index.setStock('SKU-1', 'camden', 0, 2)).toBe(false);
    expect(index.available(id(1), 'camden')).toBe(true);
    index.upsert(doc({ n: 3, name: 'Pink Lady Apples', version: 2, skus: ['SKU-3', 'SKU-1'] }));
    index.upsert(doc({ n: 1, name: 'Bananas', version: 2, skus: ['SKU-1B'] }));
    expect(index.available(id(1), 'camden')).toBe(false);
    expect(index.available(id(3), 'camden')).toBe(true);
    expect(index.available(id(3))).toBe(true);
  });

  it('forgets the text matches it cached as soon as the text changes', () => {
    const index = grocery();
    expect(names(index, { q: 'milk', sort: 'price-asc' })).toEqual(['Organic Semi Skimmed Milk', 'Whole Milk 2 pints']);
    index.upsert(doc({ n: 7, name: 'Oat Milk', category: 'dairy', price: 50 }));
    index.remove(id(4), 2);
    expect(names(index, { q: 'milk', sort: 'price-asc' })).toEqual(['Oat Milk', 'Organic Semi Skimmed Milk']);
  });

  it('survives a snapshot round trip unchanged', () => {
    const index = grocery();
    index.setStock('SKU-1', 'camden', 5, 1);
    index.setStock('SKU-5', 'soho', 5, 7);
    index.setPopularity(id(5), 9);
    index.remove(id(6), 2);
    const copy = SearchIndex.fromSnapshot(JSON.parse(JSON.stringify(index.toSnapshot())));
    for (const query of [all(), all({ q: 'organic' }), all({ store: 'soho', inStock: true }), all({ store: 'camden' })]) {
      expect(copy.query(query)).toEqual(index.query(query));
    }
    expect(copy.setStock('SKU-5', 'soho', 0, 6)).toBe(false);
    expect(copy.upsert(doc({ n: 6, name: 'Washing Up Liquid', version: 2 }))).toBe(false);
  });
});
