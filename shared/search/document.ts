import { z } from 'zod';
import { Id, Money, type Category, type Product } from '../catalog/model.js';
import { unitPrice } from '../catalog/units.js';

/**
 * What the search index knows about one product: the text it matches on and the values its facets
 * count. It is derived from the stored product and its category chain, written to the change feed
 * as is, and parsed back with this schema, so a drifted record fails loudly instead of corrupting
 * the index. Whether it is on offer is not here: that follows the running promotions (see
 * `offers.ts`).
 */

/** Dietary flags a shopper can filter on, in facet order. */
export const DIET_FLAGS = ['vegan', 'vegetarian', 'gluten-free', 'organic', 'fairtrade', 'sugar-free'] as const;
export type DietFlag = (typeof DIET_FLAGS)[number];
export const DietFlag = z.enum(DIET_FLAGS);

/** The boolean catalog attribute that also sets each flag; a tag of the flag's own name sets it too. */
const DIET_ATTRIBUTES: Record<DietFlag, string> = {
  vegan: 'vegan',
  vegetarian: 'vegetarian',
  'gluten-free': 'glutenFree',
  organic: 'organic',
  fairtrade: 'fairtrade',
  'sugar-free': 'sugarFree',
};

/**
 * Price bands on a product's lowest price, in minor units: `[from, to)`. The edges suit pounds,
 * euros and dollars alike; a catalog in a currency of other magnitudes would want its own.
 */
export const PRICE_BANDS = [
  { id: 'under-1', from: 0, to: 100 },
  { id: '1-to-2', from: 100, to: 200 },
  { id: '2-to-5', from: 200, to: 500 },
  { id: '5-to-10', from: 500, to: 1000 },
  { id: '10-and-over', from: 1000, to: Number.POSITIVE_INFINITY },
] as const;
export type PriceBand = (typeof PRICE_BANDS)[number]['id'];
export const PriceBand = z.enum(PRICE_BANDS.map((b) => b.id) as [PriceBand, ...PriceBand[]]);

/** The index of the band a price in minor units falls in. */
export function priceBandIndex(amount: number): number {
  return PRICE_BANDS.findIndex((band) => amount >= band.from && amount < band.to);
}

export const UnitPrice = z.strictObject({
  amount: z.number().int().nonnegative(),
  currency: z.string().length(3),
  per: z.enum(['kg', 'l', 'item']),
});

export const SearchDocument = z.strictObject({
  productId: Id,
  /** The product's version: an older document never replaces a newer one. */
  version: z.number().int().positive(),
  name: z.string(),
  brand: z.string().optional(),
  description: z.string(),
  tags: z.array(z.string()),
  skus: z.array(z.string()).min(1),
  /** The product's category chain, root first, its own category last. */
  categories: z.array(z.strictObject({ id: Id, name: z.string(), parentId: Id.nullable() })).min(1),
  diet: z.array(DietFlag),
  /** The lowest variant price (per kg or litre for variants sold by weight or volume). */
  price: Money,
  /** The unit price of the variant with the lowest price. */
  unitPrice: UnitPrice,
  ageRestricted: z.boolean(),
  /** Media key of the first ready image's smallest thumbnail. */
  thumbnailKey: z.string().optional(),
});
export type SearchDocument = z.infer<typeof SearchDocument>;

function dietFlags(product: Pick<Product, 'attributes' | 'tags'>): DietFlag[] {
  return DIET_FLAGS.filter((flag) => product.attributes[DIET_ATTRIBUTES[flag]] === true || product.tags.includes(flag));
}

function smallestThumbnail(product: Pick<Product, 'images'>): string | undefined {
  const image = product.images.find((i) => i.status === 'ready');
  const thumbnails = Object.values(image?.thumbnails ?? {}).sort((a, b) => a.width - b.width);
  return thumbnails[0]?.key;
}

/**
 * The search document of an active product, given its category chain (root first). Archived
 * products are not searchable and have none.
 */
export function toSearchDocument(product: Product, chain: readonly Pick<Category, 'id' | 'name' | 'parentId'>[]): SearchDocument {
  const cheapest = product.variants.reduce((best, v) => (v.price.amount < best.price.amount ? v : best));
  const thumbnailKey = smallestThumbnail(product);
  return {
    productId: product.id,
    version: product.version,
    name: product.name,
    ...(product.brand ? { brand: product.brand } : {}),
    description: product.description,
    tags: product.tags,
    skus: product.variants.map((v) => v.sku),
    categories: chain.map((c) => ({ id: c.id, name: c.name, parentId: c.parentId })),
    diet: dietFlags(product),
    price: cheapest.price,
    unitPrice: unitPrice(cheapest),
    ageRestricted: product.ageRestricted,
    ...(thumbnailKey ? { thumbnailKey } : {}),
  };
}
