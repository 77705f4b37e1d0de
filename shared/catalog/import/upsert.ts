import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import { keys, type Key } from '../../db/keys.js';
import { validateAttributes } from '../attributes.js';
import type { Actor, CatalogDeps } from '../deps.js';
import { productCreatedEvent, productUpdateEvents } from '../events.js';
import { Product, type AttributeValue, type Variant } from '../model.js';
import { priceChangeAuditItem, priceChanges } from '../price-changes.js';
import { productFromItem, productItem, skuClaimItem, versionedProductUpdate } from '../repository.js';
import { TransactionCancelled, transactWrite, type TransactItem } from '../../db/transact.js';
import { typeAttributes, type CategoryResolver, type ResolvedCategory } from './categories.js';
import { mapLimit } from './concurrency.js';
import { canonicalJson, contentHash } from './content-hash.js';
import type { ProductGroup } from './group.js';
import type { ImportCounts } from './job.js';
import { packTransactions, type PackLimits } from './pack.js';
import type { ParsedLine, RowError } from './parse-row.js';

/** What happened to a row that did not fail. */
export type RowOutcome = 'created' | 'updated' | 'unchanged';

/** The fields an import sets; images, bundle and status belong to other operations and are left alone. */
const IMPORTED_FIELDS = [
  'slug',
  'name',
  'brand',
  'description',
  'categoryId',
  'categoryPath',
  'tags',
  'attributes',
  'taxCategory',
  'ageRestricted',
  'variants',
] as const satisfies readonly (keyof Product)[];

/** A product holds at most this many variants (the model's limit). */
const MAX_VARIANTS = 50;
/** Attempts at one product when racing writers keep changing it between read and write. */
const MAX_ATTEMPTS = 4;

/** How a chunk's writes are grouped into transactions, and how many of them run at once. */
export interface TransactionLimits extends PackLimits {
  concurrency: number;
}

export const TRANSACTION_LIMITS: TransactionLimits = { items: 100, products: 10, bytes: 2 * 1024 * 1024, concurrency: 4 };

export interface ImportContext {
  deps: CatalogDeps;
  /** `import:<jobId>`: the actor of audit entries and events. */
  who: Actor;
  categories: CategoryResolver;
}

/** The outcome of one chunk: its counters and its row errors in row order. */
export interface ChunkResult {
  counts: ImportCounts;
  errors: RowError[];
}

interface Prepared {
  lines: ParsedLine[];
  category: ResolvedCategory;
  attributes: Record<string, AttributeValue>;
}

interface GroupOutcome {
  outcomes: RowOutcome[];
  errors: RowError[];
}

/** What the table says about a chunk's SKUs: who claims each, and those products. */
interface State {
  claims: Map<string, string>;
  products: Map<string, Product>;
}

function failAll(lines: readonly ParsedLine[], field: string, message: string): RowError[] {
  return lines.map((l) => ({ row: l.row, sku: l.variant.sku, field, message }));
}

function importedContent(product: Product): Pick<Product, (typeof IMPORTED_FIELDS)[number]> {
  return Object.fromEntries(IMPORTED_FIELDS.map((f) => [f, product[f]])) as Pick<Product, (typeof IMPORTED_FIELDS)[number]>;
}

/** Resolves the group's category and types its attributes against it; a failure there fails every row of the product. */
async function prepare(ctx: ImportContext, lines: ParsedLine[]): Promise<Prepared | RowError[]> {
  const product = lines[0]!.product;
  const category = await ctx.categories.resolve(product.categoryPath);
  if (!category) return failAll(lines, 'category_path', `no category has the path ${product.categoryPath}`);
  const attributes = typeAttributes(product.attributes, category.definitions);
  const problems = validateAttributes(attributes, category.definitions, 'attributes');
  if (problems.length > 0) {
    return lines.flatMap((l) =>
      problems.map((p) => ({ row: l.row, sku: l.variant.sku, field: 'attributes', message: `${p.field.slice('attributes.'.length)} ${p.message}` })),
    );
  }
  return { lines, category, attributes };
}

async function batchGet(deps: CatalogDeps, wanted: readonly Key[]): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for (let start = 0; start < wanted.length; start += 100) {
    let request: Record<string, { Keys: Record<string, unknown>[]; ConsistentRead: boolean }> | undefined = {
      [deps.tableName]: { Keys: wanted.slice(start, start + 100).map((k) => ({ ...k })), ConsistentRead: true },
    };
    for (let attempt = 0; request && Object.keys(request).length > 0; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.random() * 25 * 2 ** attempt));
      const result = await deps.db.send(new BatchGetCommand({ RequestItems: request }));
      items.push(...(result.Responses?.[deps.tableName] ?? []));
      request = result.UnprocessedKeys as typeof request;
    }
  }
  return items;
}

/**
 * Reads who claims each SKU and the products that claim them, strongly consistent so other chunks' commits are seen.
 * `known` holds claims already read (by the probe), which are not read again.
 */
async function readState(deps: CatalogDeps, skus: readonly string[], known: ReadonlyMap<string, string> = new Map()): Promise<State> {
  const claims = new Map(known);
  for (const item of await batchGet(
    deps,
    [...new Set(skus)].filter((sku) => !known.has(sku)).map((sku) => keys.sku(sku)),
  )) {
    claims.set(item.sku as string, item.productId as string);
  }
  const products = new Map<string, Product>();
  for (const item of await batchGet(
    deps,
    [...new Set(claims.values())].map((id) => keys.product(id)),
  )) {
    const product = productFromItem(item);
    products.set(product.id, product);
  }
  return { claims, products };
}

/**
 * The chunk's reading, one key per product where it can: the claim of each product's first SKU is
 * read first, and only products whose first SKU is already claimed (updates, re-runs, resumed runs)
 * have all their SKUs and their product read. A product whose first SKU is free is planned as new
 * without reading the rest: reading every SKU of a first import added about 7% to the time of
 * its writes on DynamoDB Local, and nothing is lost by not reading, since every claim is written on
 * condition that the SKU is free. If one of the others is taken after all, the transaction is cancelled and the
 * product is written alone after a full read (`upsertAlone`).
 */
async function probeState(deps: CatalogDeps, prepared: readonly Prepared[]): Promise<State> {
  const firstSkus = prepared.map((p) => p.lines[0]!.variant.sku);
  const probed = new Map<string, string>();
  for (const item of await batchGet(
    deps,
    [...new Set(firstSkus)].map((sku) => keys.sku(sku)),
  )) {
    probed.set(item.sku as string, item.productId as string);
  }
  const claimed = prepared.filter((p) => probed.has(p.lines[0]!.variant.sku));
  return readState(
    deps,
    claimed.flatMap((p) => p.lines.map((l) => l.variant.sku)),
    probed,
  );
}

function claimPut(deps: CatalogDeps, sku: string, productId: string, status: Product['status']): TransactItem {
  return { Put: { TableName: deps.tableName, Item: skuClaimItem(sku, productId, status), ConditionExpression: 'attribute_not_exists(pk)' } };
}

/** Runs a transaction; `false` when a condition failed because someone else wrote first. */
async function tryCommit(deps: CatalogDeps, items: TransactItem[]): Promise<boolean> {
  try {
    await transactWrite(deps, items);
    return true;
  } catch (error) {
    if (error instanceof TransactionCancelled) return false;
    throw error;
  }
}

function productFields(prepared: Prepared) {
  const fields = prepared.lines[0]!.product;
  return {
    slug: fields.slug,
    name: fields.name,
    brand: fields.brand,
    description: fields.description,
    categoryId: prepared.category.category.id,
    categoryPath: prepared.category.category.path,
    tags: fields.tags,
    attributes: prepared.attributes,
    taxCategory: fields.taxCategory,
    ageRestricted: fields.ageRestricted,
  };
}

/** A product's write, its events included, ready to commit alone or together with other products' writes. */
interface Plan {
  /** The product written; one transaction may not touch it twice. */
  productId: string;
  items: TransactItem[];
  /** Rough size of the items, to keep a shared transaction well under DynamoDB's 4 MB. */
  bytes: number;
  outcome: GroupOutcome;
}

/**
 * Plans one product's write from its rows, given what the table held when the chunk was read.
 * Rows whose SKU another product claims fail; the product is the one claiming the first claimed
 * SKU, or a new one. The write is conditional on that reading (SKUs still free, the product still
 * at its version), so a concurrent writer makes it fail rather than overwrite anything. Returns
 * the outcome directly when nothing needs writing, and `retry` when the reading is inconsistent.
 *
 * Unlike a single create, the transaction does not re-check the category: every product of a
 * category would then share that one item, and concurrent transactions on one item cancel each
 * other (TransactionConflict), serializing the whole import. Categories are never deleted, and
 * the job resolved this one moments ago.
 */
function planGroup(ctx: ImportContext, prepared: Prepared, state: State): Plan | GroupOutcome | 'retry' {
  const { deps, who } = ctx;
  const errors: RowError[] = [];
  const ownerId = prepared.lines.map((l) => state.claims.get(l.variant.sku)).find((id) => id !== undefined);
  const lines = prepared.lines.filter((l) => {
    const claimant = state.claims.get(l.variant.sku);
    if (claimant === undefined || claimant === ownerId) return true;
    errors.push({ row: l.row, sku: l.variant.sku, field: 'sku', message: `SKU ${l.variant.sku} already belongs to another product (${claimant})` });
    return false;
  });
  const current = ownerId === undefined ? undefined : state.products.get(ownerId);
  if (ownerId !== undefined && !current) return 'retry';

  const before = current?.variants ?? [];
  const known = new Set(before.map((v) => v.sku));
  const room = MAX_VARIANTS - before.length;
  const fresh = lines.filter((l) => !known.has(l.variant.sku));
  const overflow = new Set(fresh.slice(Math.max(0, room)).map((l) => l.row));
  for (const l of lines) {
    if (overflow.has(l.row)) {
      errors.push({ row: l.row, sku: l.variant.sku, field: 'sku', message: `a product has at most ${MAX_VARIANTS} variants; this one would have more` });
    }
  }
  const kept = lines.filter((l) => !overflow.has(l.row));
  if (kept.length === 0) return { outcomes: [], errors };

  const incoming = new Map(kept.map((l) => [l.variant.sku, l.variant]));
  const added = kept.filter((l) => !known.has(l.variant.sku)).map((l) => l.variant);
  const variants: Variant[] = [...before.map((v) => incoming.get(v.sku) ?? v), ...added];
  const now = deps.now().toISOString();

  if (!current) {
    const product = Product.parse({
      id: deps.newId(),
      ...productFields(prepared),
      variants,
      images: [],
      status: 'active',
      version: 1,
      createdAt: now,
      updatedAt: now,
    } satisfies Product);
    const item = productItem(product);
    return {
      productId: product.id,
      items: [
        { Put: { TableName: deps.tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' } },
        ...variants.map((v) => claimPut(deps, v.sku, product.id, product.status)),
        productCreatedEvent(deps, product, who),
      ],
      bytes: JSON.stringify(item).length,
      outcome: { outcomes: kept.map(() => 'created'), errors },
    };
  }

  const candidate: Product = { ...current, ...productFields(prepared), variants };
  if (contentHash(importedContent(candidate)) === contentHash(importedContent(current))) {
    return { outcomes: kept.map(() => 'unchanged'), errors };
  }
  const next = Product.parse({ ...candidate, version: current.version + 1, updatedAt: now });
  const changedFields = IMPORTED_FIELDS.filter((f) => f !== 'categoryPath' && canonicalJson(current[f]) !== canonicalJson(next[f]));
  const productLevelChanged = changedFields.some((f) => f !== 'variants');
  const previous = new Map(before.map((v) => [v.sku, canonicalJson(v)]));
  const changes = priceChanges(current.variants, next.variants);
  const update = versionedProductUpdate(deps, next, current.version, IMPORTED_FIELDS);
  return {
    productId: next.id,
    items: [
      update,
      ...added.map((v) => claimPut(deps, v.sku, next.id, next.status)),
      ...(changes.length > 0 ? [{ Put: { TableName: deps.tableName, Item: priceChangeAuditItem(next.id, changes, who, now) } }] : []),
      ...productUpdateEvents(deps, next, { changedFields, addedSkus: added.map((v) => v.sku), removedSkus: [], prices: changes }, who),
    ],
    bytes: JSON.stringify(update).length,
    outcome: {
      outcomes: kept.map((l): RowOutcome => {
        const was = previous.get(l.variant.sku);
        if (was === undefined) return 'created';
        return productLevelChanged || was !== canonicalJson(l.variant) ? 'updated' : 'unchanged';
      }),
      errors,
    },
  };
}

/** Writes one product on its own, re-reading and planning again when a concurrent writer got there first. */
async function upsertAlone(ctx: ImportContext, prepared: Prepared): Promise<GroupOutcome> {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const state = await readState(
      ctx.deps,
      prepared.lines.map((l) => l.variant.sku),
    );
    const plan = planGroup(ctx, prepared, state);
    if (plan === 'retry') continue;
    if (!('items' in plan)) return plan;
    if (await tryCommit(ctx.deps, plan.items)) return plan.outcome;
  }
  return {
    outcomes: [],
    errors: failAll(prepared.lines, 'sku', 'the product kept changing while it was imported; import the file again to apply this row'),
  };
}

/**
 * Writes a chunk of products: a consistent batch read of what the table holds (`probeState`: one
 * SKU claim per product, and more only for products that exist), then the changed products in
 * shared conditional transactions (`packTransactions`), a few at a time. Unchanged products are
 * not written at all, and an existing product claims only its new SKUs. If a shared transaction is
 * cancelled (some product changed since the read, or a SKU assumed free was taken), its products
 * are written one by one, each re-read first.
 *
 * Idempotent: a product whose imported content already matches is left untouched, so a re-run (or
 * a resumed run) only writes what is still missing.
 */
export async function writeChunk(ctx: ImportContext, groups: readonly ProductGroup[], limits = TRANSACTION_LIMITS): Promise<ChunkResult> {
  const errors: RowError[] = groups.flatMap((g) => g.errors);
  const prepared: Prepared[] = [];
  for (const group of groups) {
    if (group.lines.length === 0) continue;
    const result = await prepare(ctx, group.lines);
    if (Array.isArray(result)) errors.push(...result);
    else prepared.push(result);
  }
  const state = await probeState(ctx.deps, prepared);
  const outcomes: GroupOutcome[] = [];
  const planned: { prepared: Prepared; plan: Plan }[] = [];
  const alone: Prepared[] = [];
  const planning = new Set<string>();
  for (const p of prepared) {
    const plan = planGroup(ctx, p, state);
    if (plan === 'retry') alone.push(p);
    else if (!('items' in plan)) outcomes.push(plan);
    // Two slugs of the file can name SKUs of one existing product; a transaction may not write an item twice.
    else if (planning.has(plan.productId)) alone.push(p);
    else {
      planning.add(plan.productId);
      planned.push({ prepared: p, plan });
    }
  }
  const transactions = packTransactions(planned, (p) => ({ items: p.plan.items.length, bytes: p.plan.bytes }), limits);
  await mapLimit(transactions, limits.concurrency, async (batch) => {
    if (await tryCommit(ctx.deps, batch.flatMap((b) => b.plan.items))) {
      outcomes.push(...batch.map((b) => b.plan.outcome));
    } else {
      alone.push(...batch.map((b) => b.prepared));
    }
  });
  outcomes.push(...(await mapLimit(alone, limits.concurrency, (p) => upsertAlone(ctx, p))));

  const counts: ImportCounts = { total: groups.reduce((n, g) => n + g.rowCount, 0), created: 0, updated: 0, unchanged: 0, failed: 0 };
  for (const result of outcomes) {
    errors.push(...result.errors);
    for (const outcome of result.outcomes) counts[outcome]++;
  }
  errors.sort((a, b) => a.row - b.row);
  counts.failed = new Set(errors.map((e) => e.row)).size;
  return { counts, errors };
}
