import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import sampleFile from '../../integration-files/catalog/sample-catalog.json' with { type: 'json' };
import { keys } from '../db/keys.js';
import { ConflictError } from '../errors.js';
import { createCategory } from './categories.js';
import { catalogDeps, type Actor, type CatalogDeps } from './deps.js';
import { AttributeDefinition, Currency, Slug } from './model.js';
import { createProduct } from './products.js';
import { getProductRecord, queryAllCategories } from './repository.js';
import { CreateProductRequest } from './requests.js';

/** A materialized category path of slugs from the root: `fresh-produce/fruit`. */
const CategoryPath = z
  .string()
  .max(400)
  .refine((path) => path.split('/').every((slug) => Slug.safeParse(slug).success), 'must be slugs joined by /');

const SampleCategory = z.strictObject({
  path: CategoryPath,
  name: z.string().min(1).max(80),
  tags: z.array(z.string().min(1).max(40)).max(30),
  attributes: z.array(AttributeDefinition).max(40),
});
export type SampleCategory = z.infer<typeof SampleCategory>;

/** A product as the seed file holds it: a create request that names its category by path instead of id. */
const SampleProduct = CreateProductRequest.omit({ categoryId: true }).extend({ category: CategoryPath });
export type SampleProduct = z.infer<typeof SampleProduct>;

/** The shape of `integration-files/catalog/sample-catalog.json`, in zod; its JSON Schema sits beside it. */
export const SampleCatalog = z.strictObject({
  $schema: z.string().optional(),
  name: z.string().min(1).max(120),
  description: z.string().max(2000).optional(),
  currency: Currency,
  categories: z.array(SampleCategory).min(1),
  products: z.array(SampleProduct).min(1),
});
export type SampleCatalog = z.infer<typeof SampleCatalog>;

/** The checked-in sample catalog, parsed (so a malformed file fails here, not halfway through a seed). */
export function sampleCatalog(): SampleCatalog {
  return SampleCatalog.parse(sampleFile);
}

export interface SeedOptions {
  /** Defaults to the production dependencies with event publishing turned off: seeding is not news. */
  deps?: CatalogDeps;
  /**
   * How many writes run at once. DynamoDB Local runs transactions one at a time, so beyond a few
   * this only queues; on DynamoDB proper it scales until the table's write throughput.
   */
  concurrency?: number;
  /** Defaults to the checked-in sample catalog. */
  catalog?: SampleCatalog;
}

export interface SeedResult {
  /** Categories created by this call. */
  categories: number;
  /** Products created by this call. */
  products: number;
  /** True when the catalog was already fully seeded and nothing was attempted. */
  skipped: boolean;
}

const SEED_ACTOR: Actor = { actor: 'seed' };

/**
 * Loads the sample catalog through the catalog use-cases, so every category and product gets the
 * same validation, SKU claims, audit and events as one created over HTTP.
 *
 * Idempotent and resumable: categories already present (by path) and products already present (by
 * SKU, owned by a product of the same slug) are left alone. The last product of the file is written
 * only after all others have committed, so its SKU claim marks a finished seed, and a later call that
 * finds it (held by that very product) returns `skipped` after two reads. Categories go parent-first, a level at a time; products
 * go with bounded concurrency, bundles after the products they are made of.
 * @throws Error when a sample SKU belongs to a product that the seed did not write
 */
export async function seedSampleCatalog(options: SeedOptions = {}): Promise<SeedResult> {
  const deps = options.deps ?? catalogDeps();
  const concurrency = options.concurrency ?? 8;
  const catalog = options.catalog ?? sampleCatalog();
  const sentinel = catalog.products.at(-1)!;
  if ((await ownerOfFirstSku(deps, sentinel)).isSample) return { categories: 0, products: 0, skipped: true };

  const { ids, created: categories } = await seedCategories(deps, catalog.categories, concurrency);
  const createOne = (product: SampleProduct) => seedProduct(deps, product, ids);
  const rest = catalog.products.slice(0, -1);
  const results = [
    ...(await mapLimit(
      rest.filter((p) => !p.bundle),
      concurrency,
      createOne,
    )),
    ...(await mapLimit(
      rest.filter((p) => p.bundle),
      concurrency,
      createOne,
    )),
    await createOne(sentinel),
  ];
  return { categories, products: results.filter(Boolean).length, skipped: false };
}

/** Who holds a sample product's first SKU, and whether that is the sample product itself (same slug). */
async function ownerOfFirstSku(deps: CatalogDeps, sample: SampleProduct): Promise<{ ownerId: string | undefined; isSample: boolean }> {
  const sku = sample.variants[0]!.sku;
  const { Item } = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: keys.sku(sku), ConsistentRead: true }));
  const ownerId = Item?.productId as string | undefined;
  const owner = ownerId ? await getProductRecord(deps, ownerId) : undefined;
  return { ownerId, isSample: owner !== undefined && owner.slug === sample.slug };
}

async function existingCategoryIds(deps: CatalogDeps): Promise<Map<string, string>> {
  return new Map((await queryAllCategories(deps)).map(({ category }) => [category.path, category.id]));
}

async function seedCategories(
  deps: CatalogDeps,
  categories: readonly SampleCategory[],
  concurrency: number,
): Promise<{ ids: Map<string, string>; created: number }> {
  const ids = await existingCategoryIds(deps);
  const depthOf = (c: SampleCategory) => c.path.split('/').length;
  const deepest = Math.max(...categories.map(depthOf));
  let created = 0;
  for (let depth = 1; depth <= deepest; depth += 1) {
    const level = categories.filter((c) => depthOf(c) === depth && !ids.has(c.path));
    const made = await mapLimit(level, concurrency, async (category) => {
      const segments = category.path.split('/');
      const parentPath = segments.slice(0, -1).join('/');
      const parentId = parentPath ? ids.get(parentPath) : null;
      if (parentId === undefined) throw new Error(`sample category ${category.path} comes before its parent ${parentPath}`);
      try {
        const view = await createCategory(
          { slug: segments.at(-1)!, name: category.name, parentId, tags: category.tags, attributes: category.attributes },
          SEED_ACTOR,
          deps,
        );
        return { path: category.path, id: view.id, created: true };
      } catch (error) {
        if (!(error instanceof ConflictError && error.code === 'category-exists')) throw error;
        const id = (await existingCategoryIds(deps)).get(category.path);
        if (!id) throw error;
        return { path: category.path, id, created: false };
      }
    });
    for (const result of made) {
      ids.set(result.path, result.id);
      if (result.created) created += 1;
    }
  }
  return { ids, created };
}

/** Creates one sample product; false when an earlier seed already did. */
async function seedProduct(deps: CatalogDeps, sample: SampleProduct, categoryIds: ReadonlyMap<string, string>): Promise<boolean> {
  const { category, ...request } = sample;
  const categoryId = categoryIds.get(category);
  if (!categoryId) throw new Error(`sample product ${sample.slug} names an unknown category ${category}`);
  try {
    await createProduct({ ...request, categoryId }, SEED_ACTOR, deps);
    return true;
  } catch (error) {
    if (!(error instanceof ConflictError && error.code === 'sku-taken')) throw error;
    const { ownerId, isSample } = await ownerOfFirstSku(deps, sample);
    if (!isSample) {
      const owner = ownerId ?? 'another product';
      throw new Error(`sample product ${sample.slug} cannot be seeded: its SKU ${sample.variants[0]!.sku} belongs to product ${owner}`, {
        cause: error,
      });
    }
    return false;
  }
}

/** Maps with at most `limit` calls in flight, keeping the input order in the result. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
