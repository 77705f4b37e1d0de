import { reportToParent } from '../../lib/child.js';
import { percentile } from '../../lib/stats.js';
import { SearchIndex } from '../../../shared/search/index.js';
import { decodeSnapshot, encodeSnapshot } from '../../../shared/search/snapshot.js';
import { benchCatalog } from './catalog.js';
import { benchQueries } from './queries.js';

export interface IndexRunInput {
  products: number;
  stores: number;
  iterations: number;
  warmup: number;
}

export interface LatencyFigures {
  name: string;
  p50: number;
  p99: number;
  /** CPU time of the process per run: a busy neighbour delays a run's wall time, hardly its CPU time. */
  cpuP50?: number;
  cpuP99?: number;
  max: number;
  iterations: number;
  total: number;
}

export interface IndexRunResult {
  skus: number;
  buildMs: number;
  stockMs: number;
  heapMb: number;
  /** Heap held by the copy loaded from the snapshot: what a search function holds, with nothing shared with the generator. */
  loadedHeapMb: number;
  queries: LatencyFigures[];
  /** The first query again on an index whose text cache is on: what paging and facet clicks cost. */
  cached: LatencyFigures;
  snapshot: { bytes: number; encodeMs: number; decodeMs: number };
  updates: { upsertUs: number; stockUs: number; offersMs: number };
}

const heapMb = () => {
  global.gc!();
  return process.memoryUsage().heapUsed / 2 ** 20;
};

function time(name: string, iterations: number, warmup: number, run: () => number): LatencyFigures {
  let total = 0;
  for (let i = 0; i < warmup; i++) total = run();
  const samples: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    total = run();
    samples.push(performance.now() - started);
    const used = process.cpuUsage(cpuBefore);
    cpu.push((used.user + used.system) / 1000);
  }
  return {
    name,
    p50: percentile(samples, 50),
    p99: percentile(samples, 99),
    cpuP50: percentile(cpu, 50),
    cpuP99: percentile(cpu, 99),
    max: Math.max(...samples),
    iterations,
    total,
  };
}

/**
 * Builds the index from a generated catalog in this process (run with --expose-gc, so heap figures
 * are after a collection), then times queries, a snapshot round trip and incremental changes.
 */
async function runIndex(input: IndexRunInput): Promise<IndexRunResult> {
  const catalog = benchCatalog(input.products, input.stores);
  const before = heapMb();
  let started = performance.now();
  // The text cache is off for the timed queries: each one pays for its text search.
  const index = new SearchIndex(undefined, { textCacheDocs: 0 });
  for (const c of catalog.categories) index.addCategory(c);
  for (const document of catalog.documents) index.upsert(document);
  index.setOffers(catalog.offers);
  const buildMs = performance.now() - started;
  started = performance.now();
  for (const level of catalog.stock) index.setStock(level.sku, level.storeId, level.available, 1);
  const stockMs = performance.now() - started;
  const heap = heapMb() - before;

  const queries = benchQueries(catalog).map((q) => time(q.name, input.iterations, input.warmup, () => index.query(q.query).total));

  started = performance.now();
  const bytes = await encodeSnapshot(index, new Date().toISOString(), new Date());
  const encodeMs = performance.now() - started;
  const beforeLoad = heapMb();
  started = performance.now();
  const loaded = (await decodeSnapshot(bytes)).index;
  const decodeMs = performance.now() - started;
  const loadedHeapMb = heapMb() - beforeLoad;
  const first = benchQueries(catalog)[0]!;
  const cached = time(`${first.name}, text cached`, input.iterations, input.warmup, () => loaded.query(first.query).total);

  const replaced = catalog.documents.slice(0, 1000);
  started = performance.now();
  for (const document of replaced) index.upsert({ ...document, version: 2, name: `${document.name} new` });
  const upsertUs = ((performance.now() - started) * 1000) / replaced.length;
  const levels = catalog.stock.slice(0, 10_000);
  started = performance.now();
  for (const level of levels) index.setStock(level.sku, level.storeId, level.available > 0 ? 0 : 5, 2);
  const stockUs = ((performance.now() - started) * 1000) / levels.length;
  // Alternating with no offers at all, so that every run flips every promoted product's bit.
  const recomputes = 50;
  started = performance.now();
  for (let i = 0; i < recomputes; i++) index.setOffers(i % 2 === 0 ? { skus: [], categoryIds: [] } : catalog.offers);
  const offersMs = (performance.now() - started) / recomputes;

  return {
    skus: catalog.documents.reduce((n, d) => n + d.skus.length, 0),
    buildMs,
    stockMs,
    heapMb: heap,
    loadedHeapMb,
    queries,
    cached,
    snapshot: { bytes: bytes.length, encodeMs, decodeMs },
    updates: { upsertUs, stockUs, offersMs },
  };
}

await reportToParent(runIndex);
