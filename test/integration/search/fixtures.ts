import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSRecord } from 'aws-lambda';
import type { z } from 'zod';
import type { EventContract } from '../../../events/contract.js';
import { createCategory } from '../../../shared/catalog/categories.js';
import { catalogDeps } from '../../../shared/catalog/deps.js';
import { createProduct } from '../../../shared/catalog/products.js';
import type { CreateProductInput } from '../../../shared/catalog/requests.js';
import type { ProductView } from '../../../shared/catalog/views.js';
import { dynamo } from '../../../shared/db/client.js';
import { stockItem } from '../../../shared/inventory/stock-repository.js';
import { searchDeps, type SearchDeps } from '../../../shared/search/deps.js';
import { engines } from '../../support/engines.js';
import { staff, uniqueSku, uniqueSlug } from '../catalog/fixtures.js';
import { openStore } from '../inventory/fixtures.js';

export { openStore, staff, uniqueSku, uniqueSlug };

/** Search dependencies on the test table and the test exports bucket. */
export function testSearchDeps(overrides: Partial<SearchDeps> = {}): SearchDeps {
  return searchDeps({ tableName: engines().tableName, snapshotBucket: () => engines().buckets.exports, ...overrides });
}

export const catalogWrites = () => catalogDeps({ tableName: engines().tableName });

/** A root category and a child of it, with slugs no other test uses. */
export async function categories(): Promise<{ root: string; child: string }> {
  const root = await createCategory({ slug: uniqueSlug('search-root'), name: 'Search root' }, staff, catalogWrites());
  const child = await createCategory({ slug: uniqueSlug('search-child'), name: 'Search child', parentId: root.id }, staff, catalogWrites());
  return { root: root.id, child: child.id };
}

/** A product with one `each` variant (a fresh SKU unless given). */
export function product(categoryId: string, name: string, extra: Partial<CreateProductInput> = {}): Promise<ProductView> {
  return createProduct(
    {
      name,
      categoryId,
      taxCategory: 'food',
      variants: [{ sku: uniqueSku('SRCH'), name: 'Each', soldBy: 'each', price: { amount: 150, currency: 'GBP' } }],
      ...extra,
    },
    staff,
    catalogWrites(),
  );
}

/** Sets a SKU's stock at a store as inventory would leave it. */
export async function stock(sku: string, storeId: string, available: number, version = 1): Promise<void> {
  await dynamo.send(
    new PutCommand({
      TableName: engines().tableName,
      Item: stockItem({ sku, storeId, available, reserved: 0, committed: 0, leadTimeDays: 2, version, updatedAt: new Date().toISOString() }),
    }),
  );
}

/** An event as EventBridge hands it to a queue: its envelope around our own. */
export function delivered<S extends z.ZodType>(contract: EventContract<S>, data: z.input<S>, id = uniqueSlug('event')) {
  return {
    version: '0',
    id: `eb-${id}`,
    source: contract.source,
    'detail-type': contract.detailType,
    time: new Date().toISOString(),
    detail: { id, version: contract.version, occurredAt: new Date().toISOString(), data },
  };
}

/** An SQS record carrying `body`. */
export function sqsRecord(body: unknown): SQSRecord {
  return {
    messageId: `m-${Math.random().toString(36).slice(2)}`,
    receiptHandle: 'r',
    body: JSON.stringify(body),
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(Date.now()), SenderId: 'test', ApproximateFirstReceiveTimestamp: String(Date.now()) },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:eu-west-2:000000000000:search',
    awsRegion: 'eu-west-2',
  };
}
