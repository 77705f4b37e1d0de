import { keys } from '../db/keys.js';
import { ConflictError, NotFoundError, ValidationError, type FieldError } from '../errors.js';
import { effectiveDefinitions, validateAttributes } from './attributes.js';
import { catalogDeps, type Actor, type CatalogDeps } from './deps.js';
import { productCreatedEvent, productUpdateEvents } from './events.js';
import { applyMergePatch, jsonEqual } from './merge-patch.js';
import { Product, type Category } from './model.js';
import { priceChangeAuditItem, priceChanges } from './price-changes.js';
import { getCategoryChain, getProductRecord, productItem, skuClaimItem, versionedProductUpdate } from './repository.js';
import { TransactionCancelled, transactWrite, type TransactItem } from '../db/transact.js';
import { versionRequired } from '../http/if-match.js';
import { CreateProductRequest, parseInput, UpdateProductRequest, type CreateProductInput, type UpdateProductInput } from './requests.js';
import { toProductView, type ProductView } from './views.js';

/** DynamoDB's limit on the items of one transaction. */
const MAX_TRANSACTION_ITEMS = 100;

/** The fields a merge patch may change; everything else is owned by the system or by other operations (images). */
const EDITABLE = [
  'slug',
  'name',
  'brand',
  'description',
  'categoryId',
  'tags',
  'attributes',
  'taxCategory',
  'ageRestricted',
  'variants',
  'bundle',
  'status',
] as const satisfies readonly (keyof Product)[];
type EditableField = (typeof EDITABLE)[number];

/** A URL-safe slug from a product name: "Crème Fraîche 300ml" → `creme-fraiche-300ml`. */
export function slugify(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 80)
    .replace(/^-+|-+$/g, '');
}

/** A transaction item and what its failed condition means to the caller. */
type Step =
  | { kind: 'product' }
  | { kind: 'claim'; sku: string }
  | { kind: 'release'; sku: string }
  | { kind: 'component'; index: number; sku: string }
  | { kind: 'category' }
  | { kind: 'audit' }
  | { kind: 'event' };

interface Planned {
  item: TransactItem;
  step: Step;
}

/** Checks that need the whole product: distinct SKUs, sound bundles, and attributes that fit the category. */
function productErrors(product: Pick<Product, 'variants' | 'bundle' | 'attributes'>, chain: readonly Category[] | undefined): FieldError[] {
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  product.variants.forEach((variant, i) => {
    if (seen.has(variant.sku)) errors.push({ field: `body.variants.${i}.sku`, message: `${variant.sku} appears in more than one variant` });
    seen.add(variant.sku);
  });
  const components = new Set<string>();
  product.bundle?.components.forEach((component, i) => {
    if (seen.has(component.sku)) {
      errors.push({ field: `body.bundle.components.${i}.sku`, message: 'a bundle cannot contain one of its own variants' });
    }
    if (components.has(component.sku)) {
      errors.push({ field: `body.bundle.components.${i}.sku`, message: `${component.sku} is listed more than once` });
    }
    components.add(component.sku);
  });
  if (chain) errors.push(...validateAttributes(product.attributes, effectiveDefinitions(chain)));
  return errors;
}

async function categoryChainOrError(deps: CatalogDeps, categoryId: string): Promise<Category[]> {
  const chain = await getCategoryChain(deps, categoryId);
  if (!chain) throw new ValidationError([{ field: 'body.categoryId', message: `no category has the id ${categoryId}` }]);
  return chain;
}

function componentChecks(deps: CatalogDeps, product: Pick<Product, 'bundle'>): Planned[] {
  return (product.bundle?.components ?? []).map((component, index) => ({
    item: { ConditionCheck: { TableName: deps.tableName, Key: keys.sku(component.sku), ConditionExpression: 'attribute_exists(pk)' } },
    step: { kind: 'component', index, sku: component.sku },
  }));
}

function categoryCheck(deps: CatalogDeps, categoryId: string): Planned {
  return {
    item: { ConditionCheck: { TableName: deps.tableName, Key: keys.category(categoryId), ConditionExpression: 'attribute_exists(pk)' } },
    step: { kind: 'category' },
  };
}

function claims(deps: CatalogDeps, productId: string, skus: readonly string[]): Planned[] {
  return skus.map((sku) => ({
    item: { Put: { TableName: deps.tableName, Item: skuClaimItem(sku, productId), ConditionExpression: 'attribute_not_exists(pk)' } },
    step: { kind: 'claim', sku },
  }));
}

/**
 * Runs the planned transaction and turns failed conditions into caller-facing errors: taken SKUs
 * are a 409 naming each of them, missing bundle components and a vanished category are a 400.
 * A failed product condition is left to `onProductConflict`, which knows what it meant.
 */
async function commit(deps: CatalogDeps, plan: readonly Planned[], onProductConflict: () => Promise<never>): Promise<void> {
  if (plan.length > MAX_TRANSACTION_ITEMS) {
    throw new ValidationError([
      {
        field: 'body.variants',
        message: `this change touches ${plan.length} SKUs, components and records; at most ${MAX_TRANSACTION_ITEMS} fit in one change, so split it`,
      },
    ]);
  }
  try {
    await transactWrite(
      deps,
      plan.map((p) => p.item),
    );
  } catch (error) {
    if (!(error instanceof TransactionCancelled)) throw error;
    const failed = error.failedConditions().map((i) => plan[i]!.step);
    const taken = failed.flatMap((s) => (s.kind === 'claim' ? [s.sku] : []));
    if (taken.length > 0) {
      throw new ConflictError('sku-taken', `SKU${taken.length > 1 ? 's' : ''} ${taken.join(', ')} already belong${taken.length > 1 ? '' : 's'} to another product.`, {
        extensions: { skus: taken },
      });
    }
    if (failed.some((s) => s.kind === 'product')) await onProductConflict();
    const fields: FieldError[] = failed.flatMap((s): FieldError[] => {
      if (s.kind === 'component') return [{ field: `body.bundle.components.${s.index}.sku`, message: `no product has the SKU ${s.sku}` }];
      if (s.kind === 'category') return [{ field: 'body.categoryId', message: 'the category no longer exists' }];
      return [];
    });
    if (fields.length > 0) throw new ValidationError(fields);
    throw error;
  }
}

/** The strong entity tag of a product version, `"3"`. */
export function productEtag(product: Pick<Product, 'version'>): string {
  return `"${product.version}"`;
}

/**
 * Adds a product. Its SKUs are claimed catalog-wide in the same transaction that writes it, and
 * a bundle's components are checked to exist in that transaction too, so nothing is written when
 * any SKU is taken; `product.created` is written in it as well.
 * @throws ValidationError (400) for bad input, an unknown category, attributes that do not fit it, or missing bundle components
 * @throws ConflictError (409, `sku-taken`) naming every SKU another product already has
 */
export async function createProduct(input: CreateProductInput, who: Actor, deps: CatalogDeps = catalogDeps()): Promise<ProductView> {
  const body = parseInput(CreateProductRequest, input);
  const chain = await categoryChainOrError(deps, body.categoryId);
  const errors = productErrors(body, chain);
  if (errors.length > 0) throw new ValidationError(errors);

  const slug = body.slug ?? slugify(body.name);
  if (slug === '') throw new ValidationError([{ field: 'body.slug', message: 'is required when the name has no letters or digits' }]);
  const now = deps.now().toISOString();
  const category = chain.at(-1)!;
  const product = Product.parse({
    id: deps.newId(),
    slug,
    name: body.name,
    brand: body.brand,
    description: body.description,
    categoryId: category.id,
    categoryPath: category.path,
    tags: [...new Set(body.tags)],
    attributes: body.attributes,
    taxCategory: body.taxCategory,
    ageRestricted: body.ageRestricted ?? body.taxCategory === 'alcohol',
    variants: body.variants,
    bundle: body.bundle,
    images: [],
    status: body.status,
    version: 1,
    createdAt: now,
    updatedAt: now,
  } satisfies Product);

  const plan: Planned[] = [
    { item: { Put: { TableName: deps.tableName, Item: productItem(product), ConditionExpression: 'attribute_not_exists(pk)' } }, step: { kind: 'product' } },
    ...claims(
      deps,
      product.id,
      product.variants.map((v) => v.sku),
    ),
    ...componentChecks(deps, product),
    categoryCheck(deps, category.id),
    { item: productCreatedEvent(deps, product, who), step: { kind: 'event' } },
  ];
  await commit(deps, plan, () => {
    throw new Error(`product id ${product.id} is already in use`);
  });
  return toProductView(product);
}

function versionConflict(productId: string, expected: number, current: number): ConflictError {
  return new ConflictError('version-mismatch', `Product ${productId} is at version ${current}, not ${expected}; read it again and reapply the change.`, {
    extensions: { expectedVersion: expected, currentVersion: current },
  });
}

function editable(product: Product): Partial<Record<EditableField, unknown>> {
  return Object.fromEntries(EDITABLE.filter((f) => product[f] !== undefined).map((f) => [f, product[f]]));
}

/**
 * Applies a JSON merge patch to a product under optimistic concurrency: the write succeeds only
 * if the product is still at the expected version (from `version` in the patch or `If-Match`).
 * In one transaction it claims new SKUs, releases removed ones, writes `product.updated` and, when
 * any price changes, the audit entry and `product.price-changed`. A patch that changes nothing
 * writes nothing and keeps the version.
 * @throws NotFoundError (404) when the product does not exist
 * @throws ConflictError (409) `version-mismatch` for a stale version, `sku-taken` for SKUs owned elsewhere
 * @throws ValidationError (400) when the patched product is not valid
 */
export async function updateProduct(
  productId: string,
  input: UpdateProductInput,
  who: Actor & { ifMatch?: string },
  deps: CatalogDeps = catalogDeps(),
): Promise<ProductView> {
  const { version: bodyVersion, ...patch } = parseInput(UpdateProductRequest, input);
  const expected = versionRequired(bodyVersion, who.ifMatch, 'product');
  const current = await getProductRecord(deps, productId);
  if (!current) throw new NotFoundError('Product', productId);
  if (current.version !== expected) throw versionConflict(productId, expected, current.version);

  const merged = applyMergePatch(editable(current), patch) as Record<string, unknown>;
  const categoryChanged = merged.categoryId !== current.categoryId;
  const chain =
    categoryChanged || patch.attributes !== undefined ? await categoryChainOrError(deps, merged.categoryId as string) : undefined;
  const now = deps.now().toISOString();
  const next = parseInput(Product, {
    ...merged,
    id: current.id,
    categoryPath: chain ? chain.at(-1)!.path : current.categoryPath,
    images: current.images,
    version: current.version + 1,
    createdAt: current.createdAt,
    updatedAt: now,
  });
  const errors = productErrors(next, chain);
  if (errors.length > 0) throw new ValidationError(errors);

  const changedFields = EDITABLE.filter((f) => !jsonEqual(current[f], next[f]));
  if (changedFields.length === 0) return toProductView(current);

  const before = new Set(current.variants.map((v) => v.sku));
  const after = new Set(next.variants.map((v) => v.sku));
  const added = [...after].filter((sku) => !before.has(sku));
  const removed = [...before].filter((sku) => !after.has(sku));
  const changes = priceChanges(current.variants, next.variants);
  const released = new Set(removed);
  const componentErrors = (next.bundle?.components ?? []).flatMap((component, i): FieldError[] =>
    released.has(component.sku) ? [{ field: `body.bundle.components.${i}.sku`, message: `${component.sku} is removed from this product by the same change` }] : [],
  );
  if (componentErrors.length > 0) throw new ValidationError(componentErrors);

  const plan: Planned[] = [
    { item: versionedProductUpdate(deps, next, expected, [...EDITABLE, 'categoryPath']), step: { kind: 'product' } },
    ...claims(deps, next.id, added),
    ...removed.map(
      (sku): Planned => ({
        item: {
          Delete: {
            TableName: deps.tableName,
            Key: keys.sku(sku),
            ConditionExpression: 'productId = :productId',
            ExpressionAttributeValues: { ':productId': next.id },
          },
        },
        step: { kind: 'release', sku },
      }),
    ),
    ...(changedFields.includes('bundle') ? componentChecks(deps, next) : []),
    ...(categoryChanged ? [categoryCheck(deps, next.categoryId)] : []),
    ...(changes.length > 0
      ? [{ item: { Put: { TableName: deps.tableName, Item: priceChangeAuditItem(next.id, changes, who, now) } }, step: { kind: 'audit' } } satisfies Planned]
      : []),
    ...productUpdateEvents(deps, next, { changedFields, addedSkus: added, removedSkus: removed, prices: changes }, who).map(
      (item): Planned => ({ item, step: { kind: 'event' } }),
    ),
  ];
  await commit(deps, plan, async () => {
    const latest = await getProductRecord(deps, productId);
    if (!latest) throw new NotFoundError('Product', productId);
    throw versionConflict(productId, expected, latest.version);
  });
  return toProductView(next);
}
