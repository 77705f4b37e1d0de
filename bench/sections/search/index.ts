import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../infra/local/engines/credentials.js';
import { startDynamoDb } from '../../../infra/local/engines/dynamodb.js';
import { batchPut } from '../../../shared/db/batch.js';
import { tableDefinition } from '../../../shared/db/table-definition.js';
import type { BenchOptions } from '../../lib/cli.js';
import { runChild } from '../../lib/child.js';
import { BENCH_DIR, check, type SectionResult } from '../../lib/results.js';
import { percentile, ratio } from '../../lib/stats.js';
import { fmt, fmtRatio } from '../../lib/table.js';
import { benchCatalog } from './catalog.js';
import type { IndexRunInput, IndexRunResult, LatencyFigures } from './index-child.js';
import { benchQueries, scanItems } from './queries.js';

/** The facet query's p99 should stay under this, in process. */
const P99_TARGET_MS = 10;
const TABLE = 'bench-search';
/** Batch writes in flight while loading the table. */
const LOAD_CONCURRENCY = 8;

/** Runs a Scan with `filter` over the whole table, page by page; returns how many items matched. */
async function scanCount(db: DynamoDBDocumentClient, scan: NonNullable<ReturnType<typeof benchQueries>[number]['scan']>): Promise<number> {
  let count = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const page = await db.send(
      new ScanCommand({
        TableName: TABLE,
        FilterExpression: scan.filter,
        ExpressionAttributeNames: scan.names,
        ExpressionAttributeValues: scan.values,
        ExclusiveStartKey: start,
      }),
    );
    count += page.Items?.length ?? 0;
    start = page.LastEvaluatedKey;
  } while (start);
  return count;
}

async function timeScans(products: number, stores: number, iterations: number): Promise<(LatencyFigures & { loadSeconds: number }) [] > {
  const catalog = benchCatalog(products, stores);
  const engine = await startDynamoDb();
  const base = new DynamoDBClient({ endpoint: engine.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  const db = DynamoDBDocumentClient.from(base);
  try {
    await base.send(new CreateTableCommand(tableDefinition(TABLE)));
    const items = scanItems(catalog);
    const started = performance.now();
    const share = Math.ceil(items.length / LOAD_CONCURRENCY);
    await Promise.all(Array.from({ length: LOAD_CONCURRENCY }, (_, i) => batchPut({ db, tableName: TABLE }, items.slice(i * share, (i + 1) * share))));
    const loadSeconds = (performance.now() - started) / 1000;
    const out: (LatencyFigures & { loadSeconds: number })[] = [];
    for (const q of benchQueries(catalog)) {
      if (!q.scan) continue;
      const samples: number[] = [];
      let total = 0;
      for (let i = 0; i < iterations; i++) {
        const begun = performance.now();
        total = await scanCount(db, q.scan);
        samples.push(performance.now() - begun);
      }
      out.push({ name: q.name, p50: percentile(samples, 50), p99: percentile(samples, 99), max: Math.max(...samples), iterations, total, loadSeconds });
    }
    return out;
  } finally {
    base.destroy();
    await engine.stop();
  }
}

/**
 * The search index against a DynamoDB Scan on the same generated catalog: the index is built and
 * queried in a child process of its own (heap measured after a collection), the same products are
 * loaded as flat items into DynamoDB Local and scanned with the equivalent filter.
 */
export async function runSearchSection(options: BenchOptions): Promise<SectionResult> {
  const input: IndexRunInput = options.quick
    ? { products: 5_000, stores: 5, iterations: 50, warmup: 5 }
    : { products: 50_000, stores: 20, iterations: 500, warmup: 20 };
  const scanIterations = options.quick ? 3 : 20;
  const child = await runChild<IndexRunResult>(`${BENCH_DIR}/sections/search/index-child.ts`, input, { execArgv: ['--expose-gc', '--import', 'tsx'], timeoutMs: 1_800_000 });
  const index = child.value;
  const scans = await timeScans(input.products, input.stores, scanIterations);

  const facet = index.queries[0]!;
  const rows = index.queries.map((q) => {
    const scan = scans.find((s) => s.name === q.name);
    return [
      q.name,
      String(q.total),
      fmt(q.p50, 2),
      fmt(q.p99, 2),
      fmt(q.cpuP99 ?? Number.NaN, 2),
      scan ? String(scan.total) : '–',
      scan ? fmt(scan.p50, 0) : '–',
      scan ? fmt(scan.p99, 0) : '–',
      scan ? fmtRatio(ratio(scan.p50, q.p50)) : '–',
    ];
  });
  rows.push([index.cached.name, String(index.cached.total), fmt(index.cached.p50, 2), fmt(index.cached.p99, 2), fmt(index.cached.cpuP99 ?? Number.NaN, 2), '–', '–', '–', '–']);

  return {
    section: 'search',
    title: 'Faceted search: the in-memory index against a DynamoDB Scan of the same catalog',
    tables: [
      {
        title: `queries on ${input.products} products (${index.skus} SKUs, ${input.stores} stores): index ${input.iterations} runs each in process, scan ${scanIterations} runs against DynamoDB Local`,
        columns: ['query', 'index hits', 'index p50 ms', 'index p99 ms', 'index CPU p99 ms', 'scan hits', 'scan p50 ms', 'scan p99 ms', 'scan ÷ index p50'],
        rows,
        notes: [
          `target: facet query p99 < ${P99_TARGET_MS} ms in process (wall time), text cache off (every run pays for its text search)`,
          'CPU p99 is the process CPU time per run: wall-time spikes above it are the run waiting for a core on this shared machine, or a collection',
          'index queries count every facet (category, brand, diet, price band, offer, stock) and sort one page; the scan only filters, with no facet counts',
          "the scan's text test is a substring match; the index's is word-based, typo-tolerant and prefix-matching, so hit counts differ a little",
          `table loaded with BatchWriteItem, ${LOAD_CONCURRENCY} in flight, in ${fmt(scans[0]?.loadSeconds ?? Number.NaN, 1)} s`,
        ],
      },
      {
        title: 'building, memory, snapshots and changes',
        columns: ['figure', 'value'],
        rows: [
          ['index build: text and columns, all products (s)', fmt(index.buildMs / 1000, 2)],
          ['stock: every SKU at every store (s)', fmt(index.stockMs / 1000, 2)],
          ['heap held by the built index (MB)', fmt(index.heapMb, 0)],
          ['heap held by an index loaded from its snapshot (MB)', fmt(index.loadedHeapMb, 0)],
          ['snapshot size, gzipped (MB)', fmt(index.snapshot.bytes / 2 ** 20, 1)],
          ['snapshot write: serialize and gzip (s)', fmt(index.snapshot.encodeMs / 1000, 2)],
          ['snapshot load: gunzip, parse, rebuild columns (s), the cold start cost after the S3 read', fmt(index.snapshot.decodeMs / 1000, 2)],
          ['replace one product (µs, mean of 1000)', fmt(index.updates.upsertUs, 0)],
          ['apply one stock level (µs, mean of 10000)', fmt(index.updates.stockUs, 1)],
          ['recompute on-offer for every product from new promotion targets (ms, mean of 50)', fmt(index.updates.offersMs, 2)],
          ['peak RSS of the index process (MB)', fmt(child.peakRssBytes / 2 ** 20, 0)],
        ],
      },
    ],
    figures: { index, scans, peakRssMb: child.peakRssBytes / 2 ** 20 },
    targets: [check('facet query p99, in process', facet.p99, '<', P99_TARGET_MS, ' ms')],
    notMeasured: [],
    parameters: { ...input, scanIterations },
  };
}
