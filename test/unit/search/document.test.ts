import { describe, expect, it } from 'vitest';
import type { ImageRef, Product } from '../../../shared/catalog/model.js';
import { toSearchDocument } from '../../../shared/search/document.js';
import { singular } from '../../../shared/search/text.js';
import { id } from './fixtures.js';

const at = '2026-01-01T00:00:00.000Z';

function product(overrides: Partial<Product> = {}): Product {
  return {
    id: id(1),
    slug: 'bananas',
    name: 'Bananas',
    description: 'Ripe',
    categoryId: id(901),
    categoryPath: 'food/fruit',
    tags: [],
    attributes: {},
    taxCategory: 'food',
    ageRestricted: false,
    variants: [
      { sku: 'BAN-KG', name: 'Loose', soldBy: 'weight', price: { amount: 94, currency: 'GBP' } },
      { sku: 'BAN-5', name: '5 pack', soldBy: 'pack', packSize: 5, price: { amount: 89, currency: 'GBP' } },
    ],
    images: [],
    status: 'active',
    version: 3,
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
}

const chain = [
  { id: id(900), name: 'Food', parentId: null },
  { id: id(901), name: 'Fruit', parentId: id(900) },
];

describe('toSearchDocument', () => {
  it('takes the lowest variant price with that variant’s unit price, every SKU and the category chain', () => {
    expect(toSearchDocument(product(), chain)).toMatchObject({
      productId: id(1),
      version: 3,
      skus: ['BAN-KG', 'BAN-5'],
      price: { amount: 89, currency: 'GBP' },
      unitPrice: { amount: 18, currency: 'GBP', per: 'item' },
      categories: chain,
      diet: [],
    });
  });

  it('sets a dietary flag from a true boolean attribute or a tag of its name', () => {
    const document = toSearchDocument(product({ attributes: { vegan: true, glutenFree: false, organic: true }, tags: ['gluten-free', 'fairtrade'] }), chain);
    expect(document.diet).toEqual(['vegan', 'gluten-free', 'organic', 'fairtrade']);
  });

  it('leaves being on offer to the promotions: an `on-offer` tag is only a tag', () => {
    expect(toSearchDocument(product({ tags: ['on-offer'] }), chain)).not.toHaveProperty('onOffer');
  });

  it('points at the smallest thumbnail of the first ready image', () => {
    const image = (n: number, status: 'processing' | 'ready'): ImageRef => ({
      id: id(100 + n),
      contentType: 'image/png',
      key: `products/x/images/${n}/original.png`,
      status,
      thumbnails: status === 'ready' ? { w480: { key: `t/${n}/w480.webp`, width: 480, height: 480 }, w160: { key: `t/${n}/w160.webp`, width: 160, height: 160 } } : {},
      uploadedAt: at,
    });
    expect(toSearchDocument(product({ images: [image(1, 'processing'), image(2, 'ready')] }), chain).thumbnailKey).toBe('t/2/w160.webp');
    expect(toSearchDocument(product(), chain).thumbnailKey).toBeUndefined();
  });
});

describe('singular', () => {
  it('folds the plurals of grocery names and leaves other words alone', () => {
    const cases: Record<string, string> = {
      bananas: 'banana',
      berries: 'berry',
      tomatoes: 'tomato',
      peaches: 'peach',
      boxes: 'box',
      eggs: 'egg',
      grapes: 'grape',
      hummus: 'hummus',
      glass: 'glass',
      bus: 'bus',
      oats: 'oat',
      gas: 'gas',
    };
    expect(Object.fromEntries(Object.keys(cases).map((word) => [word, singular(word)]))).toEqual(cases);
  });
});
