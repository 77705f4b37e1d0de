import { join } from 'node:path';
import { sampleCatalog } from '../../../shared/catalog/seed.js';
import type { BenchOptions } from '../../lib/cli.js';
import { startServerChild, type ServerChild } from '../../lib/child.js';
import { BENCH_DIR, WORK_DIR, type SectionResult } from '../../lib/results.js';
import { percentile } from '../../lib/stats.js';
import { fmt } from '../../lib/table.js';
import { diffCounts, totalCalls, type CallCounts } from '../checkout/dynamo-calls.js';
import type { CheckoutPlatformInfo, CheckoutPlatformInput } from '../checkout/platform-child.js';
import { call, mintToken, must, openSlots, sleep, type Reply } from '../checkout/shoppers.js';

/**
 * The whole life of an order on the local platform, one order at a time so that every DynamoDB call the platform
 * makes in between belongs to it: checkout, paid (authorized, waiting to be picked), picked (captured, completed),
 * packed, dispatched by own van, out for delivery, delivered. It reports the DynamoDB calls per order, by stage and in
 * all (counted on `shared/db/client.ts`'s client in the platform process, as the checkout section does), and the
 * p50/p99 time of each staff action as a picker at the store sees it.
 */

const STORE = 'london-bridge';
const POLL_MS = 20;
const WAIT_MS = 120_000;
/** The event consumers (billing sync, search, loyalty) keep working after the last answer; their calls count too. */
const QUIET_MS = 1_500;

const ADDRESS = { line1: '1 Tooley Street', city: 'London', postcode: 'SE1 2TF', country: 'GB' };

/** What the bench reads of an order. */
interface OrderSeen {
  id: string;
  status: string;
  failureCode?: string;
  fulfillmentStatus?: string;
  lines: { lineId: string; quantity: Record<string, number> }[];
}

const STAGES = ['checkout → paid', 'pick → completed', 'pack', 'dispatch', 'out for delivery', 'delivered'] as const;
type Stage = (typeof STAGES)[number];
/** The stages a person at the store performs, timed as the staff member sees them. */
const STAFF_ACTIONS: readonly Stage[] = ['pick → completed', 'pack', 'dispatch', 'out for delivery', 'delivered'];

interface Life {
  /** The answer time of each staff action's request. */
  actionMs: Partial<Record<Stage, number>>;
  /** DynamoDB calls from the start of each stage to the start of the next (the last: until the platform is quiet). */
  calls: Record<Stage, CallCounts>;
  totalMs: number;
}

/** A weighed SKU (so the saga waits for the pick, as a grocery order does) and a dear fixed-price one to meet the minimum order. */
function pickSkus(): { weighed: { sku: string; grams: number }; filler: { sku: string; price: number } } {
  const products = sampleCatalog().products.filter((p) => p.status === 'active' && !p.bundle && !p.ageRestricted && p.taxCategory === 'food');
  const weighed = products.flatMap((p) => p.variants.filter((v) => v.soldBy === 'weight' && v.averageWeightGrams !== undefined)).at(0)!;
  const filler = products.flatMap((p) => p.variants.filter((v) => v.soldBy === 'each')).sort((a, b) => b.price.amount - a.price.amount)[0]!;
  return { weighed: { sku: weighed.sku, grams: 500 }, filler: { sku: filler.sku, price: filler.price.amount } };
}

class Platform {
  constructor(
    readonly info: CheckoutPlatformInfo,
    readonly picker: string,
  ) {}

  get url(): string {
    return this.info.url;
  }

  calls(): Promise<CallCounts> {
    return must<CallCounts>(200, this.info.controlUrl, 'GET', '/dynamo-calls');
  }

  order(id: string): Promise<OrderSeen> {
    return must<OrderSeen>(200, this.url, 'GET', `/orders/${id}`, { token: this.picker });
  }

  /** Polls the order until `done` says so; a failed or cancelled order ends the run with its reason. */
  async until(id: string, what: string, done: (order: OrderSeen) => boolean): Promise<OrderSeen> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const order = await this.order(id);
      if (done(order)) return order;
      if (order.status === 'failed' || order.status === 'cancelled') throw new Error(`order ${id} ${order.status} (${order.failureCode ?? ''}) while waiting to be ${what}`);
      if (Date.now() > deadline) throw new Error(`order ${id} is ${order.status}/${order.fulfillmentStatus ?? ''}, not ${what}, after ${WAIT_MS} ms`);
      await sleep(POLL_MS);
    }
  }

  /** Waits until the platform has made no DynamoDB call for `QUIET_MS`: the consumers of the last change are done. */
  async quiet(): Promise<CallCounts> {
    let last = await this.calls();
    let quietFor = 0;
    while (quietFor < QUIET_MS) {
      await sleep(250);
      const now = await this.calls();
      quietFor = totalCalls(now) === totalCalls(last) ? quietFor + 250 : 0;
      last = now;
    }
    return last;
  }
}

function expectStatus<T>(reply: Reply<T>, expected: number, what: string): T {
  if (reply.status !== expected) throw new Error(`${what} answered ${reply.status}, expected ${expected}: ${JSON.stringify(reply.body).slice(0, 400)}`);
  return reply.body;
}

/** One order from an empty cart to its delivery, each stage's calls and each staff action's time recorded. */
async function live(platform: Platform, run: number, skus: ReturnType<typeof pickSkus>): Promise<Life> {
  const started = performance.now();
  const shopper = await mintToken(platform.url, `bench-life-shopper-${run}-${Date.now()}`, ['shopper']);
  const slot = (await openSlots(platform.url, STORE)).filter((s) => s.mode === 'delivery').sort((a, b) => b.remaining - a.remaining)[0];
  if (!slot) throw new Error(`no delivery slot at ${STORE} has room`);
  const cart = await must<{ id: string }>(201, platform.url, 'POST', '/carts', { token: shopper, body: { storeId: STORE } });
  await must(200, platform.url, 'POST', `/carts/${cart.id}/lines`, { token: shopper, body: { sku: skus.weighed.sku, quantity: { grams: skus.weighed.grams } } });
  const fillers = Math.max(1, Math.ceil((slot.minimumOrder * 1.25) / skus.filler.price));
  await must(200, platform.url, 'POST', `/carts/${cart.id}/lines`, { token: shopper, body: { sku: skus.filler.sku, quantity: { count: fillers } } });
  await must(200, platform.url, 'PUT', `/carts/${cart.id}/fulfillment`, { token: shopper, body: { mode: 'delivery', slotId: slot.id, address: ADDRESS } });

  const marks: CallCounts[] = [await platform.quiet()];
  const actionMs: Life['actionMs'] = {};
  const timed = async <T>(stage: Stage, request: () => Promise<Reply<T>>, expected: number): Promise<T> => {
    const reply = await request();
    actionMs[stage] = reply.ms;
    return expectStatus(reply, expected, stage);
  };

  const placed = expectStatus(
    await call<{ id: string }>(platform.url, 'POST', '/checkout', { token: shopper, body: { cartId: cart.id, paymentMethod: 'pm_card_visa' }, headers: { 'idempotency-key': `life-${run}-${cart.id}` } }),
    202,
    'checkout',
  );
  const picking = await platform.until(placed.id, 'waiting to be picked', (o) => o.status === 'picking');
  marks.push(await platform.calls());

  // Everything handed over as ordered: the weighed line at its estimate.
  const lines = picking.lines.map((line) => ({ lineId: line.lineId, quantity: line.quantity }));
  await timed('pick → completed', () => call(platform.url, 'POST', `/orders/${placed.id}/pick`, { token: platform.picker, body: { lines } }), 200);
  await platform.until(placed.id, 'completed', (o) => o.status === 'completed');
  marks.push(await platform.calls());

  const zones = [{ zone: 'ambient', bags: 2, lineIds: picking.lines.map((l) => l.lineId) }];
  await timed('pack', () => call(platform.url, 'POST', `/orders/${placed.id}/pack`, { token: platform.picker, body: { zones } }), 200);
  marks.push(await platform.calls());

  const { shipment } = await timed<{ shipment: { id: string } }>(
    'dispatch',
    () => call(platform.url, 'POST', `/orders/${placed.id}/shipments`, { token: platform.picker, body: { carrier: 'own-van' }, headers: { 'idempotency-key': `life-ship-${placed.id}` } }),
    201,
  );
  marks.push(await platform.calls());

  const events = `/orders/${placed.id}/shipments/${shipment.id}/events`;
  await timed('out for delivery', () => call(platform.url, 'POST', events, { token: platform.picker, body: { type: 'out-for-delivery' } }), 200);
  marks.push(await platform.calls());
  await timed('delivered', () => call(platform.url, 'POST', events, { token: platform.picker, body: { type: 'delivered' } }), 200);
  await platform.until(placed.id, 'delivered', (o) => o.fulfillmentStatus === 'delivered');
  marks.push(await platform.quiet());

  const calls = Object.fromEntries(STAGES.map((stage, i) => [stage, diffCounts(marks[i + 1]!, marks[i]!)])) as Record<Stage, CallCounts>;
  return { actionMs, calls, totalMs: performance.now() - started };
}

/** The whole life of an order: DynamoDB calls per stage and in all, and the p50/p99 time of each staff action. */
export async function runOrderLifeSection(options: BenchOptions): Promise<SectionResult> {
  const runs = options.quick ? 3 : 15;
  const skus = pickSkus();
  let child: ServerChild<CheckoutPlatformInfo> | undefined;
  const lives: Life[] = [];
  const started = performance.now();
  try {
    child = await startServerChild<CheckoutPlatformInfo>(
      join(BENCH_DIR, 'sections', 'checkout', 'platform-child.ts'),
      { dataDir: join(WORK_DIR, 'order-life', 'platform-data') } satisfies CheckoutPlatformInput,
      { quietStdout: true, timeoutMs: 300_000 },
    );
    const picker = await mintToken(child.value.url, 'bench-life-picker', ['picker'], [STORE]);
    const manager = await mintToken(child.value.url, 'bench-life-manager', ['store-manager'], [STORE]);
    for (const sku of [skus.weighed.sku, skus.filler.sku]) {
      await must(201, child.value.url, 'POST', '/inventory/adjustments', { token: manager, body: { sku, storeId: STORE, setTo: 1_000_000, reason: 'stock-take', note: 'order-life bench' } });
    }
    const platform = new Platform(child.value, picker);
    // One life first, not counted: it loads every function of the way (cold starts are the init section's business).
    await live(platform, 0, skus);
    for (let run = 1; run <= runs; run++) lives.push(await live(platform, run, skus));
  } finally {
    await child?.stop();
  }
  const sectionSeconds = (performance.now() - started) / 1000;

  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)]!;
  const perStage = STAGES.map((stage) => ({ stage, calls: median(lives.map((l) => totalCalls(l.calls[stage]))) }));
  const totals = lives.map((l) => STAGES.reduce((sum, stage) => sum + totalCalls(l.calls[stage]), 0));
  const actions = STAFF_ACTIONS.map((stage) => {
    const ms = lives.map((l) => l.actionMs[stage]!).filter((v) => v !== undefined);
    return { stage, p50: percentile(ms, 50), p99: percentile(ms, 99), max: Math.max(...ms), n: ms.length };
  });
  const commands = (stage: Stage) =>
    Object.entries(lives[Math.floor((lives.length - 1) / 2)]!.calls[stage].calls)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([command, n]) => `${command} ${n}`)
      .join(', ');

  return {
    section: 'order-life',
    title: 'The life of an order: checkout → paid → picked → packed → dispatched → delivered',
    tables: [
      {
        title: `DynamoDB calls per order (median of ${runs} orders, one at a time), counted on shared/db/client.ts's client in the platform process`,
        columns: ['stage', 'calls', 'by command (median order)'],
        rows: [...perStage.map((s) => [s.stage, s.calls, commands(s.stage)]), ['whole life', median(totals), `min ${Math.min(...totals)}, max ${Math.max(...totals)}`]],
        notes: [
          'a stage runs from its request to the next stage\'s; the last until the platform made no call for 1.5 s, so event consumers (billing sync, search, loyalty) count with the change that woke them',
          '"checkout → paid" is the shopper\'s cart checked out: reserved, authorized in the payments sandbox, confirmed, waiting to be picked',
          'not counted: the Powertools idempotency client (its own DynamoDBClient, used by the dispatch), and DynamoDB Streams reads by the local stream poller',
        ],
      },
      {
        title: `Staff actions at ${STORE}, as a picker sees them (${runs} orders)`,
        columns: ['action', 'p50 ms', 'p99 ms', 'max ms', 'n'],
        rows: actions.map((a) => [a.stage, fmt(a.p50, 0), fmt(a.p99, 0), fmt(a.max, 0), a.n]),
        notes: ['"pick → completed" is the answer to POST /orders/{id}/pick; the capture and completion follow in the saga', `whole life, cart to delivered: p50 ${fmt(percentile(lives.map((l) => l.totalMs), 50), 0)} ms`],
      },
    ],
    figures: { perStage, totals, actions, lives: lives.map((l) => ({ actionMs: l.actionMs, calls: Object.fromEntries(STAGES.map((s) => [s, totalCalls(l.calls[s])])), totalMs: l.totalMs })), sectionSeconds },
    targets: [],
    notMeasured: [],
    parameters: { runs, store: STORE, pollMs: POLL_MS, quietMs: QUIET_MS, skus },
  };
}
