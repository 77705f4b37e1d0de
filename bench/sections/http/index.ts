import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import autocannon from 'autocannon';
import type { BenchOptions } from '../../lib/cli.js';
import { startServerChild, type ServerChild } from '../../lib/child.js';
import { BENCH_DIR, WORK_DIR, check, type SectionResult } from '../../lib/results.js';
import { median, ratio, roundOrder } from '../../lib/stats.js';
import { fmt, fmtRatio } from '../../lib/table.js';
import type { BareServerInput } from './bare-server.js';
import type { PlatformServerInfo, PlatformServerInput } from './platform-server.js';

const PATH = '/products?limit=24';
const CONNECTIONS = 10;
/** The platform's p99 may be at most this multiple of the bare server's. */
const LATENCY_TARGET = 1.3;

type Contender = 'platform' | 'bare';

interface Sample {
  p50: number;
  p99: number;
  rps: number;
  requests: number;
  errors: number;
  non2xx: number;
  /** CPU the server process spent per request during the run; DynamoDB Local runs in its own JVM and is not in it. */
  cpuMsPerRequest: number;
}

async function load(server: ServerChild<{ url: string }>, seconds: number): Promise<Sample> {
  const cpuBefore = await server.cpuMs();
  const result = await autocannon({ url: `${server.value.url}${PATH}`, connections: CONNECTIONS, duration: seconds });
  const cpu = (await server.cpuMs()) - cpuBefore;
  return {
    p50: result.latency.p50,
    p99: result.latency.p99,
    rps: result.requests.average,
    requests: result.requests.total,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    cpuMsPerRequest: result.requests.total > 0 ? cpu / result.requests.total : Number.NaN,
  };
}

/**
 * What each server answers, reduced to what must agree: the ids in order, the cursor's presence,
 * and the field names of the page and of every item.
 */
async function shapeOf(url: string) {
  const response = await fetch(`${url}${PATH}`);
  const page = (await response.json()) as { items?: Record<string, unknown>[]; nextCursor?: unknown };
  return {
    status: response.status,
    pageKeys: Object.keys(page).sort(),
    ids: (page.items ?? []).map((i) => i.id),
    itemKeys: [...new Set((page.items ?? []).flatMap((i) => Object.keys(i)))].sort(),
    variantKeys: [...new Set((page.items ?? []).flatMap((i) => (i.variants as Record<string, unknown>[]).flatMap((v) => Object.keys(v))))].sort(),
    hasCursor: typeof page.nextCursor === 'string',
  };
}

/**
 * `GET /products?limit=24` through the local platform (gateway → Lambda proxy event → middy stack
 * → use-case → DynamoDB Local) against a bare `node:http` server running the same queries on the
 * same DynamoDB Local. Each server lives in its own process; autocannon drives both from this one,
 * after a warm-up, in alternating order.
 */
export async function runHttpSection(options: BenchOptions): Promise<SectionResult> {
  const seconds = options.quick ? 3 : 10;
  const rounds = options.quick ? 2 : 5;
  const warmupSeconds = options.quick ? 2 : 5;
  const servers: ServerChild<unknown>[] = [];
  const samples: Record<Contender, Sample[]> = { platform: [], bare: [] };
  const notes: string[] = [];
  let seeded: unknown;
  try {
    const platform = await startServerChild<PlatformServerInfo>(
      join(BENCH_DIR, 'sections', 'http', 'platform-server.ts'),
      { dataDir: join(WORK_DIR, 'http', 'platform-data') } satisfies PlatformServerInput,
      { quietStdout: true, timeoutMs: 300_000 },
    );
    servers.push(platform);
    seeded = platform.value.seeded;
    const bare = await startServerChild<{ url: string }>(
      join(BENCH_DIR, 'sections', 'http', 'bare-server.ts'),
      { dynamodbEndpoint: platform.value.dynamodbEndpoint, tableName: platform.value.tableName } satisfies BareServerInput,
      { quietStdout: true },
    );
    servers.push(bare);
    const targets: Record<Contender, ServerChild<{ url: string }>> = { platform, bare };
    const urls: Record<Contender, string> = { platform: platform.value.url, bare: bare.value.url };

    const [platformShape, bareShape] = [await shapeOf(urls.platform), await shapeOf(urls.bare)];
    if (platformShape.status !== 200 || platformShape.ids.length !== 24) {
      throw new Error(`the platform answered ${platformShape.status} with ${platformShape.ids.length} products; is the sample catalog seeded? (${JSON.stringify(seeded)})`);
    }
    notes.push(
      isDeepStrictEqual(platformShape, bareShape)
        ? 'both servers return the same 24 product ids in the same order, with the same page, item and variant fields'
        : `SHAPE DIFFERS: platform ${JSON.stringify(platformShape)} vs bare ${JSON.stringify(bareShape)}`,
    );

    for (const contender of ['platform', 'bare'] as const) await load(targets[contender], warmupSeconds);
    for (let round = 0; round < rounds; round++) {
      for (const contender of roundOrder<Contender>(['platform', 'bare'], round)) samples[contender].push(await load(targets[contender], seconds));
    }
  } finally {
    for (const server of servers.reverse()) await server.stop();
  }

  const summary = (c: Contender) => ({
    p50: median(samples[c].map((s) => s.p50)),
    p99: median(samples[c].map((s) => s.p99)),
    rps: median(samples[c].map((s) => s.rps)),
    cpuMsPerRequest: median(samples[c].map((s) => s.cpuMsPerRequest)),
    failures: samples[c].reduce((n, s) => n + s.errors + s.non2xx, 0),
  });
  const platform = summary('platform');
  const bare = summary('bare');
  const p99Ratio = ratio(platform.p99, bare.p99);
  const p50Ratio = ratio(platform.p50, bare.p50);
  const rpsRatio = ratio(bare.rps, platform.rps);
  const cpuRatio = ratio(platform.cpuMsPerRequest, bare.cpuMsPerRequest);
  if (platform.failures + bare.failures > 0) notes.push(`FLAG failed requests: platform ${platform.failures}, bare ${bare.failures}`);
  return {
    section: 'http',
    title: 'GET /products?limit=24: local platform vs bare node:http on the same DynamoDB Local',
    tables: [
      {
        title: `http: ${CONNECTIONS} connections, ${seconds} s per run, median of ${rounds} interleaved runs after a ${warmupSeconds} s warm-up each`,
        columns: ['server', 'p50 ms', 'p99 ms', 'req/s', 'server CPU ms/req', 'failed'],
        rows: [
          ['local platform', fmt(platform.p50), fmt(platform.p99), fmt(platform.rps), fmt(platform.cpuMsPerRequest, 2), platform.failures],
          ['bare node:http + SDK', fmt(bare.p50), fmt(bare.p99), fmt(bare.rps), fmt(bare.cpuMsPerRequest, 2), bare.failures],
          ['ratio', fmtRatio(p50Ratio), fmtRatio(p99Ratio), fmtRatio(rpsRatio), fmtRatio(cpuRatio), ''],
        ],
        notes: [
          `target: platform ≤ ${LATENCY_TARGET}x of bare; ratios are platform ÷ bare, except req/s: bare ÷ platform (above 1 means the platform serves fewer)`,
          'server CPU is the server process alone (DynamoDB Local is a separate JVM), so its ratio is the framework cost without the database; the platform process also hosts s3rver, fauxqs and the queue pollers',
          ...notes,
        ],
      },
    ],
    figures: {
      platform: { ...platform, runs: samples.platform },
      bare: { ...bare, runs: samples.bare },
      p50Ratio,
      p99Ratio,
      throughputRatio: rpsRatio,
      cpuPerRequestRatio: cpuRatio,
      seeded,
    },
    targets: [
      check('p50 latency platform ÷ bare', p50Ratio, '<=', LATENCY_TARGET, 'x'),
      check('p99 latency platform ÷ bare', p99Ratio, '<=', LATENCY_TARGET, 'x'),
      check('req/s bare ÷ platform', rpsRatio, '<=', LATENCY_TARGET, 'x'),
    ],
    notMeasured: [],
    parameters: { path: PATH, connections: CONNECTIONS, seconds, rounds, warmupSeconds },
  };
}
