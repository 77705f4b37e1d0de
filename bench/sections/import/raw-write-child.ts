import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../infra/local/engines/credentials.js';
import { reportToParent } from '../../lib/child.js';
import { catalogRows } from './catalog-data.js';

/**
 * The import section's ceiling: the same rows written as plain items (one per row, every cell an
 * attribute) with BatchWriteItem, 25 per request and as many requests in flight as the import
 * worker keeps. No reading, parsing, validation or transactions: only what DynamoDB Local can take.
 */

export interface RawWriteInput {
  dynamodbEndpoint: string;
  tableName: string;
  rows: number;
  variantsPerProduct: number;
  concurrency: number;
}

export interface RawWriteResult {
  rows: number;
  ms: number;
  requests: number;
}

const BATCH = 25;

function* batches(input: RawWriteInput): Generator<Record<string, unknown>[]> {
  let batch: Record<string, unknown>[] = [];
  for (const row of catalogRows(input.rows, input.variantsPerProduct)) {
    const item: Record<string, unknown> = { pk: `ROW#${row.product_slug}`, sk: `SKU#${row.sku}` };
    for (const [name, value] of Object.entries(row)) if (value !== '') item[name] = value;
    batch.push(item);
    if (batch.length === BATCH) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

async function write(input: RawWriteInput): Promise<RawWriteResult> {
  const db = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: input.dynamodbEndpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS }),
  );
  const source = batches(input);
  let requests = 0;
  let written = 0;
  const worker = async () => {
    for (let next = source.next(); !next.done; next = source.next()) {
      let pending: Record<string, unknown>[] = next.value.map((Item) => ({ PutRequest: { Item } }));
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.random() * 25 * 2 ** Math.min(attempt, 6)));
        requests++;
        const result = await db.send(new BatchWriteCommand({ RequestItems: { [input.tableName]: pending as never } }));
        const unprocessed = (result.UnprocessedItems?.[input.tableName] ?? []) as Record<string, unknown>[];
        written += pending.length - unprocessed.length;
        pending = unprocessed;
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: input.concurrency }, worker));
  const ms = performance.now() - started;
  db.destroy();
  if (written !== input.rows) throw new Error(`raw write stored ${written} of ${input.rows} rows`);
  return { rows: written, ms, requests };
}

await reportToParent(write);
