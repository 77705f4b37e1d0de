import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { NoSuchKey } from '@aws-sdk/client-s3';
import { getObjectBytes, putObject } from '../storage/s3.js';
import { buildFromTable } from './build.js';
import { applyChange, readChanges, resumeFrom } from './change-feed.js';
import type { SearchDeps } from './deps.js';
import { SearchIndex, type IndexSnapshot } from './index.js';

/**
 * Index snapshots in S3: the whole index (MiniSearch's JSON and the columns), gzipped, under one
 * key that each snapshot replaces. A snapshot carries the feed position it includes, so a reader
 * applies only the changes after it.
 */

const SNAPSHOT_KEY = 'search-index/latest.json.gz';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

export interface StoredSnapshot {
  /** Every feed record stamped before this time is in the index (give or take the feed's overlap). */
  watermark: string;
  builtAt: string;
  index: IndexSnapshot;
}

export interface LoadedSnapshot {
  index: SearchIndex;
  watermark: string;
  bytes: number;
}

/** Serializes and compresses an index for storage. */
export async function encodeSnapshot(index: SearchIndex, watermark: string, builtAt: Date): Promise<Buffer> {
  const stored: StoredSnapshot = { watermark, builtAt: builtAt.toISOString(), index: index.toSnapshot() };
  return gzipAsync(JSON.stringify(stored), { level: 3 });
}

/** Reads back what `encodeSnapshot` wrote. */
export async function decodeSnapshot(bytes: Uint8Array): Promise<{ index: SearchIndex; watermark: string }> {
  const stored = JSON.parse((await gunzipAsync(bytes)).toString('utf8')) as StoredSnapshot;
  return { index: SearchIndex.fromSnapshot(stored.index), watermark: stored.watermark };
}

/** Writes a snapshot over the previous one. */
export async function writeSnapshot(deps: Pick<SearchDeps, 's3' | 'snapshotBucket'>, bytes: Buffer): Promise<void> {
  await putObject(await deps.s3(), { bucket: deps.snapshotBucket(), key: SNAPSHOT_KEY, body: bytes, contentType: 'application/gzip' });
}

/** The latest snapshot; undefined when none has been written yet. */
export async function readSnapshot(deps: Pick<SearchDeps, 's3' | 'snapshotBucket'>): Promise<LoadedSnapshot | undefined> {
  let bytes: Buffer;
  try {
    bytes = await getObjectBytes(await deps.s3(), deps.snapshotBucket(), SNAPSHOT_KEY);
  } catch (error) {
    if (error instanceof NoSuchKey) return undefined;
    throw error;
  }
  return { ...(await decodeSnapshot(bytes)), bytes: bytes.length };
}

export interface SnapshotReport {
  products: number;
  bytes: number;
  watermark: string;
  ms: number;
}

/**
 * Builds the index afresh from the table (which also compacts away the tombstones a long-lived
 * index collects), applies the changes recorded while the table was being read, and writes the
 * snapshot for search functions to start from.
 */
export async function refreshSnapshot(deps: SearchDeps): Promise<SnapshotReport> {
  const started = performance.now();
  const startedAt = deps.now().toISOString();
  const index = await buildFromTable(deps);
  let watermark = startedAt;
  for (const record of await readChanges(deps, resumeFrom(startedAt))) {
    applyChange(index, record.change);
    if (record.at > watermark) watermark = record.at;
  }
  const bytes = await encodeSnapshot(index, watermark, deps.now());
  await writeSnapshot(deps, bytes);
  return { products: index.documentCount, bytes: bytes.length, watermark, ms: Math.round(performance.now() - started) };
}
