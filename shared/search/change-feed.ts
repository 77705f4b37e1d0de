import { ulid } from 'ulid';
import { z } from 'zod';
import { Id } from '../catalog/model.js';
import { batchPut } from '../db/batch.js';
import { INDEXES, keys, TTL_ATTRIBUTE } from '../db/keys.js';
import { queryAll } from '../db/query.js';
import type { SearchDeps } from './deps.js';
import { SearchDocument } from './document.js';
import type { SearchIndex } from './index.js';

/**
 * The search index's change feed: compact records, in the table, of what changed for search
 * (a product's new document, a product taken out, a SKU's stock at a store, a new category),
 * each read from the table's current state when it was written. Search functions apply the
 * records newer than their snapshot on top of it, then poll for more, so the index stays fresh
 * without being rebuilt per change.
 */

/** Version 2: product documents no longer carry `onOffer` (promotions decide it, in the index). */
const SEARCH_CHANGE_SCHEMA_VERSION = 2;

/** Records outlive the snapshot interval many times over; after a day nothing needs them. */
const RETENTION_SECONDS = 24 * 60 * 60;

/**
 * How far back a reader looks behind the newest record it has applied. A record is stamped just
 * before it is written, and the index it is read through is eventually consistent, so one can
 * appear a little after a later-stamped one; re-reading this window catches it, and versions make
 * applying a record twice harmless.
 */
const FEED_OVERLAP_MS = 5_000;

export const SearchChange = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('product'), document: SearchDocument }),
  z.strictObject({ kind: z.literal('product-removed'), productId: Id, version: z.number().int().positive() }),
  z.strictObject({
    kind: z.literal('stock'),
    sku: z.string(),
    storeId: z.string(),
    available: z.number().int(),
    version: z.number().int().nonnegative(),
  }),
  z.strictObject({ kind: z.literal('category'), category: z.strictObject({ id: Id, name: z.string(), parentId: Id.nullable() }) }),
]);
export type SearchChange = z.infer<typeof SearchChange>;

export type FeedDeps = Pick<SearchDeps, 'db' | 'tableName' | 'now'>;

/** Appends changes to the feed. Writing the same change twice is harmless, so this needs no condition. */
export async function appendChanges(deps: FeedDeps, changes: readonly SearchChange[]): Promise<void> {
  const now = deps.now();
  const at = now.toISOString();
  await batchPut(
    deps,
    changes.map((change) => ({
      ...keys.searchChange(at, ulid(now.getTime())),
      entityType: 'SearchChange',
      schemaVersion: SEARCH_CHANGE_SCHEMA_VERSION,
      at,
      change: SearchChange.parse(change),
      [TTL_ATTRIBUTE]: Math.floor(now.getTime() / 1000) + RETENTION_SECONDS,
    })),
  );
}

export interface FeedRecord {
  at: string;
  change: SearchChange;
}

const SEARCH_CHANGES = keys.searchChange('', '').gsi1pk;

/** Every record stamped after `after` (an ISO time), oldest first. */
export async function readChanges(deps: FeedDeps, after: string): Promise<FeedRecord[]> {
  const items = await queryAll(deps, {
    TableName: deps.tableName,
    IndexName: INDEXES.gsi1.name,
    KeyConditionExpression: '#pk = :pk AND #sk > :after',
    ExpressionAttributeNames: { '#pk': INDEXES.gsi1.partition, '#sk': INDEXES.gsi1.sort },
    ExpressionAttributeValues: { ':pk': SEARCH_CHANGES, ':after': after },
  });
  return items.map((item) => ({ at: item.at as string, change: SearchChange.parse(upgraded(item)) }));
}

/**
 * A record's change in the current shape. Version 1 records, written before promotions drove the
 * on-offer facet, stay in the feed for a day after that change and carry a document `onOffer`
 * that the strict schema would refuse; it is dropped.
 */
function upgraded(item: Record<string, unknown>): unknown {
  const change = item.change as { kind?: unknown; document?: Record<string, unknown> };
  if (item.schemaVersion !== 1 || change.kind !== 'product' || change.document === undefined) return change;
  const { onOffer: _onOffer, ...document } = change.document;
  return { ...change, document };
}

/**
 * Applies one change to an index.
 * @returns whether the index changed (false for a change it already had, or an older one)
 */
export function applyChange(index: SearchIndex, change: SearchChange): boolean {
  switch (change.kind) {
    case 'product':
      return index.upsert(change.document);
    case 'product-removed':
      return index.remove(change.productId, change.version);
    case 'stock':
      return index.setStock(change.sku, change.storeId, change.available, change.version);
    case 'category':
      index.addCategory(change.category);
      return true;
  }
}

/**
 * Whether the feed still holds every record written since `at`. Records live a day; a snapshot older
 * than that cannot be brought up to date from the feed, and the index must be built from the table.
 */
export function feedCovers(at: string, now: Date): boolean {
  return now.getTime() - Date.parse(at) < RETENTION_SECONDS * 1000;
}

/** The ISO time `ms` milliseconds before `at`: where a reader resumes so that late records are not missed. */
export function resumeFrom(at: string, ms = FEED_OVERLAP_MS): string {
  return new Date(Date.parse(at) - ms).toISOString();
}
