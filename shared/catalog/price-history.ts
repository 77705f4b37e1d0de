import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { actorKindOf, ActorKind } from '../audit/audit-entry.js';
import { keys, PREFIXES } from '../db/keys.js';
import { NotFoundError } from '../errors.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { catalogDeps, type CatalogDeps } from './deps.js';
import { Id, Money, Sku } from './model.js';
import { parseInput } from './requests.js';

/**
 * A product's price history, read from its own audit partition (`AUDIT#product#<id>`): every price change is audited in
 * the transaction that makes it (`priceChangeAuditItem`), so the audit is the history and nothing else has to keep one.
 */

/** The audit action of a price change, as `priceChangeAuditItem` writes it. */
const PRICE_CHANGED = 'price-changed';
/** Most audit entries one request evaluates; other actions in the partition are filtered out after DynamoDB reads them. */
const MAX_QUERY_WINDOW = 100;

/** `GET /products/{id}/prices` query: a page size and the cursor of the previous page. */
export const PriceHistoryQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().optional(),
});
export type PriceHistoryQueryInput = z.input<typeof PriceHistoryQuery>;

/** One price change: who made it, when, in which request, and each SKU's price before and after. */
export const PriceHistoryEntry = z.strictObject({
  id: z.string(),
  at: z.string(),
  actor: z.string(),
  actorKind: ActorKind,
  correlationId: z.string().optional(),
  changes: z.array(z.strictObject({ sku: Sku, from: Money, to: Money })),
});
export type PriceHistoryEntry = z.infer<typeof PriceHistoryEntry>;

/** One page of a product's price history, newest first. */
export const PriceHistoryPage = z.strictObject({
  items: z.array(PriceHistoryEntry),
  /** Pass back as `cursor` for the next (older) page; `null` on the last one. */
  nextCursor: z.string().nullable(),
});
export type PriceHistoryPage = z.infer<typeof PriceHistoryPage>;

/** What a price-history cursor holds: the table key of the last entry read, in this product's audit partition. */
function cursorKey(productId: string) {
  return z.strictObject({
    pk: z.literal(keys.audit('product', productId, '', '').pk),
    sk: z.string().startsWith(PREFIXES.auditEntry),
  });
}

/**
 * An audited price change as the API shows it, its SKUs in code-point order: a DynamoDB map keeps no order of its keys,
 * so the order they were written in is gone once stored.
 */
export function toPriceHistoryEntry(item: Record<string, unknown>): PriceHistoryEntry {
  const before = (item.before ?? {}) as Record<string, unknown>;
  const after = (item.after ?? {}) as Record<string, unknown>;
  const actor = String(item.actor);
  return PriceHistoryEntry.parse({
    id: item.id,
    at: item.at,
    actor,
    actorKind: item.actorKind ?? actorKindOf(actor),
    ...(typeof item.correlationId === 'string' ? { correlationId: item.correlationId } : {}),
    changes: Object.keys(after)
      .sort()
      .map((sku) => ({ sku, from: before[sku], to: after[sku] })),
  });
}

/**
 * A product's price changes, newest first, a page at a time. A product with no price change yet has an empty history;
 * one that does not exist is a 404 (its audit partition may outlive nothing, but a typo should not look like "no changes").
 * @throws NotFoundError (404) when there is no such product
 * @throws ValidationError (400) for a bad limit or a cursor this listing did not hand out
 */
export async function listPriceHistory(productId: string, query: PriceHistoryQueryInput, deps: CatalogDeps = catalogDeps()): Promise<PriceHistoryPage> {
  const id = parseInput(Id, productId, 'path.id');
  const filters = parseInput(PriceHistoryQuery, query, 'query');
  let start: Record<string, unknown> | undefined = filters.cursor === undefined ? undefined : decodeCursor(filters.cursor, cursorKey(id));
  const { Item } = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: keys.product(id), ProjectionExpression: 'pk' }));
  if (!Item) throw new NotFoundError('Product', id);

  const items: PriceHistoryEntry[] = [];
  let nextCursor: string | null = null;
  for (;;) {
    const page = await deps.db.send(
      new QueryCommand({
        TableName: deps.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :at)',
        FilterExpression: '#action = :action',
        ExpressionAttributeNames: { '#action': 'action' },
        ExpressionAttributeValues: { ':pk': keys.audit('product', id, '', '').pk, ':at': PREFIXES.auditEntry, ':action': PRICE_CHANGED },
        ScanIndexForward: false,
        ExclusiveStartKey: start,
        Limit: Math.min(MAX_QUERY_WINDOW, (filters.limit - items.length) * 2),
      }),
    );
    const read = page.Items ?? [];
    const taken = read.slice(0, filters.limit - items.length);
    items.push(...taken.map(toPriceHistoryEntry));
    if (items.length === filters.limit) {
      // The page is full: go on after its last entry, unless that was the partition's last.
      const last = taken.at(-1)!;
      if (taken.length < read.length || page.LastEvaluatedKey) nextCursor = encodeCursor({ pk: last.pk, sk: last.sk });
      break;
    }
    if (!page.LastEvaluatedKey) break;
    start = page.LastEvaluatedKey;
  }
  return { items, nextCursor };
}
