import { BatchGetCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import { queryAll } from '../db/query.js';
import { backoff, type TransactItem } from '../db/transact.js';
import { INDEXES, keys } from '../db/keys.js';
import { attributeTerms } from './attributes.js';
import type { CatalogDeps } from './deps.js';
import { Category, Product } from './model.js';

/**
 * The catalog's items in the single table, and the few ways they are read and written. Items
 * carry `entityType` and `schemaVersion`; reading one back strips the storage-only attributes
 * and parses it with the model's schema, so a drifted item fails loudly instead of leaking out.
 */

export const CATEGORY_SCHEMA_VERSION = 1;
export const PRODUCT_SCHEMA_VERSION = 1;
/**
 * Version 2 added `productStatus` (the claiming product's status) and `bundledBy` (the active bundles listing the SKU as a
 * component), which make "a bundle's components are on sale" and "a product in an active bundle cannot be retired"
 * conditions on this one item (migration 0006 gave older claims both).
 */
export const SKU_CLAIM_SCHEMA_VERSION = 2;

/** A category with the ids of its ancestors, root first, which the item stores so that a product's inherited attribute definitions are one batch read away. */
export interface StoredCategory {
  category: Category;
  ancestorIds: string[];
  /** How many products and children have joined it (`joinCategory`): what a retirement or move conditions on. */
  memberWrites: number;
}

/** The gsi1 partition holding every category. */
const CATEGORY_TREE = keys.categoryTree('').gsi1pk;


/** The table item of a category: keyed by id, and listed in gsi1 under `CATEGORIES` by path. */
export function categoryItem({ category, ancestorIds }: Pick<StoredCategory, 'category' | 'ancestorIds'>): Record<string, unknown> {
  return {
    ...keys.category(category.id),
    ...keys.categoryTree(category.path),
    entityType: 'Category',
    schemaVersion: CATEGORY_SCHEMA_VERSION,
    ...category,
    ancestorIds,
  };
}

/** Reads a category item back, parsed with the model's schema. */
export function categoryFromItem(item: Record<string, unknown>): StoredCategory {
  const { pk: _pk, sk: _sk, gsi1pk: _gsi1pk, gsi1sk: _gsi1sk, entityType: _type, schemaVersion: _version, ancestorIds, memberWrites, ...rest } = item;
  return {
    category: Category.parse(rest),
    ancestorIds: (ancestorIds as string[] | undefined) ?? [],
    memberWrites: typeof memberWrites === 'number' ? memberWrites : 0,
  };
}

/** The condition that a category's `memberWrites` is still `count`, and its values: nobody joined it since it was read. */
export function unchangedMembers(count: number): { condition: string; values: Record<string, unknown> } {
  return count === 0 ? { condition: 'attribute_not_exists(memberWrites)', values: {} } : { condition: 'memberWrites = :writes', values: { ':writes': count } };
}

/**
 * The write by which a product or a child category joins a category: on condition that the category exists, is still at
 * the path the caller read (a move in between would leave the newcomer at the old path) and is not retired, it counts one
 * more `memberWrites`. Retiring a category is conditioned on that count not having moved since it checked the category
 * was empty, so a product or child that joins in between makes the retirement fail instead of landing in a retired one.
 */
export function joinCategory(deps: CatalogDeps, categoryId: string, path: string): TransactItem {
  return {
    Update: {
      TableName: deps.tableName,
      Key: keys.category(categoryId),
      UpdateExpression: 'ADD memberWrites :one',
      ConditionExpression: 'attribute_exists(pk) AND #path = :path AND (attribute_not_exists(#status) OR #status = :active)',
      ExpressionAttributeNames: { '#path': 'path', '#status': 'status' },
      ExpressionAttributeValues: { ':one': 1, ':path': path, ':active': 'active' },
    },
  };
}

/** Claims a category path for one category; `attribute_not_exists` on it makes paths unique. */
export function categoryPathClaimItem(path: string, categoryId: string): Record<string, unknown> {
  return { ...keys.categoryPath(path), entityType: 'CategoryPath', schemaVersion: CATEGORY_SCHEMA_VERSION, categoryId };
}

/**
 * The table item of a product: keyed by id, listed in gsi1 by category path then id, and carrying
 * `attrTerms` (see `attributeTerms`) for the listing's attribute filters.
 */
export function productItem(product: Product): Record<string, unknown> {
  return {
    ...keys.product(product.id),
    ...keys.productListing(product.categoryPath, product.id),
    entityType: 'Product',
    schemaVersion: PRODUCT_SCHEMA_VERSION,
    ...product,
    attrTerms: attributeTerms(product.attributes),
  };
}

/** Reads a product item back, parsed with the model's schema. */
export function productFromItem(item: Record<string, unknown>): Product {
  const { pk: _pk, sk: _sk, gsi1pk: _gsi1pk, gsi1sk: _gsi1sk, entityType: _type, schemaVersion: _version, attrTerms: _terms, ...rest } = item;
  return Product.parse(rest);
}

/**
 * Claims a SKU for one product: catalog-wide uniqueness, and lookup of a product by SKU. The claim mirrors its product's
 * status, and later holds `bundledBy` (a string set of the active bundles using the SKU), so that joining a bundle and
 * retiring the product both write this one item and exactly one of two racing changes wins.
 */
export function skuClaimItem(sku: string, productId: string, productStatus: Product['status']): Record<string, unknown> {
  return { ...keys.sku(sku), entityType: 'SkuClaim', schemaVersion: SKU_CLAIM_SCHEMA_VERSION, sku, productId, productStatus };
}

/**
 * The update of a product item to its next version, on condition that it is still at `expectedVersion`.
 * Only `fields` are written (set when defined, removed when not), plus what is derived from them;
 * everything else on the item, such as `images`, is left to the operations that own it.
 */
export function versionedProductUpdate(
  deps: CatalogDeps,
  next: Product,
  expectedVersion: number,
  fields: readonly (keyof Product)[],
): TransactItem {
  const item = productItem(next);
  const set = [...fields.filter((f) => next[f] !== undefined), 'version', 'updatedAt', 'gsi1sk', 'attrTerms'];
  const remove = fields.filter((f) => next[f] === undefined);
  const names: Record<string, string> = { '#version': 'version' };
  const values: Record<string, unknown> = { ':expected': expectedVersion };
  set.forEach((field, i) => {
    names[`#s${i}`] = field;
    values[`:s${i}`] = item[field];
  });
  remove.forEach((field, i) => {
    names[`#r${i}`] = field;
  });
  return {
    Update: {
      TableName: deps.tableName,
      Key: keys.product(next.id),
      UpdateExpression: [
        `SET ${set.map((_, i) => `#s${i} = :s${i}`).join(', ')}`,
        ...(remove.length > 0 ? [`REMOVE ${remove.map((_, i) => `#r${i}`).join(', ')}`] : []),
      ].join(' '),
      ConditionExpression: 'attribute_exists(pk) AND #version = :expected',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
  };
}

/** One category with its ancestor ids; `undefined` when it does not exist. `consistent` for a read a write will be conditioned on. */
export async function getCategory(deps: CatalogDeps, id: string, consistent = false): Promise<StoredCategory | undefined> {
  const { Item } = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: keys.category(id), ConsistentRead: consistent }));
  return Item ? categoryFromItem(Item) : undefined;
}

/** Reads categories by id in one or more batches; ids that do not exist are simply absent from the map. */
export async function getCategories(deps: CatalogDeps, ids: readonly string[]): Promise<Map<string, StoredCategory>> {
  const found = new Map<string, StoredCategory>();
  const unique = [...new Set(ids)];
  for (let start = 0; start < unique.length; start += 100) {
    let request: Record<string, { Keys: Record<string, unknown>[] }> | undefined = {
      [deps.tableName]: { Keys: unique.slice(start, start + 100).map((id): Record<string, unknown> => ({ ...keys.category(id) })) },
    };
    for (let attempt = 0; request && Object.keys(request).length > 0; attempt += 1) {
      if (attempt > 0) await backoff(attempt);
      const result = await deps.db.send(new BatchGetCommand({ RequestItems: request }));
      for (const item of result.Responses?.[deps.tableName] ?? []) {
        const stored = categoryFromItem(item);
        found.set(stored.category.id, stored);
      }
      request = result.UnprocessedKeys as typeof request;
    }
  }
  return found;
}

/**
 * A category with its ancestors: the chain from the root down to it, which decides the attribute
 * definitions its products follow. `undefined` when the category does not exist.
 */
export async function getCategoryChain(deps: CatalogDeps, id: string): Promise<Category[] | undefined> {
  const stored = await getCategory(deps, id);
  if (!stored) return undefined;
  const ancestors = await getCategories(deps, stored.ancestorIds);
  const chain = stored.ancestorIds.map((ancestorId) => ancestors.get(ancestorId)?.category);
  if (chain.some((c) => c === undefined)) throw new Error(`category ${id} names an ancestor that does not exist`);
  return [...(chain as Category[]), stored.category];
}

/** Every category, in path order (a parent before its children). */
export async function queryAllCategories(deps: CatalogDeps): Promise<StoredCategory[]> {
  const items = await queryAll(deps, {
    TableName: deps.tableName,
    IndexName: INDEXES.gsi1.name,
    KeyConditionExpression: '#pk = :pk',
    ExpressionAttributeNames: { '#pk': INDEXES.gsi1.partition },
    ExpressionAttributeValues: { ':pk': CATEGORY_TREE },
  });
  return items.map(categoryFromItem);
}

/** One product as stored, read consistently because updates compare its version; `undefined` when it does not exist. */
export async function getProductRecord(deps: CatalogDeps, id: string): Promise<Product | undefined> {
  const { Item } = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: keys.product(id), ConsistentRead: true }));
  return Item ? productFromItem(Item) : undefined;
}
