import { readdir, stat, writeFile, mkdir } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join, relative } from 'node:path';
import { startPlatform, type Platform } from '../../infra/local/platform.js';
import type { UsageMeter, UsageSnapshot } from '../../infra/local/metering/usage-meter.js';
import { ENV } from '../../shared/config/env-names.js';
import { functions } from '../../wiring/index.js';
import { REPO_ROOT, RESULTS_DIR, WORK_DIR, machineInfo } from '../lib/results.js';
import { formatTable, type Table } from '../lib/table.js';
import { sleep } from '../sections/checkout/shoppers.js';
import type { DaySkus } from './day.js';
import { billedCounts, expressSplit, perThousandOrders, priceCounts, total, type Prices } from './pricing.js';
import pricesFile from './prices.json' with { type: 'json' };

/**
 * `npm run cost`: dollars per 1,000 orders from counts measured on the local platform. It starts the platform with its
 * usage meter (docs/cost.md), runs a warm-up (every function loaded, not counted), then a scripted day of orders
 * (bench/cost/day.ts), prices what the meter counted with the list prices in bench/cost/prices.json, prints a table per
 * service and the total per 1,000 orders, compares checkout on Standard and Express, and writes bench/results/cost.json.
 *
 * Usage: npm run cost -- [--orders=100] [--concurrency=4] [--refund-every=20]
 */

const prices = pricesFile as Prices;
const CHECKOUT_MACHINE = 'checkout';
/** The state that waits for the pick: hours in a real store, which no Express workflow can wait. */
const PICK_WAIT = 'AwaitPick';
const QUIET_MS = 3_000;

interface Options {
  orders: number;
  concurrency: number;
  refundEvery: number;
}

function parseOptions(argv: readonly string[]): Options {
  const options: Options = { orders: 100, concurrency: 4, refundEvery: 20 };
  const names: Record<string, keyof Options> = { '--orders': 'orders', '--concurrency': 'concurrency', '--refund-every': 'refundEvery' };
  for (const arg of argv) {
    const [flag, value] = arg.split('=');
    const name = names[flag ?? ''];
    const n = Number(value);
    if (!name || !Number.isInteger(n) || n < (name === 'refundEvery' ? 0 : 1)) {
      throw new Error(`unknown or bad argument "${arg}"; usage: npm run cost -- [--orders=100] [--concurrency=4] [--refund-every=20]`);
    }
    options[name] = n;
  }
  return options;
}

/** Waits until the platform has made no invocation and no DynamoDB call for {@link QUIET_MS}: the consumers are done. */
async function quiet(meter: UsageMeter): Promise<void> {
  const activity = () => {
    const s = meter.snapshot();
    return s.lambda.invocations + s.dynamodb.requests;
  };
  let last = activity();
  let quietFor = 0;
  while (quietFor < QUIET_MS) {
    await sleep(250);
    const now = activity();
    quietFor = now === last ? quietFor + 250 : 0;
    last = now;
  }
}

/** Bytes the functions have written to their log files: what CloudWatch Logs would ingest (their own lines, not Lambda's START/END/REPORT). */
async function functionLogBytes(dir: string): Promise<number> {
  const ids = new Set<string>(functions.map((f) => f.id));
  let bytes = 0;
  for (const file of await readdir(dir).catch(() => [])) {
    if (file.endsWith('.log') && ids.has(file.slice(0, -'.log'.length))) bytes += (await stat(join(dir, file))).size;
  }
  return bytes;
}

const money = (dollars: number) => (dollars === 0 ? '0' : dollars < 0.0001 ? dollars.toExponential(2) : dollars.toFixed(4));
const quantity = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(3));

function tables(usage: UsageSnapshot, logBytes: number, orders: number, load: { average: string; cores: number }) {
  const lines = priceCounts(billedCounts(usage, logBytes), prices);
  const dayTotal = total(lines);
  const services = [...new Set(lines.map((l) => l.service))].map((service) => {
    const dollars = total(lines.filter((l) => l.service === service));
    return { service, dollars, perThousand: perThousandOrders(dollars, orders) };
  });
  const split = expressSplit(usage.stepFunctions.traces, CHECKOUT_MACHINE, PICK_WAIT, prices.stepFunctions);
  const byService: Table = {
    title: `Cost per 1,000 orders by service (${orders} orders measured, ${prices.region} list prices recorded ${prices.recorded})`,
    columns: ['service', 'item', 'quantity', 'unit', 'list price', 'day $', '$ / 1,000 orders'],
    rows: [
      ...lines.map((l) => [l.service, l.item, quantity(l.quantity), l.unit, `${l.price} / ${l.per === 1 ? '' : l.per.toLocaleString('en')}`.replace(/ \/ $/, ''), money(l.dollars), money(perThousandOrders(l.dollars, orders))]),
      ['total', '', '', '', '', money(dayTotal), money(perThousandOrders(dayTotal, orders))],
    ],
    notes: [
      `Lambda at the wiring's memory, ${prices.lambda.deployedArchitecture} as the CDK app deploys it, durations measured in process and rounded up to 1 ms; warm invocations only (a warm-up ran first, uncounted)`,
      `durations stretch with the machine's load: its load average was ${load.average} on ${load.cores} cores when the day started`,
      'DynamoDB capacity as DynamoDB Local reported it (ReturnConsumedCapacity TOTAL); refused writes report none, so they are priced at one unit an item (two in a transaction), a floor',
      `SQS: ${usage.sqs.emptyReceives} receives that found nothing are left out (the pollers' idle cost depends on time, not orders)`,
      'not measured: DynamoDB Streams reads by Lambda (free), Secrets Manager reads, X-Ray, CloudWatch metrics and alarms, data transfer, storage',
    ],
  };
  const summary: Table = {
    title: 'Per service',
    columns: ['service', 'day $', '$ / 1,000 orders', 'share'],
    rows: services.map((s) => [s.service, money(s.dollars), money(s.perThousand), dayTotal > 0 ? `${((s.dollars / dayTotal) * 100).toFixed(1)} %` : 'n/a']),
  };
  const perOrder = (n: number) => (split.executions > 0 ? n / split.executions : Number.NaN);
  const express: Table = {
    title: `Checkout: Standard (as deployed) and Express, ${split.executions} executions`,
    columns: ['workflow', 'what is billed', '$ / 1,000 orders'],
    rows: [
      ['Standard, as deployed', `${quantity(perOrder(split.standardTransitions))} transitions an order`, money(perThousandOrders(split.standardDollars, orders))],
      ['Express, whole checkout', 'not possible: see the note', 'n/a'],
      [
        `Express in two parts, ${PICK_WAIT} held elsewhere`,
        `${quantity(perOrder(split.expressRequests))} executions an order, ${quantity(perOrder(split.billedMs))} billed ms at ${prices.stepFunctions.expressMemoryMb} MB`,
        money(perThousandOrders(split.dollars, orders)),
      ],
    ],
    notes: [
      `Express cannot run the checkout whole: an Express execution lasts at most 5 minutes, the pick (${PICK_WAIT}) takes hours, and Express does not support .waitForTaskToken, which ${PICK_WAIT}, AwaitAuthentication (3-D Secure) and AwaitSubstitutions use`,
      `the two-part price assumes the wait is held by the order's own item (it already records "picking") and the pick starts the second execution; the extra writes and code that needs are not measured, and 3-D Secure would need the same split`,
      'Express durations as measured locally (start to the wait, the wait to the end), each rounded up to 100 ms, at the 64 MB minimum',
    ],
  };
  const byFunction: Table = {
    title: 'Lambda by function (the day)',
    columns: ['function', 'invocations', 'billed ms', 'memory MB', 'GB-s', 'errors'],
    rows: Object.entries(usage.lambda.byFunction)
      .sort(([, a], [, b]) => b.gbSeconds - a.gbSeconds)
      .map(([id, f]) => [id, f.invocations, f.billedMs, f.memoryMb, f.gbSeconds.toFixed(3), f.errors]),
  };
  const dynamo: Table = {
    title: 'DynamoDB by operation (the day)',
    columns: ['operation', 'requests', 'RRU', 'WRU', 'refused', 'refused items'],
    rows: Object.entries(usage.dynamodb.byOperation)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([op, o]) => [op, o.requests, quantity(o.readUnits), quantity(o.writeUnits), o.failed, o.failedWriteItems]),
  };
  return { lines, dayTotal, services, split, tables: [summary, byService, express, byFunction, dynamo] };
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const machine = machineInfo();
  const startedAt = new Date();
  console.log(`SmartShelf cost: ${options.orders} orders, ${options.concurrency} at a time, a refund in ${options.refundEvery || 'none'}; ${machine.cpuCount}× ${machine.cpuModel}`);
  let platform: Platform | undefined;
  try {
    platform = await startPlatform({ port: 0, dataDir: join(WORK_DIR, 'cost', 'platform-data'), fresh: true, seed: true, consoleLevel: 'SILENT', metering: true });
    const metering = platform.metering!;
    // Loaded once the platform has set the environment: the sample catalog's module reads the configuration when imported.
    const { daySkus, prepareDay, runDay, STORE } = await import('./day.js');
    const tableName = process.env[ENV.tableName]!;
    const skus = daySkus();
    const staff = await prepareDay(platform.url, skus);
    const day = (orders: number, refundEvery: number, runId: string) =>
      runDay({ url: platform!.url, engine: { dynamodb: metering.engines.dynamodb, tableName }, orders, concurrency: options.concurrency, refundEvery, runId }, skus, staff);
    // Every function of the way loaded, the refund's too (cold starts are the bench's init section's business), then counting from zero.
    await day(Math.min(options.concurrency, options.orders), 1, `warm-${Date.now()}`);
    await quiet(metering.meter);
    metering.meter.reset();
    const logsBefore = await functionLogBytes(platform.console.dir);
    const loadAtStart = loadavg()[0]!.toFixed(1);
    const dayStarted = performance.now();
    const outcome = await day(options.orders, options.refundEvery, `day-${Date.now()}`);
    await quiet(metering.meter);
    const usage = metering.meter.snapshot();
    const daySeconds = (performance.now() - dayStarted) / 1000;
    const logBytes = (await functionLogBytes(platform.console.dir)) - logsBefore;

    const result = tables(usage, logBytes, outcome.orders, { average: loadAtStart, cores: machine.cpuCount });
    for (const table of result.tables) console.log(`\n${formatTable(table)}`);
    console.log(`\nTotal: $${money(perThousandOrders(result.dayTotal, outcome.orders))} per 1,000 orders (${outcome.orders} orders, ${outcome.refunds} refunds, ${daySeconds.toFixed(0)} s)`);

    await mkdir(RESULTS_DIR, { recursive: true });
    const file = join(RESULTS_DIR, 'cost.json');
    const body = {
      section: 'cost',
      title: 'Dollars per 1,000 orders from counts measured on the local platform',
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      machine,
      parameters: { ...options, store: STORE, skus: skus satisfies DaySkus, daySeconds, loadAverageAtDayStart: Number(loadAtStart) },
      prices,
      day: outcome,
      perThousandOrders: {
        total: perThousandOrders(result.dayTotal, outcome.orders),
        byService: Object.fromEntries(result.services.map((s) => [s.service, s.perThousand])),
        checkout: {
          standard: perThousandOrders(result.split.standardDollars, outcome.orders),
          expressWhole: null,
          expressSplitAtPick: perThousandOrders(result.split.dollars, outcome.orders),
        },
      },
      lines: result.lines,
      expressSplit: result.split,
      usage: { ...usage, stepFunctions: { ...usage.stepFunctions, traces: usage.stepFunctions.traces.length } },
      logBytes,
      tables: result.tables,
    };
    await writeFile(file, `${JSON.stringify(body, null, 2)}\n`);
    console.log(`written to ${relative(REPO_ROOT, file)}`);
  } finally {
    await platform?.stop();
  }
}

try {
  await main();
  process.exit(0);
} catch (error) {
  console.error(`cost failed: ${(error as Error).stack ?? String(error)}`);
  process.exit(1);
}
