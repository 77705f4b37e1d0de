import type { DietFlag, SearchDocument } from '../../../shared/search/document.js';

/** A valid ULID-shaped id from a small number, so that tests read as `id(3)`. */
export const id = (n: number) => String(n).padStart(26, '0');

/** A category tree: food → fruit, food → dairy, and household at the root. */
export const CATEGORIES = {
  food: { id: id(900), name: 'Food', parentId: null },
  fruit: { id: id(901), name: 'Fruit', parentId: id(900) },
  dairy: { id: id(902), name: 'Dairy', parentId: id(900) },
  household: { id: id(903), name: 'Household', parentId: null },
} as const;

const CHAINS: Record<keyof typeof CATEGORIES, SearchDocument['categories']> = {
  food: [CATEGORIES.food],
  fruit: [CATEGORIES.food, CATEGORIES.fruit],
  dairy: [CATEGORIES.food, CATEGORIES.dairy],
  household: [CATEGORIES.household],
};

export interface DocInput {
  n: number;
  name: string;
  category?: keyof typeof CATEGORIES;
  brand?: string;
  price?: number;
  unit?: number;
  diet?: DietFlag[];
  ageRestricted?: boolean;
  version?: number;
  description?: string;
  tags?: string[];
  skus?: string[];
}

/** A search document with sensible defaults for whatever the test does not care about. */
export function doc(input: DocInput): SearchDocument {
  return {
    productId: id(input.n),
    version: input.version ?? 1,
    name: input.name,
    ...(input.brand ? { brand: input.brand } : {}),
    description: input.description ?? '',
    tags: input.tags ?? [],
    skus: input.skus ?? [`SKU-${input.n}`],
    categories: CHAINS[input.category ?? 'fruit'],
    diet: input.diet ?? [],
    price: { amount: input.price ?? 100, currency: 'GBP' },
    unitPrice: { amount: input.unit ?? input.price ?? 100, currency: 'GBP', per: 'kg' },
    ageRestricted: input.ageRestricted ?? false,
  };
}
