import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../infra/local/engines/credentials.js';
import { sampleCatalog } from '../../../shared/catalog/seed.js';
import { keys } from '../../../shared/db/keys.js';
import type { BenchOptions } from '../../lib/cli.js';
import { startServerChild, type ServerChild } from '../../lib/child.js';
import { BENCH_DIR, WORK_DIR, check, type SectionResult } from '../../lib/results.js';
import { percentile } from '../../lib/stats.js';
import { fmt, type Table } from '../../lib/table.js';
import { diffCounts, sumCounts, totalCalls, type CallCounts } from './dynamo-calls.js';
import type { CheckoutPlatformInfo, CheckoutPlatformInput } from './platform-child.js';
import { allocateSlots, call, mapLimit, mintToken, must, openSlots, prepareCart, problemType, sleep, slotUnitsHeld, type BasketLine, type SlotChoice } from './shoppers.js';

const STORE = 'london-bridge';
/** Statuses after which an order no longer moves on its own. */
const SETTLED = new Set(['completed', 'failed', 'cancelled', 'refunded']);
/** Shoppers prepared in parallel: enough to be quick, few enough not to starve the platform on two cores. */
const PREPARE_CONCURRENCY = 8;
const SETTLE_TIMEOUT_MS = 180_000;
/** The paced race's requests outstanding at a time: the same race without the burst, so that what the burst alone changes shows. */
const PACED_IN_FLIGHT = 20;

interface Skus {
  raced: { sku: string; price: number };
  /** Raced in the paced variant, so that it starts from a clean stock item. */
  pacedRaced: { sku: string; price: number };
  /** Raced by two platform processes. */
  sharedRaced: { sku: string; price: number };
  filler: { sku: string; price: number };
  ample: { sku: string; price: number };
}

/**
 * Fixed-price SKUs of the sample catalog, none age-restricted: one per race (one unit per basket), a dear
 * filler that brings a basket over the slot's minimum order, and one for the latency runs. Filler and latency SKUs get
 * stock enough that only the raced SKU can refuse a basket.
 */
function pickSkus(): Skus {
  const each = sampleCatalog().products.flatMap((p) =>
    p.status !== 'active' || p.bundle || p.ageRestricted ? [] : p.variants.filter((v) => v.soldBy === 'each').map((v) => ({ sku: v.sku, price: v.price.amount, food: p.taxCategory === 'food' })),
  );
  const byPrice = [...each].sort((a, b) => b.price - a.price);
  const filler = byPrice[0]!;
  const raced = each.find((s) => s.food && s.price >= 300 && s.sku !== filler.sku)!;
  const [ample, pacedRaced, sharedRaced] = each.filter((s) => s.food && s.price >= 300 && s.sku !== filler.sku && s.sku !== raced.sku);
  return { raced, pacedRaced: pacedRaced!, sharedRaced: sharedRaced!, filler, ample: ample! };
}

/** One unit of `main` and filler units enough to pass the slot's minimum order with a quarter to spare (promotions may take some off). */
function basketFor(skus: Skus, main: { sku: string; price: number }, slot: SlotChoice): BasketLine[] {
  const filler = Math.max(1, Math.ceil((slot.minimumOrder * 1.25 - main.price) / skus.filler.price));
  return [
    { sku: main.sku, count: 1 },
    { sku: skus.filler.sku, count: filler },
  ];
}

/** What the race reads of an order. */
interface OrderSeen {
  status: string;
  failureCode?: string;
  createdAt: string;
  statusHistory: { to: string; at: string }[];
  payment: { intentId?: string; authorized: number; captured: number };
}

interface StockLevel {
  available: number;
  reserved: number;
  committed: number;
}

class Bench {
  readonly db: DynamoDBDocumentClient;
  constructor(
    readonly platform: CheckoutPlatformInfo,
    readonly staff: string,
    /** CPU the platform process has used so far (user + system), DynamoDB Local's JVM not included. */
    readonly platformCpuMs: () => Promise<number>,
  ) {
    this.db = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: platform.dynamodbEndpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS }));
  }

  get url(): string {
    return this.platform.url;
  }

  async setStock(sku: string, setTo: number): Promise<void> {
    await must(201, this.url, 'POST', '/inventory/adjustments', { token: this.staff, body: { sku, storeId: STORE, setTo, reason: 'stock-take', note: 'checkout bench' } });
  }

  async stock(sku: string): Promise<StockLevel> {
    const { stores } = await must<{ stores: (StockLevel & { storeId: string })[] }>(200, this.url, 'GET', `/inventory/${sku}`, { token: this.staff });
    const here = stores.find((s) => s.storeId === STORE)!;
    return { available: here.available, reserved: here.reserved, committed: here.committed };
  }

  /** The order as the table holds it, read directly so that polling costs the platform nothing it would count. */
  async orderStatus(orderId: string): Promise<string | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.platform.tableName, Key: keys.order(orderId), ConsistentRead: true }));
    return Item?.status as string | undefined;
  }

  /** Polls every order through `GET /orders/{id}` until it settles or the time is up; returns each as last seen. */
  async settle(orderIds: readonly string[]): Promise<Map<string, OrderSeen>> {
    const final = new Map<string, OrderSeen>();
    const deadline = Date.now() + SETTLE_TIMEOUT_MS;
    let pending = [...orderIds];
    while (pending.length > 0) {
      const seen = await mapLimit(pending, PREPARE_CONCURRENCY, (id) => must<OrderSeen>(200, this.url, 'GET', `/orders/${id}`, { token: this.staff }));
      pending.forEach((id, i) => final.set(id, seen[i]!));
      pending = pending.filter((id) => !SETTLED.has(final.get(id)!.status));
      if (pending.length === 0 || Date.now() > deadline) break;
      await sleep(250);
    }
    return final;
  }

  /** Reservations still `held`, of the given owners; a scan is affordable on the bench's small table. */
  async heldReservations(ownerRefs: ReadonlySet<string>): Promise<{ ofOrders: number; total: number }> {
    let ofOrders = 0;
    let total = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new ScanCommand({
          TableName: this.platform.tableName,
          FilterExpression: 'entityType = :type AND #status = :held',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':type': 'Reservation', ':held': 'held' },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) {
        total += 1;
        if (ownerRefs.has(item.ownerRef as string)) ofOrders += 1;
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return { ofOrders, total };
  }

  async dynamoCalls(): Promise<CallCounts> {
    return must<CallCounts>(200, this.platform.controlUrl, 'GET', '/dynamo-calls');
  }
}

interface Shopper {
  /** The platform process the shopper was made on and checks out through: its tokens are signed with that process's key. */
  bench: Bench;
  token: string;
  cartId: string;
}

/**
 * Prepares `count` shoppers, each with a cart of `basket` booked into its own share of the slots, alternating over
 * `benches`' platform processes (which share one table, so the slots are shared out once).
 */
async function prepareShoppers(
  benches: readonly Bench[],
  prefix: string,
  count: number,
  basket: (slot: SlotChoice) => BasketLine[],
  spare: number,
): Promise<Shopper[]> {
  const slots = allocateSlots(await openSlots(benches[0]!.url, STORE), count, spare);
  return mapLimit(slots, PREPARE_CONCURRENCY, async (slot, i) => {
    const bench = benches[i % benches.length]!;
    const token = await mintToken(bench.url, `${prefix}-${i}`, ['shopper']);
    return { bench, token, cartId: await prepareCart(bench.url, token, STORE, basket(slot), slot) };
  });
}

/** DynamoDB calls of all the platform processes together. */
async function callsOf(benches: readonly Bench[]): Promise<CallCounts> {
  return sumCounts(await Promise.all(benches.map((b) => b.dynamoCalls())));
}

/** CPU of all the platform processes together. */
async function cpuOf(benches: readonly Bench[]): Promise<number> {
  return (await Promise.all(benches.map((b) => b.platformCpuMs()))).reduce((sum, ms) => sum + ms, 0);
}

function checkout(url: string, token: string, cartId: string, key: string) {
  return call<{ id?: string; status?: string }>(url, 'POST', '/checkout', { token, body: { cartId, paymentMethod: 'pm_card_visa' }, headers: { 'idempotency-key': key } });
}

function countBy<T>(items: readonly T[], keyOf: (item: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of items) out[keyOf(item)] = (out[keyOf(item)] ?? 0) + 1;
  return out;
}

interface RaceResult {
  sku: string;
  processes: number;
  inFlight: number;
  requests: number;
  stock: number;
  accepted: number;
  /** The order's status in the 202 body: `reserved` (or later) when Reserve finished within POST /checkout's wait, else `pending`. */
  acceptedStatuses: Record<string, number>;
  conflicts: Record<string, number>;
  otherStatuses: Record<string, number>;
  serverErrors: number;
  noAnswer: number;
  completed: number;
  failedAfterAccept: Record<string, number>;
  /** Failed orders with a payment intent or money authorized or captured: a loser must never be charged. */
  failedWithPayment: number;
  /** Order created → its first status change (reserved, or failed at Reserve), from the order's own history. */
  reserveDecidedP50Ms: number;
  reserveDecidedP99Ms: number;
  dynamoCalls: CallCounts;
  /** CPU the platform process used from the first POST until every accepted order settled. */
  platformCpuMs: number;
  unsettled: Record<string, number>;
  before: StockLevel;
  after: StockLevel;
  heldOfRace: number;
  heldTotal: number;
  oversold: number;
  leakedReservations: number;
  /** Slot capacity units held across the store's slots before and after: completed orders keep theirs, failed ones give them back. */
  slotUnits: { before: number; after: number };
  /** Units held beyond one per completed order. */
  leakedSlotUnits: number;
  fireMs: number;
  settleMs: number;
  postP50Ms: number;
  postP99Ms: number;
  preparedMs: number;
}

/**
 * `requests` shoppers, one unit each of a SKU with `stock` on the shelf, checking out at once (`inFlight` undefined:
 * every POST /checkout sent in the same tick) or with at most `inFlight` requests outstanding; with several
 * `benches`, the requests alternate between their platform processes.
 */
async function race(benches: readonly Bench[], skus: Skus, raced: Skus['raced'], requests: number, stock: number, inFlight?: number): Promise<RaceResult> {
  const bench = benches[0]!;
  await bench.setStock(raced.sku, stock);
  const preparing = performance.now();
  const label = `bench-race-${benches.length}p-${inFlight ?? 'burst'}`;
  const shoppers = await prepareShoppers(benches, label, requests, (slot) => basketFor(skus, raced, slot), 0);
  const preparedMs = performance.now() - preparing;
  const before = await bench.stock(raced.sku);
  if (before.available !== stock) throw new Error(`the raced SKU ${raced.sku} has ${before.available} available, not ${stock}`);

  const slotsBefore = await slotUnitsHeld(bench.url, STORE);
  const callsBefore = await callsOf(benches);
  const cpuBefore = await cpuOf(benches);
  const fired = performance.now();
  const replies =
    inFlight === undefined
      ? await Promise.all(shoppers.map((s, i) => checkout(s.bench.url, s.token, s.cartId, `${label}-${i}`)))
      : await mapLimit(shoppers, inFlight, (s, i) => checkout(s.bench.url, s.token, s.cartId, `${label}-${i}`));
  const fireMs = performance.now() - fired;
  const accepted = replies.filter((r) => r.status === 202).map((r) => r.body.id!);
  const settled = await bench.settle(accepted);
  const settleMs = performance.now() - fired;
  const dynamoCalls = diffCounts(await callsOf(benches), callsBefore);
  const platformCpuMs = (await cpuOf(benches)) - cpuBefore;

  const after = await bench.stock(raced.sku);
  const slotsAfter = await slotUnitsHeld(bench.url, STORE);
  const held = await bench.heldReservations(new Set(accepted.map((id) => `order:${id}`)));
  const outcomes = [...settled.values()];
  const decided = outcomes.flatMap((o) => (o.statusHistory[0] ? [Date.parse(o.statusHistory[0].at) - Date.parse(o.createdAt)] : []));
  const failed = outcomes.filter((o) => o.status === 'failed');
  const completed = outcomes.filter((o) => o.status === 'completed').length;
  const committed = after.committed - before.committed;
  return {
    sku: raced.sku,
    processes: benches.length,
    inFlight: inFlight ?? requests,
    requests,
    stock,
    accepted: accepted.length,
    acceptedStatuses: countBy(replies.filter((r) => r.status === 202), (r) => r.body.status ?? 'none'),
    conflicts: countBy(replies.filter((r) => r.status === 409), (r) => problemType(r.body)),
    otherStatuses: countBy(replies.filter((r) => r.status !== 202 && r.status !== 409 && r.status < 500 && r.status !== 0), (r) => `${r.status} ${problemType(r.body)}`),
    serverErrors: replies.filter((r) => r.status >= 500).length,
    noAnswer: replies.filter((r) => r.status === 0).length,
    completed,
    failedAfterAccept: countBy(failed, (o) => o.failureCode ?? 'unknown'),
    failedWithPayment: failed.filter((o) => o.payment.intentId !== undefined || o.payment.authorized > 0 || o.payment.captured > 0).length,
    reserveDecidedP50Ms: percentile(decided, 50),
    reserveDecidedP99Ms: percentile(decided, 99),
    dynamoCalls,
    platformCpuMs,
    unsettled: countBy(outcomes.filter((o) => !SETTLED.has(o.status)), (o) => o.status),
    before,
    after,
    heldOfRace: held.ofOrders,
    heldTotal: held.total,
    oversold: Math.max(0, completed - stock, committed - stock, -after.available),
    leakedReservations: Math.max(0, after.reserved - before.reserved) + held.ofOrders,
    slotUnits: { before: slotsBefore, after: slotsAfter },
    leakedSlotUnits: Math.max(0, slotsAfter - slotsBefore - completed),
    fireMs,
    settleMs,
    postP50Ms: percentile(replies.map((r) => r.ms), 50),
    postP99Ms: percentile(replies.map((r) => r.ms), 99),
    preparedMs,
  };
}

interface LatencyResult {
  runs: number;
  /** Platform process CPU per checkout, POST → completed (and the polls), averaged over the runs. */
  platformCpuMsPerCheckout: number;
  postMs: number[];
  completedMs: number[];
  notCompleted: Record<string, number>;
}

/** Checkouts one after another on ample stock: POST /checkout's answer, and POST sent → `completed` seen by a 20 ms poll. */
async function latency(bench: Bench, skus: Skus, runs: number): Promise<LatencyResult> {
  const shoppers = await prepareShoppers([bench], 'bench-latency', runs, (slot) => basketFor(skus, skus.ample, slot), 1);
  const postMs: number[] = [];
  const completedMs: number[] = [];
  const notCompleted: string[] = [];
  const cpuBefore = await bench.platformCpuMs();
  for (const [i, shopper] of shoppers.entries()) {
    const sent = performance.now();
    const reply = await checkout(bench.url, shopper.token, shopper.cartId, `bench-latency-${i}`);
    postMs.push(reply.ms);
    if (reply.status !== 202) {
      notCompleted.push(`${reply.status} ${problemType(reply.body)}`);
      continue;
    }
    const deadline = Date.now() + 60_000;
    for (;;) {
      const order = await call<{ status: string }>(bench.url, 'GET', `/orders/${reply.body.id}`, { token: bench.staff });
      const status = order.status === 200 ? order.body.status : `GET ${order.status}`;
      if (status === 'completed') {
        completedMs.push(performance.now() - sent);
        break;
      }
      if (SETTLED.has(status) || Date.now() > deadline) {
        notCompleted.push(status);
        break;
      }
      await sleep(20);
    }
  }
  const platformCpuMsPerCheckout = ((await bench.platformCpuMs()) - cpuBefore) / runs;
  return { runs, platformCpuMsPerCheckout, postMs, completedMs, notCompleted: countBy(notCompleted, (s) => s) };
}

interface RoundTrips {
  /** POST /checkout sent → order `completed`, one entry per run. */
  during: CallCounts[];
  /** The three seconds after: consumers of the checkout's events. */
  after: CallCounts[];
  /** A quiet second with no request, to show the counts are not background noise. */
  idle: CallCounts;
}

/** Waits, if need be, past the top of the minute, when the reservation sweeper runs on its schedule. */
async function clearOfSchedules(windowMs: number): Promise<void> {
  const intoMinute = Date.now() % 60_000;
  if (intoMinute + windowMs > 57_000) await sleep(60_000 - intoMinute + 3_000);
}

/** DynamoDB calls per checkout, counted in the platform process by a middleware on the shared client. */
async function roundTrips(bench: Bench, skus: Skus, runs: number): Promise<RoundTrips> {
  const shoppers = await prepareShoppers([bench], 'bench-round-trips', runs, (slot) => basketFor(skus, skus.ample, slot), 1);
  await clearOfSchedules(2_000);
  const quiet = await bench.dynamoCalls();
  await sleep(1_000);
  const idle = diffCounts(await bench.dynamoCalls(), quiet);
  const during: CallCounts[] = [];
  const after: CallCounts[] = [];
  for (const [i, shopper] of shoppers.entries()) {
    await clearOfSchedules(10_000);
    await sleep(500);
    const start = await bench.dynamoCalls();
    const reply = await checkout(bench.url, shopper.token, shopper.cartId, `bench-round-trips-${i}`);
    if (reply.status !== 202) throw new Error(`round-trip checkout answered ${reply.status}: ${JSON.stringify(reply.body)}`);
    const deadline = Date.now() + 60_000;
    let status: string | undefined;
    while ((status = await bench.orderStatus(reply.body.id!)) !== 'completed') {
      if ((status && SETTLED.has(status)) || Date.now() > deadline) throw new Error(`round-trip order ${reply.body.id} ended ${status}`);
      await sleep(20);
    }
    const completed = await bench.dynamoCalls();
    await sleep(3_000);
    during.push(diffCounts(completed, start));
    after.push(diffCounts(await bench.dynamoCalls(), completed));
  }
  return { during, after, idle };
}

/**
 * Waits until no platform process has made a DynamoDB call for two seconds: a process that joins a table replays its
 * stream from the oldest record, and that catch-up must not run during a race. Returns how long it took.
 */
async function quiesce(benches: readonly Bench[], timeoutMs = 120_000): Promise<number> {
  const started = performance.now();
  let last = totalCalls(await callsOf(benches));
  let quietFor = 0;
  while (quietFor < 2_000 && performance.now() - started < timeoutMs) {
    await sleep(500);
    const now = totalCalls(await callsOf(benches));
    quietFor = now === last ? quietFor + 500 : 0;
    last = now;
  }
  return performance.now() - started;
}

/** The counts of the run with the median total: one run's real mix of calls, rather than a blend of several. */
function medianRun(runs: readonly CallCounts[]): CallCounts {
  const sorted = [...runs].sort((a, b) => totalCalls(a) - totalCalls(b));
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

/** What a process that joins another's table does that one event source mapping on AWS would not. */
const TWO_PROCESSES_NOTE =
  'two processes: each runs its own gateway, local Step Functions, payments sandbox, queues and stream poller on the one DynamoDB Local; ' +
  'shoppers alternate between them (each token signed by its own process). Both stream pollers relay every outbox event, so event consumers run twice (on AWS one event source mapping relays each once)';

/** One row per measure, one column per race; rows keyed by a problem type or status show 0 where a race had none. */
function raceTable(races: readonly { label: string; result: RaceResult }[], extraNotes: readonly string[]): Table {
  const results = races.map((r) => r.result);
  const first = results[0]!;
  const row = (measure: string, value: (r: RaceResult) => string | number): (string | number)[] => [measure, ...results.map(value)];
  const keyed = (prefix: string, pick: (r: RaceResult) => Record<string, number>) =>
    [...new Set(results.flatMap((r) => Object.keys(pick(r))))].sort().map((key) => row(`${prefix}${key}`, (r) => pick(r)[key] ?? 0));
  const levels = (l: StockLevel) => `${l.available} / ${l.reserved} / ${l.committed}`;
  return {
    title: `checkout race: ${first.requests} shoppers, 1 unit each of a SKU with ${first.stock} on the shelf`,
    columns: ['measure', ...races.map((r) => r.label)],
    rows: [
      row('POST /checkout requests', (r) => r.requests),
      row('202 accepted', (r) => r.accepted),
      ...keyed('  202 with the order ', (r) => r.acceptedStatuses),
      ...keyed('409 ', (r) => r.conflicts),
      ...keyed('', (r) => r.otherStatuses),
      row('5xx', (r) => r.serverErrors),
      row('no answer (connection error)', (r) => r.noAnswer),
      row('orders completed (paid)', (r) => r.completed),
      ...keyed('accepted, then failed: ', (r) => r.failedAfterAccept),
      row('failed orders with a payment intent or money held', (r) => r.failedWithPayment),
      ...keyed(`not settled after ${SETTLE_TIMEOUT_MS / 1000} s: `, (r) => r.unsettled),
      row('stock available / reserved / committed before', (r) => levels(r.before)),
      row('stock available / reserved / committed after', (r) => levels(r.after)),
      row('oversold units', (r) => r.oversold),
      row('race reservations still held (all held in table)', (r) => `${r.heldOfRace} (${r.heldTotal})`),
      row('slot units held before / after', (r) => `${r.slotUnits.before} / ${r.slotUnits.after}`),
      row('slot units leaked (held beyond one per completed order)', (r) => r.leakedSlotUnits),
      row('all POSTs answered, wall ms', (r) => fmt(r.fireMs, 0)),
      row('POST /checkout p50 / p99 ms', (r) => `${fmt(r.postP50Ms, 0)} / ${fmt(r.postP99Ms, 0)}`),
      row('order created → Reserve decided p50 / p99 ms', (r) => `${fmt(r.reserveDecidedP50Ms, 0)} / ${fmt(r.reserveDecidedP99Ms, 0)}`),
      row('first POST sent → every accepted order settled, ms', (r) => fmt(r.settleMs, 0)),
      row('DynamoDB calls, POST → all settled', (r) => totalCalls(r.dynamoCalls)),
      row('platform process CPU, POST → all settled, ms per request', (r) => fmt(r.platformCpuMs / r.requests, 0)),
    ],
    notes: [
      `preparing the shoppers (token, cart, 2 lines, slot) took ${results.map((r) => `${fmt(r.preparedMs / 1000, 1)} s`).join(', ')}, not in the figures`,
      "each basket: the raced SKU ×1 plus a dear filler SKU with ample stock, enough for the slot's minimum order; baskets spread round robin over every open slot, never above its remaining capacity",
      ...races.map(
        ({ label, result: r }) =>
          `${label}: DynamoDB calls ${Object.entries(r.dynamoCalls.calls).map(([c, n]) => `${c} ${n}`).join(', ')}; failed ${Object.entries(r.dynamoCalls.failures).map(([c, n]) => `${c} ×${n}`).join('; ') || 'none'}`,
      ),
      ...races.flatMap(({ label, result: r }) =>
        r.acceptedStatuses.pending
          ? [`${label}: ${r.acceptedStatuses.pending} 202(s) came back with the order still pending (POST /checkout answered before Reserve decided): a basket refused after that fails after its 202 instead of a 409`]
          : [],
      ),
      'a platform process runs every handler (one event loop, one SDK client with 50 sockets) against one DynamoDB Local JVM on the same 2 cores: latencies here are contention on this machine, not what as many Lambda instances would see',
      ...extraNotes,
    ],
  };
}

/** The race's targets: every unit paid for, every loser a clean 409, nothing broken, oversold or left held. */
function raceTargets(name: string, r: RaceResult) {
  return [
    check(`${name}: orders paid and completed`, r.completed, '>=', r.stock, ''),
    check(`${name}: clean 409 insufficient-stock`, r.conflicts['insufficient-stock'] ?? 0, '>=', r.requests - r.stock, ''),
    check(`${name}: 5xx or unanswered`, r.serverErrors + r.noAnswer, '<=', 0, ''),
    check(`${name}: units oversold`, r.oversold, '<=', 0, ''),
    check(`${name}: reservations leaked`, r.leakedReservations, '<=', 0, ''),
    check(`${name}: slot units leaked`, r.leakedSlotUnits, '<=', 0, ''),
  ];
}

/**
 * The checkout race: every checkout of a SKU with too little stock at once (one platform process, then the same paced,
 * then two processes sharing one DynamoDB Local), what was answered, what was paid, and whether stock, reservations or
 * slot units leaked; then one-at-a-time latency and the DynamoDB calls one checkout makes.
 */
export async function runCheckoutSection(options: BenchOptions): Promise<SectionResult> {
  const requests = options.quick ? 40 : 200;
  const stock = options.quick ? 10 : 50;
  const latencyRuns = options.quick ? 8 : 40;
  const roundTripRuns = options.quick ? 1 : 3;
  const skus = pickSkus();
  let child: ServerChild<CheckoutPlatformInfo> | undefined;
  let second: ServerChild<CheckoutPlatformInfo> | undefined;
  let twoProcesses: { result: RaceResult; catchUpMs: number } | { error: string };
  let raceResult: RaceResult;
  let pacedResult: RaceResult;
  let latencyResult: LatencyResult;
  let trips: RoundTrips;
  const started = performance.now();
  try {
    child = await startServerChild<CheckoutPlatformInfo>(
      join(BENCH_DIR, 'sections', 'checkout', 'platform-child.ts'),
      { dataDir: join(WORK_DIR, 'checkout', 'platform-data') } satisfies CheckoutPlatformInput,
      { quietStdout: true, timeoutMs: 300_000 },
    );
    const staff = await mintToken(child.value.url, 'bench-checkout-staff', ['store-manager'], [STORE]);
    const bench = new Bench(child.value, staff, child.cpuMs);
    await bench.setStock(skus.filler.sku, 1_000_000);
    await bench.setStock(skus.ample.sku, 1_000_000);
    raceResult = await race([bench], skus, skus.raced, requests, stock);
    pacedResult = await race([bench], skus, skus.pacedRaced, requests, stock, PACED_IN_FLIGHT);
    latencyResult = await latency(bench, skus, latencyRuns);
    trips = await roundTrips(bench, skus, roundTripRuns);
    // The second process joins last: its stream poller and consumers would otherwise run during the one-process figures.
    try {
      second = await startServerChild<CheckoutPlatformInfo>(
        join(BENCH_DIR, 'sections', 'checkout', 'platform-child.ts'),
        { dataDir: join(WORK_DIR, 'checkout', 'platform-data-2'), dynamodbEndpoint: child.value.dynamodbEndpoint } satisfies CheckoutPlatformInput,
        { quietStdout: true, timeoutMs: 300_000 },
      );
      const other = new Bench(second.value, await mintToken(second.value.url, 'bench-checkout-staff', ['store-manager'], [STORE]), second.cpuMs);
      const catchUpMs = await quiesce([bench, other]);
      twoProcesses = { result: await race([bench, other], skus, skus.sharedRaced, requests, stock), catchUpMs };
      other.db.destroy();
    } catch (error) {
      twoProcesses = { error: (error as Error).message.split('\n')[0]! };
    }
    bench.db.destroy();
  } finally {
    // The first process owns the DynamoDB Local the second uses, so it stops last.
    await second?.stop();
    await child?.stop();
  }
  const sectionSeconds = (performance.now() - started) / 1000;

  const post = { p50: percentile(latencyResult.postMs, 50), p99: percentile(latencyResult.postMs, 99), max: Math.max(...latencyResult.postMs) };
  const done = { p50: percentile(latencyResult.completedMs, 50), p99: percentile(latencyResult.completedMs, 99), max: Math.max(...latencyResult.completedMs) };
  const during = medianRun(trips.during);
  const after = medianRun(trips.after);
  const commands = [...new Set([...Object.keys(during.calls), ...Object.keys(after.calls)])].sort();
  const targetsTouched = Object.keys(during.byTarget).sort();

  return {
    section: 'checkout',
    title: 'Checkout: racing shoppers for short stock, latency to completed, DynamoDB calls per checkout',
    tables: [
      raceTable([
        { label: 'all at once', result: raceResult },
        { label: `${PACED_IN_FLIGHT} in flight`, result: pacedResult },
        ...('result' in twoProcesses ? [{ label: 'two processes, all at once', result: twoProcesses.result }] : []),
      ], 'result' in twoProcesses ? [`${TWO_PROCESSES_NOTE}; the second process caught up on the table's stream for ${fmt(twoProcesses.catchUpMs / 1000, 1)} s before its race`] : []),
      {
        title: `checkout latency: ${latencyRuns} fixed-price checkouts one after another, ample stock`,
        columns: ['measure', 'p50 ms', 'p99 ms', 'max ms', 'n'],
        rows: [
          ['POST /checkout answered (202 once reserved)', fmt(post.p50, 0), fmt(post.p99, 0), fmt(post.max, 0), latencyResult.postMs.length],
          ['POST sent → order completed (20 ms poll)', fmt(done.p50, 0), fmt(done.p99, 0), fmt(done.max, 0), latencyResult.completedMs.length],
        ],
        notes: [
          'completed = reserved, intent created and confirmed in the payments sandbox, captured on confirm, stock committed, order completed; each Step Functions task is an in-process function call',
          `platform process CPU per checkout: ${fmt(latencyResult.platformCpuMsPerCheckout, 0)} ms (gateway, every function of the saga, local Step Functions, payments sandbox, webhook and event consumers, and the 20 ms polls; DynamoDB Local's JVM not included)`,
          ...Object.entries(latencyResult.notCompleted).map(([status, n]) => `FLAG ${n} run(s) not completed: ${status}`),
        ],
      },
      {
        title: `DynamoDB calls per checkout (median of ${roundTripRuns} run(s) by total), counted on shared/db/client.ts's client in the platform process`,
        columns: ['command', 'POST → completed', 'next 3 s'],
        rows: [...commands.map((c) => [c, during.calls[c] ?? 0, after.calls[c] ?? 0]), ['total', totalCalls(during), totalCalls(after)]],
        notes: [
          `by command and item kind (POST → completed): ${targetsTouched.map((t) => `${t} ${during.byTarget[t]}`).join(', ')}`,
          `TransactWriteItems wrote ${during.transactItems} item(s) in all: ${Object.entries(during.transactItemKinds).map(([k, n]) => `${k} ${n}`).join(', ')}`,
          `failed calls: ${Object.entries(during.failures).map(([k, n]) => `${k} ×${n}`).join('; ') || 'none'}; totals per run: ${trips.during.map(totalCalls).join(', ')}; a quiet second before: ${totalCalls(trips.idle)} call(s)`,
          'not counted: the Powertools idempotency client (its own DynamoDBClient, not used by POST /checkout), DynamoDB Streams reads by the local stream pollers, and the platform\'s own migrate/seed client',
          '"next 3 s": calls after the order was completed, by consumers of its events (outbox → stream → bus → queues)',
        ],
      },
    ],
    figures: {
      skus,
      race: raceResult,
      pacedRace: pacedResult,
      twoProcesses,
      latency: { postMs: post, completedMs: done, runs: latencyResult },
      dynamoCalls: { during, after, runs: trips.during, afterRuns: trips.after, idle: trips.idle },
      sectionSeconds,
    },
    targets: [
      ...raceTargets('race', raceResult),
      ...('result' in twoProcesses ? raceTargets('race, two processes', twoProcesses.result) : []),
    ],
    notMeasured: 'error' in twoProcesses ? [`race, two processes on one DynamoDB Local: ${twoProcesses.error}`] : [],
    parameters: { requests, stock, pacedInFlight: PACED_IN_FLIGHT, latencyRuns, roundTripRuns, store: STORE, prepareConcurrency: PREPARE_CONCURRENCY, settleTimeoutMs: SETTLE_TIMEOUT_MS },
  };
}
