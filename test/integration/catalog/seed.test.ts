import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { localDynamoClient } from '../../../infra/local/engines/dynamodb.js';
import { listCategories } from '../../../shared/catalog/categories.js';
import { catalogDeps, type CatalogDeps } from '../../../shared/catalog/deps.js';
import { getProduct, listProducts } from '../../../shared/catalog/product-queries.js';
import { sampleCatalog, seedSampleCatalog, type SampleCatalog } from '../../../shared/catalog/seed.js';
import type { CategoryView } from '../../../shared/catalog/views.js';
import { keys } from '../../../shared/db/keys.js';
import { migrate } from '../../../shared/db/migrations/migrate.js';
import { engines, testDynamo, uniqueId } from '../../support/engines.js';

/**
 * The sample's paths and SKUs are fixed, so each scenario seeds a table of its own instead of the
 * table other test files share.
 */
async function freshTable(): Promise<CatalogDeps> {
  const tableName = uniqueId('seed');
  const client = localDynamoClient(engines().endpoints.dynamodb);
  try {
    await migrate({ tableName, createTable: true, log: () => undefined, client });
  } finally {
    client.destroy();
  }
  return catalogDeps({ db: testDynamo(), tableName });
}

async function allProductIds(deps: CatalogDeps): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await listProducts({ limit: 100, ...(cursor ? { cursor } : {}) }, deps);
    ids.push(...page.items.map((p) => p.id));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return ids;
}

async function productIdOfSku(deps: CatalogDeps, sku: string): Promise<string | undefined> {
  const { Item } = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: keys.sku(sku) }));
  return Item?.productId as string | undefined;
}

const sample = sampleCatalog();

/**
 * Every category, and the products the checks below need, in the sample's order and ending with its last product
 * (the finish marker): the first, the whole drinks subtree, every bundle and its components. A fifth of the sample:
 * seeding all 332 products one transaction each took up to 340 s here while other files shared DynamoDB Local, and
 * timed out under a heavier load. The whole sample is seeded by every start of the local platform, which the e2e
 * files (catalog.test.ts "the seeded catalog") check, and its contents are checked by the unit test sample-catalog.
 */
function seedSubset(): SampleCatalog {
  const bundles = sample.products.filter((p) => p.bundle);
  const componentSkus = new Set(bundles.flatMap((b) => b.bundle!.components.map((c) => c.sku)));
  const wanted = (p: SampleCatalog['products'][number], index: number) =>
    index === 0 ||
    index === sample.products.length - 1 ||
    p.category === 'drinks' ||
    p.category.startsWith('drinks/') ||
    p.bundle !== undefined ||
    p.variants.some((v) => componentSkus.has(v.sku));
  return { ...sample, products: sample.products.filter(wanted) };
}

describe('seedSampleCatalog', () => {
  const catalog = seedSubset();
  let deps: CatalogDeps;
  let first: Awaited<ReturnType<typeof seedSampleCatalog>>;

  beforeAll(async () => {
    deps = await freshTable();
    first = await seedSampleCatalog({ deps, catalog });
  }, 240_000);

  it('creates every category and product of the catalog on an empty table', async () => {
    expect(catalog.products.length).toBeGreaterThan(50);
    expect(first).toEqual({ categories: catalog.categories.length, products: catalog.products.length, skipped: false });
    expect(await allProductIds(deps)).toHaveLength(catalog.products.length);
  });

  it('links every category to the category of its parent path', async () => {
    const { items } = await listCategories({ tree: false }, deps);
    const byPath = new Map((items as CategoryView[]).map((c) => [c.path, c]));
    expect([...byPath.keys()].sort()).toEqual(sample.categories.map((c) => c.path).sort());
    for (const [path, category] of byPath) {
      const parentPath = path.split('/').slice(0, -1).join('/');
      expect(category.parentId).toBe(parentPath ? byPath.get(parentPath)!.id : null);
      expect(category.slug).toBe(path.split('/').at(-1));
    }
  });

  it('stores each product under its sample category with its variants, prices and attributes', async () => {
    const { items } = await listCategories({ tree: false }, deps);
    const idOfPath = new Map((items as CategoryView[]).map((c) => [c.path, c.id]));
    for (const product of [catalog.products[0]!, catalog.products[Math.floor(catalog.products.length / 2)]!, catalog.products.at(-1)!]) {
      const id = await productIdOfSku(deps, product.variants[0]!.sku);
      const stored = await getProduct(id!, deps);
      expect(stored).toMatchObject({
        slug: product.slug,
        name: product.name,
        categoryId: idOfPath.get(product.category),
        categoryPath: product.category,
        attributes: product.attributes,
        taxCategory: product.taxCategory,
        ageRestricted: product.ageRestricted,
        status: 'active',
        version: 1,
      });
      expect(stored.variants.map((v) => [v.sku, v.price])).toEqual(product.variants.map((v) => [v.sku, v.price]));
    }
  });

  it('lists a parent category with the products of its descendants', async () => {
    const { items } = await listCategories({ tree: false }, deps);
    const drinks = (items as CategoryView[]).find((c) => c.path === 'drinks')!;
    const page = await listProducts({ category: drinks.id, limit: 100 }, deps);
    const expected = catalog.products.filter((p) => p.category === 'drinks' || p.category.startsWith('drinks/'));
    expect(expected.length).toBe(sample.products.filter((p) => p.category === 'drinks' || p.category.startsWith('drinks/')).length);
    expect(page.items.map((p) => p.slug).sort()).toEqual(expected.map((p) => p.slug).sort());
    expect(page.items.some((p) => p.categoryPath === 'drinks/beer-wine/wine')).toBe(true);
  });

  it('writes bundles whose components are seeded SKUs, and derives unit prices for multipacks', async () => {
    const bundle = catalog.products.find((p) => p.bundle)!;
    const stored = await getProduct((await productIdOfSku(deps, bundle.variants[0]!.sku))!, deps);
    expect(stored.bundle?.components).toEqual(bundle.bundle!.components);
    for (const component of bundle.bundle!.components) expect(await productIdOfSku(deps, component.sku)).toBeDefined();

    const cola = await getProduct((await productIdOfSku(deps, 'DR-COCA-COLA-ORIGINAL-TASTE-8PK'))!, deps);
    const eightPack = cola.variants.find((v) => v.sku === 'DR-COCA-COLA-ORIGINAL-TASTE-8PK')!;
    expect(eightPack.unitPrice).toEqual({ amount: Math.round((550 * 1000) / 2640), currency: 'GBP', per: 'l' });
  });

  it('skips a second run after two reads and leaves the catalog as it was', async () => {
    const again = await seedSampleCatalog({ deps, catalog });
    expect(again).toEqual({ categories: 0, products: 0, skipped: true });
    expect(await allProductIds(deps)).toHaveLength(catalog.products.length);
    expect((await listCategories({ tree: false }, deps)).items).toHaveLength(sample.categories.length);
  });
});

describe('seedSampleCatalog after an interrupted run', () => {
  // Sixty products are enough to interrupt and resume (the finish marker is the last product of whichever
  // catalog is seeded). DynamoDB Local runs transactions one at a time for every
  // test file at once, so this correctness test gets room for a busy machine.
  it('finishes the seed without duplicating what the first run wrote', { timeout: 180_000 }, async () => {
    const deps = await freshTable();
    const catalog: SampleCatalog = { ...sample, products: sample.products.slice(0, 60) };
    const partial: SampleCatalog = { ...sample, products: sample.products.slice(0, 20) };
    expect(await seedSampleCatalog({ deps, catalog: partial })).toMatchObject({ products: 20, skipped: false });

    const resumed = await seedSampleCatalog({ deps, catalog });
    expect(resumed).toEqual({ categories: 0, products: 40, skipped: false });
    const ids = await allProductIds(deps);
    expect(ids).toHaveLength(60);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('refuses to adopt a SKU that another product already owns', async () => {
    const deps = await freshTable();
    const bananas = sample.products[0]!;
    const categories = sample.categories.filter((c) => bananas.category.startsWith(c.path));
    await seedSampleCatalog({ deps, catalog: { ...sample, categories, products: [{ ...bananas, slug: 'not-the-sample-bananas' }] } });

    await expect(seedSampleCatalog({ deps, catalog: { ...sample, categories, products: [bananas] } })).rejects.toThrow(
      `its SKU ${bananas.variants[0]!.sku} belongs to product`,
    );
  });
});
