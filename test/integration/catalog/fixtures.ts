import { randomBytes } from 'node:crypto';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { expect } from 'vitest';
import type { EventContract } from '../../../events/contract.js';
import { catalogDeps, type CatalogDeps } from '../../../shared/catalog/deps.js';
import { catalogEventId } from '../../../shared/catalog/events.js';
import type { AttributeDefinition } from '../../../shared/catalog/model.js';
import { createCategory } from '../../../shared/catalog/categories.js';
import type { CreateProductInput } from '../../../shared/catalog/requests.js';
import { dynamo } from '../../../shared/db/client.js';
import { INDEXES, keys, type Key } from '../../../shared/db/keys.js';
import { AppError } from '../../../shared/errors.js';
import { engines } from '../../support/engines.js';

/** Catalog dependencies on the test table. */
export function testDeps(overrides: Partial<CatalogDeps> = {}): CatalogDeps {
  return catalogDeps({ tableName: engines().tableName, ...overrides });
}

/** A catalog event as its outbox item holds it: what the relay will put on the bus. */
export interface StoredEvent {
  source: string;
  detailType: string;
  id: string;
  correlationId?: string;
  data: Record<string, unknown>;
}

/**
 * The catalog event about `subject` (its id is derived from the change, see `catalogEventId`),
 * read back from the outbox item the change's transaction wrote; undefined when it wrote none.
 */
export async function outboxEventOf(contract: EventContract, subject: string): Promise<StoredEvent | undefined> {
  const item = await itemAt(keys.outboxEvent(catalogEventId(contract, subject)));
  if (!item) return undefined;
  const envelope = JSON.parse(item.detail as string) as { id: string; correlationId?: string; data: Record<string, unknown> };
  return {
    source: item.source as string,
    detailType: item.detailType as string,
    id: envelope.id,
    ...(envelope.correlationId ? { correlationId: envelope.correlationId } : {}),
    data: envelope.data,
  };
}

export const staff = { actor: 'user-staff-1', correlationId: 'it-correlation' };

const token = () => randomBytes(5).toString('hex');

/** A slug no other test file uses, so that each test's category subtree is its own. */
export const uniqueSlug = (base: string) => `${base}-${token()}`;

/** A SKU no other test uses. */
export const uniqueSku = (base: string) => `${base}-${token()}`.toUpperCase();

export const brandAndDietary: AttributeDefinition[] = [
  { name: 'brand', type: 'string', required: true },
  { name: 'dietary', type: 'multi-enum', values: ['vegan', 'vegetarian', 'gluten-free'], required: false },
];

/** A root category with brand (required) and dietary attributes, and `fruit`, `fruit/apples` and `fruit-juice` below it. */
export async function categoryTree(deps: CatalogDeps) {
  const root = await createCategory({ slug: uniqueSlug('fresh'), name: 'Fresh', attributes: brandAndDietary }, staff, deps);
  const fruit = await createCategory(
    { slug: 'fruit', name: 'Fruit', parentId: root.id, attributes: [{ name: 'origin', type: 'enum', values: ['GB', 'ES'] }] },
    staff,
    deps,
  );
  const apples = await createCategory({ slug: 'apples', name: 'Apples', parentId: fruit.id }, staff, deps);
  const juice = await createCategory({ slug: 'fruit-juice', name: 'Fruit juice', parentId: root.id }, staff, deps);
  return { root, fruit, apples, juice };
}

/** A valid product request in a category, with one 400 g variant per SKU. */
export function productInput(categoryId: string, skus: string[], extra: Partial<CreateProductInput> = {}): CreateProductInput {
  return {
    name: 'Test product',
    categoryId,
    taxCategory: 'food',
    attributes: { brand: 'Acme' },
    variants: skus.map((sku, i) => ({
      sku,
      name: `${400 * (i + 1)} g`,
      soldBy: 'each',
      price: { amount: 120 * (i + 1), currency: 'GBP' },
      netContent: { quantity: 400 * (i + 1), unit: 'g' },
    })),
    ...extra,
  };
}

/** The raw item at a key, or undefined. */
export async function itemAt(key: Key): Promise<Record<string, unknown> | undefined> {
  const { Item } = await dynamo.send(new GetCommand({ TableName: engines().tableName, Key: key, ConsistentRead: true }));
  return Item;
}

/** Raw product items listed under a category path prefix in gsi1. */
export async function productItemsUnder(path: string): Promise<Record<string, unknown>[]> {
  const { Items = [] } = await dynamo.send(
    new QueryCommand({
      TableName: engines().tableName,
      IndexName: INDEXES.gsi1.name,
      KeyConditionExpression: 'gsi1pk = :pk AND begins_with(gsi1sk, :path)',
      ExpressionAttributeValues: { ':pk': 'PRODUCTS', ':path': path },
    }),
  );
  return Items;
}

/** Raw audit items of one product, oldest first. */
export async function auditItemsOf(productId: string): Promise<Record<string, unknown>[]> {
  const { pk } = keys.audit('product', productId, '', '');
  const { Items = [] } = await dynamo.send(
    new QueryCommand({
      TableName: engines().tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': pk },
      ConsistentRead: true,
    }),
  );
  return Items;
}

/** Awaits a promise expected to fail with an AppError and returns it. */
export async function appError(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}
