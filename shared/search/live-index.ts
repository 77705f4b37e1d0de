import { logger } from '../observability/logger.js';
import { buildFromTable } from './build.js';
import { applyChange, feedCovers, readChanges, resumeFrom } from './change-feed.js';
import { searchDeps, type SearchDeps } from './deps.js';
import type { SearchIndex } from './index.js';
import { readSnapshot } from './snapshot.js';

/** How often a warm function looks for new changes: the index is at most this much older than the feed. */
const POLL_INTERVAL_MS = 5_000;

interface State {
  index: SearchIndex;
  /** The newest feed time applied (or the snapshot's watermark); the next poll resumes a little before it. */
  feedAt: string;
  /** When the feed was last read, in epoch milliseconds. */
  polledAt: number;
}

/** Where use-cases get the index from: a `LiveIndex` in functions, a prepared index in tests and the bench. */
export interface IndexSource {
  current(): Promise<SearchIndex>;
}

/**
 * The index a search function serves from, kept in memory for the life of its container. At cold
 * start it loads the latest snapshot from S3 and applies the change feed since the snapshot's
 * watermark; before the first snapshot exists, or when the snapshot is older than the feed reaches
 * back, it builds the index from the table instead. Afterwards a request reads the feed again when
 * the last read is more than `pollIntervalMs` old.
 */
export class LiveIndex implements IndexSource {
  private state: Promise<State> | undefined;
  private polling: Promise<number> | undefined;

  constructor(
    private readonly deps: SearchDeps,
    private readonly pollIntervalMs = POLL_INTERVAL_MS,
  ) {}

  /** The index, loaded on first use and no staler than the poll interval. */
  async current(): Promise<SearchIndex> {
    this.state ??= this.load().catch((error: unknown) => {
      // A failed cold start must not poison the container: the next request tries again.
      this.state = undefined;
      throw error;
    });
    const state = await this.state;
    if (this.deps.now().getTime() - state.polledAt >= this.pollIntervalMs) {
      this.polling ??= this.poll(state).finally(() => (this.polling = undefined));
      await this.polling;
    }
    return state.index;
  }

  private async load(): Promise<State> {
    const started = performance.now();
    const startedAt = this.deps.now().toISOString();
    const found = await readSnapshot(this.deps);
    // A snapshot older than the feed's retention would miss changes the feed no longer holds.
    const snapshot = found && feedCovers(found.watermark, this.deps.now()) ? found : undefined;
    const state: State = snapshot
      ? { index: snapshot.index, feedAt: snapshot.watermark, polledAt: 0 }
      : { index: await buildFromTable(this.deps), feedAt: startedAt, polledAt: 0 };
    const applied = await this.poll(state);
    logger.info('search index loaded', {
      source: snapshot ? 'snapshot' : found ? 'table, the snapshot being older than the feed' : 'table',
      snapshotBytes: snapshot?.bytes,
      products: state.index.documentCount,
      changesApplied: applied,
      ms: Math.round(performance.now() - started),
    });
    return state;
  }

  /** Applies the feed records since the last read; returns how many changed the index. */
  private async poll(state: State): Promise<number> {
    const polledAt = this.deps.now().getTime();
    const records = await readChanges(this.deps, resumeFrom(state.feedAt));
    let applied = 0;
    for (const record of records) {
      if (applyChange(state.index, record.change)) applied++;
      if (record.at > state.feedAt) state.feedAt = record.at;
    }
    state.polledAt = polledAt;
    return applied;
  }
}

let shared: LiveIndex | undefined;

/** The container's one live index, shared by the search and recommendation functions it serves. */
export function liveIndex(): LiveIndex {
  shared ??= new LiveIndex(searchDeps());
  return shared;
}
