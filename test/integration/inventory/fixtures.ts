import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { PutCommand, QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createCategory } from '../../../shared/catalog/categories.js';
import { catalogDeps } from '../../../shared/catalog/deps.js';
import { createProduct } from '../../../shared/catalog/products.js';
import type { CreateProductInput } from '../../../shared/catalog/requests.js';
import { dynamo } from '../../../shared/db/client.js';
import { keys } from '../../../shared/db/keys.js';
import { inventoryDeps, type InventoryDeps } from '../../../shared/inventory/deps.js';
import { readStockAt } from '../../../shared/inventory/stock-repository.js';
import type { StockItem } from '../../../shared/inventory/model.js';
import { Store } from '../../../shared/stores/model.js';
import { storeItem } from '../../../shared/stores/repository.js';
import { engines } from '../../support/engines.js';
import { itemAt, staff, uniqueSku, uniqueSlug } from '../catalog/fixtures.js';

export { itemAt, staff, uniqueSku };

/** Chain-wide stock staff: these tests are about stock, not about who may touch which store's. */
export const stockStaff = { ...staff, stores: ['*'] };
/** Every store's stock, as chain-wide staff read it. */
export const everyStore = { stores: ['*'] };

/** A clock the test moves by hand; it starts at `start` (a fixed date keeps each test's hold partitions its own). */
export function manualClock(start: string) {
  let now = new Date(start);
  return {
    now: () => new Date(now),
    advance: (seconds: number) => {
      now = new Date(now.getTime() + seconds * 1000);
    },
  };
}

/** Inventory dependencies on the test table, with an optional clock and database client. */
export function testDeps(overrides: Partial<InventoryDeps> = {}): InventoryDeps {
  return inventoryDeps({ tableName: engines().tableName, ...overrides });
}

/** An open store with an id no other test uses. */
export async function openStore(status: 'open' | 'closed' = 'open'): Promise<string> {
  const id = uniqueSlug('store');
  const at = new Date().toISOString();
  const store = Store.parse({
    id,
    name: `Test store ${id}`,
    address: { line1: '1 Test Street', city: 'London', postcode: 'E1 1AA', country: 'GB' },
    timezone: 'Europe/London',
    taxJurisdiction: 'GB',
    currency: 'GBP',
    fulfillmentModes: ['delivery', 'pickup'],
    deliveryArea: { districts: ['E1', 'SE1'], prefixes: [] },
    collectionArea: { districts: ['E1'], prefixes: [] },
    status,
    createdAt: at,
    updatedAt: at,
  });
  await dynamo.send(new PutCommand({ TableName: engines().tableName, Item: storeItem(store) }));
  return id;
}

/** Catalog writes on the test table; the products are only there for their SKUs. */
const catalogWrites = () => catalogDeps({ tableName: engines().tableName });

let categoryId: Promise<string> | undefined;
function testCategory(): Promise<string> {
  categoryId ??= createCategory({ slug: uniqueSlug('inventory'), name: 'Inventory tests' }, staff, catalogWrites()).then((c) => c.id);
  return categoryId;
}

/** Creates a product with one `each` variant per SKU (fresh SKUs unless given); returns the SKUs. */
export async function products(count: number, extra: Partial<CreateProductInput> = {}): Promise<string[]> {
  const category = await testCategory();
  const skus = Array.from({ length: count }, () => uniqueSku('INV'));
  await Promise.all(
    skus.map((sku) =>
      createProduct(
        {
          name: `Stocked ${sku}`,
          categoryId: category,
          taxCategory: 'food',
          variants: [{ sku, name: 'Each', soldBy: 'each', price: { amount: 100, currency: 'GBP' } }],
          ...extra,
        },
        staff,
        catalogWrites(),
      ),
    ),
  );
  return skus;
}

/** Creates a bundle of these components; returns its SKU. */
export async function bundle(components: { sku: string; quantity: number }[]): Promise<string> {
  const category = await testCategory();
  const sku = uniqueSku('BUNDLE');
  await createProduct(
    {
      name: `Bundle ${sku}`,
      categoryId: category,
      taxCategory: 'food',
      variants: [{ sku, name: 'Bundle', soldBy: 'each', price: { amount: 500, currency: 'GBP' } }],
      bundle: { components },
    },
    staff,
    catalogWrites(),
  );
  return sku;
}

/** One stock item, read consistently; `undefined` when never stocked. */
export async function stockOf(sku: string, storeId: string): Promise<StockItem | undefined> {
  return (await readStockAt(storeId, [sku], testDeps())).get(sku);
}

/** A document client that counts transactions and the attempts DynamoDB cancelled for a conflict with another one. */
export function countingClient(): { db: DynamoDBDocumentClient; counts: { transactions: number; conflicts: number } } {
  const counts = { transactions: 0, conflicts: 0 };
  const db = Object.create(dynamo) as DynamoDBDocumentClient;
  db.send = (async (command: unknown) => {
    if (!(command instanceof TransactWriteCommand)) return dynamo.send(command as never);
    counts.transactions += 1;
    try {
      return await dynamo.send(command);
    } catch (error) {
      if (error instanceof TransactionCanceledException && error.CancellationReasons?.some((r) => r.Code === 'TransactionConflict')) counts.conflicts += 1;
      throw error;
    }
  }) as DynamoDBDocumentClient['send'];
  return { db, counts };
}

/** The outbox item of an event id, parsed back to its envelope; `undefined` when none was written. */
export async function outboxEnvelope(eventId: string): Promise<{ data: Record<string, unknown> } | undefined> {
  const item = await itemAt(keys.outboxEvent(eventId));
  return item ? (JSON.parse(item.detail as string) as { data: Record<string, unknown> }) : undefined;
}

/** Raw audit items of one stock item, oldest first. */
export async function stockAudit(storeId: string, sku: string): Promise<Record<string, unknown>[]> {
  const { Items = [] } = await dynamo.send(
    new QueryCommand({
      TableName: engines().tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.audit('stock', `${storeId}/${sku}`, '', '').pk },
      ConsistentRead: true,
    }),
  );
  return Items;
}
