import { logger } from '../observability/logger.js';
import { ACTIVE_PROMOTIONS_MAX_AGE_SECONDS } from '../promotions/queries.js';
import { buildFromTable } from './build.js';
import { applyChange, feedCovers, readChanges, resumeFrom } from './change-feed.js';
import { searchDeps, type SearchDeps } from './deps.js';
import type { SearchIndex } from './index.js';
import { currentOfferTargets } from './offers.js';
import { readSnapshot } from './snapshot.js';

/** How often a warm function looks for new changes: the index is at most this much older than the feed. */
const POLL_INTERVAL_MS = 5_000;

/**
 * How often a warm function re-reads the running promotions and recomputes the on-offer facet.
 * Promotions start and end without any catalog change for the feed to carry; with the promotions
 * cache of as long again, a promotion starting or ending shows within a minute.
 */
const OFFERS_INTERVAL_MS = ACTIVE_PROMOTIONS_MAX_AGE_SECONDS * 1000;

interface State {
  index: SearchIndex;
  /** The newest feed time applied (or the snapshot's watermark); the next poll resumes a little before it. */
  feedAt: string;
  /** When the feed was last read, in epoch milliseconds. */
  polledAt: number;
  /** When the running promotions were last read, in epoch milliseconds. */
  offersAt: number;
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
 * the last read is more than `pollIntervalMs` old, and the running promotions (recomputing which
 * products are on offer) when they were read more than `offersIntervalMs` ago.
 */
export class LiveIndex implements IndexSource {
  private state: Promise<State> | undefined;
  private polling: Promise<number> | undefined;

  constructor(
    private readonly deps: SearchDeps,
    private readonly pollIntervalMs = POLL_INTERVAL_MS,
    private readonly offersIntervalMs = OFFERS_INTERVAL_MS,
  ) {}

  /** The index, loaded on first use and no staler than the poll and offers intervals. */
  async current(): Promise<SearchIndex> {
    this.state ??= this.load().catch((error: unknown) => {
      // A failed cold start must not poison the container: the next request tries again.
      this.state = undefined;
      throw error;
    });
    const state = await this.state;
    if (this.due(state)) {
      this.polling ??= this.refresh(state).finally(() => (this.polling = undefined));
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
      ? { index: snapshot.index, feedAt: snapshot.watermark, polledAt: 0, offersAt: 0 }
      : { index: await buildFromTable(this.deps), feedAt: startedAt, polledAt: 0, offersAt: this.deps.now().getTime() };
    const applied = await this.refresh(state);
    logger.info('search index loaded', {
      source: snapshot ? 'snapshot' : found ? 'table, the snapshot being older than the feed' : 'table',
      snapshotBytes: snapshot?.bytes,
      products: state.index.documentCount,
      changesApplied: applied,
      ms: Math.round(performance.now() - started),
    });
    return state;
  }

  private due(state: State): { feed: boolean; offers: boolean } | undefined {
    const now = this.deps.now().getTime();
    const feed = now - state.polledAt >= this.pollIntervalMs;
    const offers = now - state.offersAt >= this.offersIntervalMs;
    return feed || offers ? { feed, offers } : undefined;
  }

  /** Reads whatever is due (the feed, the promotions) at once; returns how many feed records changed the index. */
  private async refresh(state: State): Promise<number> {
    const due = this.due(state);
    const [applied] = await Promise.all([due?.feed ? this.poll(state) : 0, due?.offers ? this.refreshOffers(state) : undefined]);
    return applied;
  }

  /** Recomputes which products are on offer from the running promotions. */
  private async refreshOffers(state: State): Promise<void> {
    const readAt = this.deps.now().getTime();
    const targets = await currentOfferTargets(this.deps);
    const started = performance.now();
    const changed = state.index.setOffers(targets);
    state.offersAt = readAt;
    if (changed > 0) logger.info('search on-offer recomputed', { changed, ms: Number((performance.now() - started).toFixed(2)) });
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
