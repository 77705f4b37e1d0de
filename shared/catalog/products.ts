import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../db/keys.js';
import { ConflictError, NotFoundError, ValidationError, type FieldError } from '../errors.js';
import { effectiveDefinitions, validateAttributes } from './attributes.js';
import { catalogDeps, type Actor, type CatalogDeps } from './deps.js';
import { productCreatedEvent, productUpdateEvents } from './events.js';
import { applyMergePatch, jsonEqual } from './merge-patch.js';
import { Product, type Category } from './model.js';
import { priceChangeAuditItem, priceChanges } from './price-changes.js';
import { getCategoryChain, getProductRecord, joinCategory, productItem, skuClaimItem, versionedProductUpdate } from './repository.js';
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
  | { kind: 'in-bundle'; sku: string }
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

/** The category chain of a product's category; one the product is joining (created, moved or reinstated into) must not be retired. */
async function categoryChainOrError(deps: CatalogDeps, categoryId: string, joining = true): Promise<Category[]> {
  const chain = await getCategoryChain(deps, categoryId);
  if (!chain) throw new ValidationError([{ field: 'body.categoryId', message: `no category has the id ${categoryId}` }]);
  if (joining && chain.at(-1)!.status === 'retired') throw new ValidationError([{ field: 'body.categoryId', message: `category ${categoryId} is retired` }]);
  return chain;
}

/** The SKUs a product holds in active bundles: its components while it is an active bundle, none otherwise. */
export function bundleMembership(product: Pick<Product, 'status' | 'bundle'> | undefined): string[] {
  return product?.status === 'active' && product.bundle ? product.bundle.components.map((c) => c.sku) : [];
}

/**
 * The writes to a bundle's component claims. An active bundle joins each new component's `bundledBy` on condition that
 * the component exists and is not retired; a bundle that stops listing a component, or is itself retired, leaves it.
 * Components kept as they were are only checked to exist when the bundle changed (a retired bundle's components may
 * have been retired since, which is no reason to refuse editing it).
 */
function componentSteps(deps: CatalogDeps, before: Product | undefined, after: Product): Planned[] {
  const was = new Set(bundleMembership(before));
  const is = new Set(bundleMembership(after));
  const changed = !jsonEqual(before?.bundle, after.bundle);
  const me = new Set([after.id]);
  const steps: Planned[] = [];
  after.bundle?.components.forEach((component, index) => {
    const step = { kind: 'component', index, sku: component.sku } as const;
    const Key = keys.sku(component.sku);
    if (is.has(component.sku) && !was.has(component.sku)) {
      steps.push({
        item: {
          Update: {
            TableName: deps.tableName,
            Key,
            UpdateExpression: 'ADD bundledBy :me',
            ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(productStatus) OR productStatus = :active)',
            ExpressionAttributeValues: { ':me': me, ':active': 'active' },
          },
        },
        step,
      });
    } else if (changed && !was.has(component.sku)) {
      steps.push({ item: { ConditionCheck: { TableName: deps.tableName, Key, ConditionExpression: 'attribute_exists(pk)' } }, step });
    }
  });
  for (const sku of was) {
    if (is.has(sku)) continue;
    steps.push({
      item: {
        Update: {
          TableName: deps.tableName,
          Key: keys.sku(sku),
          UpdateExpression: 'DELETE bundledBy :me',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':me': me },
        },
      },
      step: { kind: 'event' },
    });
  }
  return steps;
}

/**
 * The claims of SKUs a product keeps, when its status changes: they mirror it, and retiring is conditioned on no active
 * bundle listing any of them (`bundledBy` absent: DynamoDB drops a set when its last member is deleted).
 */
function statusSteps(deps: CatalogDeps, productId: string, status: Product['status'], skus: readonly string[]): Planned[] {
  return skus.map((sku) => ({
    item: {
      Update: {
        TableName: deps.tableName,
        Key: keys.sku(sku),
        UpdateExpression: 'SET productStatus = :status',
        ConditionExpression: `productId = :productId${status === 'archived' ? ' AND attribute_not_exists(bundledBy)' : ''}`,
        ExpressionAttributeValues: { ':status': status, ':productId': productId },
      },
    },
    step: { kind: 'in-bundle', sku },
  }));
}

function categoryCheck(deps: CatalogDeps, categoryId: string, path: string): Planned {
  return { item: joinCategory(deps, categoryId, path), step: { kind: 'category' } };
}

function claims(deps: CatalogDeps, productId: string, status: Product['status'], skus: readonly string[]): Planned[] {
  return skus.map((sku) => ({
    item: { Put: { TableName: deps.tableName, Item: skuClaimItem(sku, productId, status), ConditionExpression: 'attribute_not_exists(pk)' } },
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
    const inBundles = failed.flatMap((s) => (s.kind === 'in-bundle' || s.kind === 'release' ? [s.sku] : []));
    if (inBundles.length > 0) throw await inBundleConflict(deps, inBundles);
    const fields: FieldError[] = failed.flatMap((s): FieldError[] => {
      if (s.kind === 'component') {
        return [{ field: `body.bundle.components.${s.index}.sku`, message: `no product on sale has the SKU ${s.sku} (none claims it, or its product is retired)` }];
      }
      if (s.kind === 'category') return [{ field: 'body.categoryId', message: 'the category was retired, moved or removed meanwhile; read it again' }];
      return [];
    });
    if (fields.length > 0) throw new ValidationError(fields);
    throw error;
  }
}

/**
 * The 409 for a product whose SKUs active bundles still list, naming the bundles (read after the refusal, only to say
 * which: the refusal itself was the transaction's condition).
 */
async function inBundleConflict(deps: CatalogDeps, skus: readonly string[]): Promise<ConflictError> {
  const bundles = new Set<string>();
  for (const sku of skus) {
    const { Item } = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: keys.sku(sku), ConsistentRead: true }));
    for (const id of (Item?.bundledBy as Set<string> | undefined) ?? []) bundles.add(id);
  }
  return new ConflictError(
    'product-in-bundle',
    `SKU${skus.length > 1 ? 's' : ''} ${skus.join(', ')} ${skus.length > 1 ? 'are components' : 'is a component'} of an active bundle; retire the bundle or take ${skus.length > 1 ? 'them' : 'it'} out of it first.`,
    { extensions: { skus: [...skus], bundles: [...bundles].sort() } },
  );
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
      product.status,
      product.variants.map((v) => v.sku),
    ),
    ...componentSteps(deps, undefined, product),
    categoryCheck(deps, category.id, category.path),
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
  // A product put back on sale rejoins its category, which must not have been retired meanwhile.
  const reinstated = current.status !== 'active' && merged.status === 'active';
  const chain =
    categoryChanged || reinstated || patch.attributes !== undefined ? await categoryChainOrError(deps, merged.categoryId as string, categoryChanged || reinstated) : undefined;
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
    ...claims(deps, next.id, next.status, added),
    ...(next.status === current.status ? [] : statusSteps(deps, next.id, next.status, [...after].filter((sku) => before.has(sku)))),
    ...removed.map(
      (sku): Planned => ({
        item: {
          Delete: {
            TableName: deps.tableName,
            Key: keys.sku(sku),
            // A SKU an active bundle lists stays: the bundle would otherwise name a component nobody sells.
            ConditionExpression: 'productId = :productId AND attribute_not_exists(bundledBy)',
            ExpressionAttributeValues: { ':productId': next.id },
          },
        },
        step: { kind: 'release', sku },
      }),
    ),
    ...componentSteps(deps, current, next),
    ...(categoryChanged || reinstated ? [categoryCheck(deps, next.categoryId, next.categoryPath)] : []),
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

/** How often retire and reinstate re-read a product that changed under them before giving up with the version conflict. */
const STATUS_CHANGE_ATTEMPTS = 3;

/**
 * Sets a product's status through `updateProduct` at whatever version it is at, so retiring and reinstating are the
 * very same change as a PATCH of `status` (claims, bundle membership, events) without the caller naming a version.
 * Asking for the status it already has answers the product as it is, so a repeated request is harmless.
 */
async function setProductStatus(productId: string, status: Product['status'], who: Actor, deps: CatalogDeps): Promise<ProductView> {
  for (let attempt = 1; ; attempt += 1) {
    const current = await getProductRecord(deps, productId);
    if (!current) throw new NotFoundError('Product', productId);
    if (current.status === status) return toProductView(current);
    try {
      return await updateProduct(productId, { version: current.version, status }, who, deps);
    } catch (error) {
      const stale = error instanceof ConflictError && error.code === 'version-mismatch';
      if (!stale || attempt >= STATUS_CHANGE_ATTEMPTS) throw error;
    }
  }
}

/**
 * Retires a product: its status becomes `archived`, so shopper listings and search drop it and carts refuse it, while
 * orders, reports and its audit keep it. Refused while an active bundle lists any of its SKUs, as a condition on those
 * SKUs' claims in the same transaction (see `statusSteps`).
 * @throws NotFoundError (404) when there is no such product
 * @throws ConflictError (409, `product-in-bundle`) naming the SKUs and the bundles that use them
 */
export function retireProduct(productId: string, who: Actor, deps: CatalogDeps = catalogDeps()): Promise<ProductView> {
  return setProductStatus(productId, 'archived', who, deps);
}

/**
 * Puts a retired product back on sale. A bundle whose components have been retired since cannot come back until they do.
 * @throws NotFoundError (404) when there is no such product
 * @throws ValidationError (400) when it is a bundle with a component that is no longer on sale
 */
export function reinstateProduct(productId: string, who: Actor, deps: CatalogDeps = catalogDeps()): Promise<ProductView> {
  return setProductStatus(productId, 'active', who, deps);
}
