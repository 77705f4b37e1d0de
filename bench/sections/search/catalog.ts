import type { DietFlag, SearchDocument } from '../../../shared/search/document.js';
import type { OfferTargets } from '../../../shared/search/index.js';

/**
 * A generated grocery catalog for the search benchmark: a three-level category tree, brands and
 * words drawn with a skew (a few common, many rare, as in a real catalog), dietary flags, prices,
 * one to three SKUs per product and stock at every store. A seeded PRNG makes every run, and the
 * index and the table it is compared with, see exactly the same catalog.
 */

/** mulberry32: small, fast and good enough to make test data. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

const ROOTS = ['fresh-produce', 'bakery', 'dairy-eggs', 'meat-fish', 'pantry', 'frozen', 'drinks', 'snacks', 'household', 'baby-toiletries'];
const NOUNS = (
  'apple banana pear grape melon berry cherry plum peach lemon lime orange mango kiwi tomato potato carrot onion garlic ginger pepper spinach lettuce ' +
  'cabbage broccoli cauliflower mushroom courgette leek celery cucumber avocado bread roll bagel muffin croissant loaf bun wrap pitta cake ' +
  'milk cheese butter yoghurt cream egg cheddar mozzarella brie feta chicken beef pork lamb salmon tuna cod prawn sausage bacon ham mince ' +
  'pasta rice noodle couscous lentil bean chickpea soup sauce pesto oil vinegar flour sugar honey jam cereal oats granola tea coffee cocoa ' +
  'juice water cola lemonade beer wine cider gin crisp nut popcorn chocolate biscuit cracker sweet soap detergent sponge foil bag nappy wipe shampoo'
).split(' ');
const ADJECTIVES = 'fresh smoked roasted sliced whole baby sweet spicy mild mature crunchy creamy wholemeal sourdough free-range wild classic extra light salted unsalted'.split(' ');
const SYLLABLES = 'ka lo mi ra ve to sun gro har ble nor vel ash fen cor pin dal mer'.split(' ');
const FILLER = Array.from({ length: 1500 }, (_, i) => `${SYLLABLES[i % SYLLABLES.length]}${SYLLABLES[(i * 7 + 3) % SYLLABLES.length]}${SYLLABLES[(i * 13 + 5) % SYLLABLES.length]}${i}`);

/** The catalog's store ids. */
export const storeIds = (stores: number) => Array.from({ length: stores }, (_, i) => `store-${String(i).padStart(2, '0')}`);

/** A ULID-shaped id from a number. */
const ulidOf = (prefix: string, n: number) => `${prefix}${String(n).padStart(26 - prefix.length, '0')}`;

export interface BenchCategory {
  id: string;
  name: string;
  parentId: string | null;
  root: string;
}

export interface BenchCatalog {
  categories: BenchCategory[];
  documents: SearchDocument[];
  /** By product: for each store, whether any of its SKUs is in stock there. */
  stock: { sku: string; storeId: string; available: number }[];
  stores: string[];
  /** What the catalog's promotions put on offer: about 8 % of products by SKU, and one leaf category. */
  offers: OfferTargets;
}

function categoryTree(): BenchCategory[] {
  const out: BenchCategory[] = [];
  ROOTS.forEach((root, r) => {
    const rootId = ulidOf('0CAT', r * 100);
    out.push({ id: rootId, name: root, parentId: null, root });
    for (let c = 0; c < 6; c++) {
      const childId = ulidOf('0CAT', r * 100 + 10 * (c + 1));
      out.push({ id: childId, name: `${root} ${c}`, parentId: rootId, root });
      for (let g = 0; g < 3; g++) out.push({ id: ulidOf('0CAT', r * 100 + 10 * (c + 1) + g + 1), name: `${root} ${c}.${g}`, parentId: childId, root });
    }
  });
  return out;
}

/** Generates `products` products (`skus` comes out about 1.5 times that) stocked at `stores` stores. */
export function benchCatalog(products: number, stores: number, seed = 20250101): BenchCatalog {
  const random = prng(seed);
  /** Skewed pick: low indexes far more often than high ones. */
  const skewed = <T>(items: readonly T[]) => items[Math.floor(items.length * random() ** 2.5)]!;
  const chance = (p: number) => random() < p;
  const categories = categoryTree();
  const byId = new Map(categories.map((c) => [c.id, c]));
  const leaves = categories.filter((c) => c.parentId !== null && byId.get(c.parentId)!.parentId !== null);
  const brands = Array.from({ length: 400 }, (_, i) => `${SYLLABLES[i % SYLLABLES.length]!}${SYLLABLES[(i * 5 + 1) % SYLLABLES.length]} ${i}`.replace(/^./, (c) => c.toUpperCase()));
  const storeList = storeIds(stores);
  const documents: SearchDocument[] = [];
  const stock: BenchCatalog['stock'] = [];
  const offerSkus: string[] = [];
  for (let n = 0; n < products; n++) {
    const leaf = leaves[Math.floor(random() * leaves.length)]!;
    const chain = [byId.get(byId.get(leaf.parentId!)!.parentId!)!, byId.get(leaf.parentId!)!, leaf].map(({ id, name, parentId }) => ({ id, name, parentId }));
    const organic = chance(0.07);
    const vegan = chance(0.25);
    const diet: DietFlag[] = [
      ...(vegan ? (['vegan'] as const) : []),
      ...(vegan || chance(0.2) ? (['vegetarian'] as const) : []),
      ...(chance(0.2) ? (['gluten-free'] as const) : []),
      ...(organic ? (['organic'] as const) : []),
      ...(chance(0.05) ? (['fairtrade'] as const) : []),
      ...(chance(0.05) ? (['sugar-free'] as const) : []),
    ];
    const brand = chance(0.85) ? skewed(brands) : undefined;
    const name = [organic ? 'Organic' : undefined, chance(0.4) ? skewed(ADJECTIVES) : undefined, skewed(NOUNS), skewed(NOUNS), `${50 + Math.floor(random() * 950)}g`]
      .filter(Boolean)
      .join(' ');
    const description = [
      ...Array.from({ length: 12 + Math.floor(random() * 14) }, () => (chance(0.3) ? skewed(NOUNS) : skewed(FILLER))),
      ...(organic ? ['certified', 'organic'] : []),
    ].join(' ');
    const price = Math.round(40 * Math.exp(random() * 4.2));
    const skus = Array.from({ length: chance(0.6) ? 1 : chance(0.75) ? 2 : 3 }, (_, v) => `BENCH-${n}-${v}`);
    // Drawn in the order the document's fields were, so the catalog stays the one earlier runs measured.
    const tags = diet.filter(() => chance(0.5));
    const unitPrice = { amount: Math.round((price * 1000) / (100 + Math.floor(random() * 900))), currency: 'GBP', per: 'kg' } as const;
    if (chance(0.08)) offerSkus.push(skus[0]!);
    documents.push({
      productId: ulidOf('0PRD', n),
      version: 1,
      name,
      ...(brand ? { brand } : {}),
      description,
      tags,
      skus,
      categories: chain,
      diet,
      price: { amount: price, currency: 'GBP' },
      unitPrice,
      ageRestricted: leaf.root === 'drinks' && chance(0.3),
    });
    for (const sku of skus) for (const storeId of storeList) stock.push({ sku, storeId, available: chance(0.85) ? 1 + Math.floor(random() * 40) : 0 });
  }
  return { categories, documents, stock, stores: storeList, offers: { skus: offerSkus, categoryIds: [leaves[0]!.id] } };
}
