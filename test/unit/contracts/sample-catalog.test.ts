import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { effectiveDefinitions, validateAttributes, validateDefinitions } from '../../../shared/catalog/attributes.js';
import { Category, Product } from '../../../shared/catalog/model.js';
import { CreateCategoryRequest, CreateProductRequest } from '../../../shared/catalog/requests.js';
import { sampleCatalog, type SampleCategory } from '../../../shared/catalog/seed.js';
import { unitPrice } from '../../../shared/catalog/units.js';

const DIR = 'integration-files/catalog';
const raw = JSON.parse(readFileSync(`${DIR}/sample-catalog.json`, 'utf8')) as unknown;
const schema = JSON.parse(readFileSync(`${DIR}/sample-catalog.schema.json`, 'utf8')) as object;
const catalog = sampleCatalog();
const { categories, products } = catalog;
const byPath = new Map(categories.map((c) => [c.path, c]));
const skus = new Map(products.flatMap((p) => p.variants.map((v) => [v.sku, p] as const)));
const at = '2026-03-01T09:30:00.000Z';

/** A category and its ancestors, root first. */
function chain(path: string): SampleCategory[] {
  const parts = path.split('/');
  return parts.map((_, i) => byPath.get(parts.slice(0, i + 1).join('/'))!);
}

const isValidGtin = (code: string) => {
  const digits = [...code].map(Number);
  const check = digits.pop()!;
  const sum = digits.reverse().reduce((acc, d, i) => acc + d * (i % 2 === 0 ? 3 : 1), 0);
  return (10 - (sum % 10)) % 10 === check;
};

describe('the sample catalog file', () => {
  it('validates against sample-catalog.schema.json, which is itself a valid 2020-12 schema', () => {
    const ajv = new Ajv2020({ allErrors: true });
    expect(ajv.validateSchema(schema), JSON.stringify(ajv.errors)).toBe(true);
    const validate = ajv.compile(schema);
    expect(validate(raw), JSON.stringify(validate.errors?.slice(0, 5))).toBe(true);
  });

  it('is rejected by its schema when broken the ways a hand edit might break it', () => {
    const validate = new Ajv2020({ strict: false }).compile(schema);
    const first = catalog.products[0]!;
    const variant = first.variants[0]!;
    const breakages = [
      { ...catalog, products: [{ ...first, price: 100 }] },
      { ...catalog, products: [{ ...first, variants: [{ ...variant, price: { amount: 0.94, currency: 'GBP' } }] }] },
      { ...catalog, products: [{ ...first, variants: [{ ...variant, soldBy: 'pack' }] }] },
      { ...catalog, products: [{ ...first, category: 'Fresh Produce' }] },
      { ...catalog, categories: [{ ...catalog.categories[0]!, attributes: [{ name: 'colour', type: 'enum' }] }] },
    ];
    for (const broken of breakages) expect(validate(broken)).toBe(false);
  });

  it('parses with the zod models: categories as create requests, products as create requests and as stored products', () => {
    for (const category of categories) {
      const slug = category.path.split('/').at(-1);
      expect(CreateCategoryRequest.safeParse({ slug, name: category.name, tags: category.tags, attributes: category.attributes }).success).toBe(true);
      expect(
        Category.safeParse({ id: '01HZY3M8Q6W4B2J5K7N9P1R3T5', slug, name: category.name, parentId: null, path: category.path, tags: category.tags, attributes: category.attributes, createdAt: at, updatedAt: at }).success,
      ).toBe(true);
    }
    for (const { category, ...product } of products) {
      const request = CreateProductRequest.safeParse({ ...product, categoryId: '01HZY3M8Q6W4B2J5K7N9P1R3T5' });
      expect(request.error?.issues ?? [], product.slug).toEqual([]);
      const stored = Product.safeParse({
        ...product,
        id: '01HZY3M8Q6W4B2J5K7N9P1R3T6',
        categoryId: '01HZY3M8Q6W4B2J5K7N9P1R3T5',
        categoryPath: category,
        images: [],
        version: 1,
        createdAt: at,
        updatedAt: at,
      });
      expect(stored.error?.issues ?? [], product.slug).toEqual([]);
    }
  });
});

describe('the sample catalog content', () => {
  it('has at least 200 products in at least 10 top-level categories with subcategories', () => {
    expect(products.length).toBeGreaterThanOrEqual(200);
    const roots = categories.filter((c) => !c.path.includes('/'));
    expect(roots.length).toBeGreaterThanOrEqual(10);
    expect(Math.max(...categories.map((c) => c.path.split('/').length))).toBeGreaterThanOrEqual(3);
    for (const root of roots) expect(products.some((p) => p.category === root.path || p.category.startsWith(`${root.path}/`)), root.path).toBe(true);
  });

  it('lists each category once, after its parent, without redefining an inherited attribute', () => {
    expect(new Set(categories.map((c) => c.path)).size).toBe(categories.length);
    categories.forEach((category, index) => {
      const parent = category.path.split('/').slice(0, -1).join('/');
      if (parent) expect(categories.findIndex((c) => c.path === parent), category.path).toBeLessThan(index);
      const inherited = effectiveDefinitions(chain(category.path).slice(0, -1));
      expect(validateDefinitions(category.attributes, inherited), category.path).toEqual([]);
    });
  });

  it('gives every product attributes that its category and ancestors define, with the right types', () => {
    for (const product of products) {
      expect(byPath.has(product.category), product.slug).toBe(true);
      expect(validateAttributes(product.attributes, effectiveDefinitions(chain(product.category))), product.slug).toEqual([]);
    }
  });

  it('uses unique slugs and SKUs, GBP prices, and valid check digits on barcodes', () => {
    expect(new Set(products.map((p) => p.slug)).size).toBe(products.length);
    expect(skus.size).toBe(products.reduce((n, p) => n + p.variants.length, 0));
    expect(catalog.currency).toBe('GBP');
    for (const variant of products.flatMap((p) => p.variants)) {
      expect(variant.price.currency).toBe('GBP');
      expect(variant.price.amount, variant.sku).toBeGreaterThan(0);
      if (variant.barcode) expect(isValidGtin(variant.barcode), variant.barcode).toBe(true);
    }
  });

  it('marks alcohol as age-restricted and taxed as alcohol, and only beer, wine and spirits as alcohol', () => {
    const alcohol = products.filter((p) => p.category.startsWith('drinks/beer-wine'));
    expect(alcohol.length).toBeGreaterThan(10);
    for (const product of products) {
      expect(product.taxCategory === 'alcohol', product.slug).toBe(product.category.startsWith('drinks/beer-wine'));
      if (product.taxCategory === 'alcohol') expect(product.ageRestricted, product.slug).toBe(true);
    }
    expect(products.filter((p) => p.taxCategory === 'non-food').map((p) => p.category.split('/')[0])).toEqual(
      expect.arrayContaining(['household', 'health-beauty', 'baby']),
    );
  });

  it('covers every way of selling: by weight with typical weights, by volume, loose, packs and multi-size products', () => {
    const variants = products.flatMap((p) => p.variants);
    const weighed = variants.filter((v) => v.soldBy === 'weight');
    expect(weighed.length).toBeGreaterThanOrEqual(10);
    expect(weighed.filter((v) => v.averageWeightGrams).length).toBeGreaterThanOrEqual(10);
    expect(variants.some((v) => v.soldBy === 'volume')).toBe(true);
    expect(variants.filter((v) => v.soldBy === 'each' && !v.netContent).length).toBeGreaterThanOrEqual(10);
    expect(variants.filter((v) => v.soldBy === 'pack' && v.packSize! >= 4).length).toBeGreaterThanOrEqual(10);
    expect(products.filter((p) => p.variants.length >= 3).length).toBeGreaterThanOrEqual(5);
    const cola = products.find((p) => p.slug === 'coca-cola-original-taste')!;
    expect(cola.variants.map((v) => unitPrice(v))).toEqual([
      { amount: 273, currency: 'GBP', per: 'l' },
      { amount: 150, currency: 'GBP', per: 'l' },
      { amount: 208, currency: 'GBP', per: 'l' },
      { amount: 164, currency: 'GBP', per: 'l' },
    ]);
  });

  it('builds bundles from other sample products, none of them a bundle itself', () => {
    const bundles = products.filter((p) => p.bundle);
    expect(bundles.length).toBeGreaterThanOrEqual(1);
    expect(bundles.map((b) => b.slug)).toContain('full-english-breakfast-bundle');
    for (const bundle of bundles) {
      for (const component of bundle.bundle!.components) {
        const owner = skus.get(component.sku);
        expect(owner, `${bundle.slug} → ${component.sku}`).toBeDefined();
        expect(owner!.bundle, component.sku).toBeUndefined();
      }
    }
    expect(products.at(-1)!.bundle, 'the seed writes the last product last, as its completion mark').toBeDefined();
  });
});
