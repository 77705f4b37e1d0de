import { describe, expect, it } from 'vitest';
import type { Category, Product } from '../../../shared/catalog/model.js';
import { slugify } from '../../../shared/catalog/products.js';
import { priceChanges } from '../../../shared/catalog/price-changes.js';
import { compareCategoryPaths, mediaUrl, toCategoryTree, toCategoryView, toProductView } from '../../../shared/catalog/views.js';

const at = '2026-01-01T00:00:00.000Z';
const product: Product = {
  id: '01JABCDEFGHJKMNPQRSTVWXYZ0',
  slug: 'beans',
  name: 'Beans',
  description: '',
  categoryId: '01JABCDEFGHJKMNPQRSTVWXYZ1',
  categoryPath: 'cupboard/tins',
  tags: [],
  attributes: {},
  taxCategory: 'food',
  ageRestricted: false,
  variants: [{ sku: 'BEANS-415', name: '415 g', soldBy: 'each', price: { amount: 120, currency: 'GBP' }, netContent: { quantity: 400, unit: 'g' } }],
  images: [
    {
      id: '01JABCDEFGHJKMNPQRSTVWXYZ2',
      contentType: 'image/jpeg',
      key: 'products/p1/original.jpg',
      status: 'ready',
      thumbnails: { small: { key: 'products/p1/small.webp', width: 160, height: 160 } },
      uploadedAt: at,
    },
  ],
  status: 'active',
  version: 1,
  createdAt: at,
  updatedAt: at,
};

describe('toProductView', () => {
  it('adds each variant its unit price and each image and thumbnail its public URL', () => {
    const view = toProductView(product, 'https://media.example/');
    expect(view.variants[0]?.unitPrice).toEqual({ amount: 300, currency: 'GBP', per: 'kg' });
    expect(view.images[0]?.url).toBe('https://media.example/products/p1/original.jpg');
    expect(view.images[0]?.thumbnails.small?.url).toBe('https://media.example/products/p1/small.webp');
  });

  it('needs no media configuration for a product without images', () => {
    expect(toProductView({ ...product, images: [] }).images).toEqual([]);
  });
});

describe('mediaUrl', () => {
  it('joins base and key with exactly one slash', () => {
    expect(mediaUrl('http://localhost:4569/media', 'a/b.jpg')).toBe('http://localhost:4569/media/a/b.jpg');
    expect(mediaUrl('http://localhost:4569/media//', '/a/b.jpg')).toBe('http://localhost:4569/media/a/b.jpg');
  });
});

describe('category views', () => {
  const category = (id: string, path: string, parentId: string | null): Category => ({
    id,
    slug: path.split('/').at(-1)!,
    name: path,
    parentId,
    path,
    status: 'active',
    version: 1,
    tags: [],
    attributes: [],
    createdAt: at,
    updatedAt: at,
  });
  const flat = [
    category('A', 'fresh', null),
    category('B', 'fresh/fruit', 'A'),
    category('C', 'fresh/fruit/apples', 'B'),
    category('D', 'fresh/veg', 'A'),
    category('E', 'tins', null),
  ].map(toCategoryView);

  it('counts depth from 0 at a root', () => {
    expect(flat.map((c) => c.depth)).toEqual([0, 1, 2, 1, 0]);
  });

  it('nests categories under their parents, keeping path order among siblings', () => {
    const tree = toCategoryTree(flat);
    expect(tree.map((n) => n.id)).toEqual(['A', 'E']);
    expect(tree[0]?.children.map((n) => n.id)).toEqual(['B', 'D']);
    expect(tree[0]?.children[0]?.children.map((n) => n.id)).toEqual(['C']);
    expect(tree[1]?.children).toEqual([]);
  });
});

describe('compareCategoryPaths', () => {
  it('orders depth-first, so a category is followed by its own subtree before a sibling that merely starts alike', () => {
    const paths = ['fresh/fruit-juice', 'fresh/fruit/apples', 'fresh', 'fresh/fruit', 'bakery', 'fresh/fruit/apples/cooking'];
    expect([...paths].sort(compareCategoryPaths)).toEqual([
      'bakery',
      'fresh',
      'fresh/fruit',
      'fresh/fruit/apples',
      'fresh/fruit/apples/cooking',
      'fresh/fruit-juice',
    ]);
  });
});

describe('priceChanges', () => {
  const variant = (sku: string, amount: number, currency = 'GBP') => ({ ...product.variants[0]!, sku, price: { amount, currency } });

  it('lists SKUs in both lists whose amount or currency moved, and ignores added and removed SKUs', () => {
    expect(
      priceChanges([variant('A', 100), variant('B', 200), variant('C', 300), variant('D', 1)], [variant('A', 100), variant('B', 250), variant('C', 300, 'EUR'), variant('E', 9)]),
    ).toEqual([
      { sku: 'B', before: { amount: 200, currency: 'GBP' }, after: { amount: 250, currency: 'GBP' } },
      { sku: 'C', before: { amount: 300, currency: 'GBP' }, after: { amount: 300, currency: 'EUR' } },
    ]);
  });
});

describe('slugify', () => {
  it('folds accents and punctuation into lower-case hyphenated words', () => {
    expect(slugify('Crème Fraîche 300ml')).toBe('creme-fraiche-300ml');
    expect(slugify('  Ben & Jerry’s: Cookie Dough!  ')).toBe('ben-jerry-s-cookie-dough');
    expect(slugify('***')).toBe('');
  });
});
