import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../infra/local/engines/credentials.js';
import { INDEXES, keys } from '../../../shared/db/keys.js';
import { unitPrice } from '../../../shared/catalog/units.js';
import type { Variant } from '../../../shared/catalog/model.js';
import { serveFromChild } from '../../lib/child.js';

/**
 * The reference server of the http section: plain `node:http` running the very DynamoDB queries of
 * `GET /products` (gsi1 `PRODUCTS`, active products, the same page size and query window) and
 * answering with the same JSON shape, but with no router, authorizer, middleware, validation or
 * logging. What the platform costs above this is the framework's overhead.
 */

export interface BareServerInput {
  dynamodbEndpoint: string;
  tableName: string;
}

/** Attributes that exist on the item for indexing only; the API never shows them. */
const INTERNAL = new Set(['pk', 'sk', 'gsi1pk', 'gsi1sk', 'entityType', 'schemaVersion', 'attrTerms']);
const MAX_QUERY_WINDOW = 100;

async function start(input: BareServerInput) {
  const db = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: input.dynamodbEndpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS }),
    { marshallOptions: { removeUndefinedValues: true } },
  );
  const products = keys.productListing('', '').gsi1pk;

  const view = (item: Record<string, unknown>) => {
    const out: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(item)) if (!INTERNAL.has(name)) out[name] = value;
    out.variants = (item.variants as Variant[]).map((v) => ({ ...v, unitPrice: unitPrice(v) }));
    return out;
  };

  const list = async (limit: number) => {
    const found: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    let nextCursor: string | null = null;
    const cursorOf = (key: Record<string, unknown>) => Buffer.from(JSON.stringify(key)).toString('base64url');
    for (;;) {
      const page = await db.send(
        new QueryCommand({
          TableName: input.tableName,
          IndexName: INDEXES.gsi1.name,
          KeyConditionExpression: '#gpk = :gpk',
          FilterExpression: '#status = :status',
          ExpressionAttributeNames: { '#gpk': INDEXES.gsi1.partition, '#status': 'status' },
          ExpressionAttributeValues: { ':gpk': products, ':status': 'active' },
          ExclusiveStartKey: start,
          Limit: Math.min(MAX_QUERY_WINDOW, (limit - found.length) * 2),
        }),
      );
      found.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
      if (found.length > limit) {
        found.length = limit;
        const last = found.at(-1)!;
        nextCursor = cursorOf({ pk: last.pk, sk: last.sk, gsi1pk: last.gsi1pk, gsi1sk: last.gsi1sk });
        break;
      }
      if (!start) break;
      if (found.length === limit) {
        nextCursor = cursorOf(start);
        break;
      }
    }
    return { items: found.map(view), nextCursor };
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://bench');
    if (req.method !== 'GET' || url.pathname !== '/products') {
      res.writeHead(404).end();
      return;
    }
    const limit = Math.min(100, Math.max(1, Number(url.searchParams.get('limit') ?? 20) || 20));
    list(limit).then(
      (page) => {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(page));
      },
      (error: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error));
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    value: { url: `http://127.0.0.1:${port}` },
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      db.destroy();
    },
  };
}

await serveFromChild(start);
