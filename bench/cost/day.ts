import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../infra/local/engines/credentials.js';
import { sampleCatalog } from '../../shared/catalog/seed.js';
import { keys } from '../../shared/db/keys.js';
import { call, mapLimit, mintToken, must, openSlots, sleep, type Reply } from '../sections/checkout/shoppers.js';

/**
 * A scripted day of orders on the local platform, over its public API as shoppers and staff use it: a shopper browses
 * (categories, a product listing, a product), searches, fills a cart, books a delivery slot and checks out; a picker
 * opens the order and picks it (the capture and completion follow in the saga, the invoice in billing sync), packs it,
 * dispatches it by own van, out for delivery and delivered; a store manager refunds part of one order in `refundEvery`.
 * Waiting for the saga reads the order's item straight from DynamoDB Local, past the meter, so that no request a real
 * day would not make is counted.
 */

export const STORE = 'london-bridge';
const ADDRESS = { line1: '1 Tooley Street', city: 'London', postcode: 'SE1 2TF', country: 'GB' };
const POLL_MS = 50;
const WAIT_MS = 120_000;

export interface DayOptions {
  url: string;
  /** DynamoDB Local's own endpoint (not the meter's proxy) and the table, for waiting on the saga uncounted. */
  engine: { dynamodb: string; tableName: string };
  orders: number;
  concurrency: number;
  refundEvery: number;
  /** Distinguishes this day's shoppers and idempotency keys from an earlier day's on the same data. */
  runId: string;
}

export interface DayOutcome {
  orders: number;
  refunds: number;
  /** Requests of the day by the stage that made them. */
  requests: Record<string, number>;
}

interface OrderSeen {
  id: string;
  lines: { lineId: string; quantity: Record<string, number> }[];
}

/** A weighed SKU (so the saga waits for the pick, as a grocery order does) and a dear fixed-price one to meet the minimum order. */
export function daySkus() {
  const products = sampleCatalog().products.filter((p) => p.status === 'active' && !p.bundle && !p.ageRestricted && p.taxCategory === 'food');
  const weighedProduct = products.find((p) => p.variants.some((v) => v.soldBy === 'weight' && v.averageWeightGrams !== undefined))!;
  const weighed = weighedProduct.variants.find((v) => v.soldBy === 'weight' && v.averageWeightGrams !== undefined)!;
  const filler = products.flatMap((p) => p.variants.filter((v) => v.soldBy === 'each')).sort((a, b) => b.price.amount - a.price.amount)[0]!;
  return {
    weighed: { sku: weighed.sku, grams: 500, searchTerm: weighedProduct.name.split(/\s+/)[0]!.toLowerCase() },
    filler: { sku: filler.sku, price: filler.price.amount },
  };
}

export type DaySkus = ReturnType<typeof daySkus>;

/** The staff of the day at {@link STORE} and the stock it sells, set up before the meter starts counting. */
export async function prepareDay(url: string, skus: DaySkus): Promise<{ picker: string; manager: string }> {
  const picker = await mintToken(url, 'cost-day-picker', ['picker'], [STORE]);
  const manager = await mintToken(url, 'cost-day-manager', ['store-manager'], [STORE]);
  for (const sku of [skus.weighed.sku, skus.filler.sku]) {
    await must(201, url, 'POST', '/inventory/adjustments', { token: manager, body: { sku, storeId: STORE, setTo: 1_000_000, reason: 'stock-take', note: 'cost day' } });
  }
  return { picker, manager };
}

/** Runs the day: `orders` orders, `concurrency` at a time. Any order that goes wrong ends the day with its reason. */
export async function runDay(options: DayOptions, skus: DaySkus, staff: { picker: string; manager: string }): Promise<DayOutcome> {
  const dynamo = new DynamoDBClient({ endpoint: options.engine.dynamodb, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  const requests: Record<string, number> = {};
  let refunds = 0;
  const url = options.url;

  const request = async <T>(stage: string, expected: number, method: string, path: string, init: Parameters<typeof call>[3] = {}): Promise<T> => {
    requests[stage] = (requests[stage] ?? 0) + 1;
    const reply: Reply<T> = await call<T>(url, method, path, init);
    if (reply.status !== expected) throw new Error(`${stage}: ${method} ${path} answered ${reply.status}, expected ${expected}: ${JSON.stringify(reply.body).slice(0, 400)}`);
    return reply.body;
  };

  /** Reads the order's item past the meter until `done` says so. */
  const until = async (orderId: string, what: string, done: (item: { status?: string; fulfillmentStatus?: string }) => boolean) => {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const { Item } = await dynamo.send(new GetItemCommand({ TableName: options.engine.tableName, Key: { pk: { S: keys.order(orderId).pk }, sk: { S: keys.order(orderId).sk } } }));
      const item = { status: Item?.status?.S, fulfillmentStatus: Item?.fulfillmentStatus?.S };
      if (done(item)) return;
      if (item.status === 'failed' || item.status === 'cancelled') throw new Error(`order ${orderId} ${item.status} while waiting to be ${what}`);
      if (Date.now() > deadline) throw new Error(`order ${orderId} is ${item.status ?? 'missing'}, not ${what}, after ${WAIT_MS} ms`);
      await sleep(POLL_MS);
    }
  };

  const order = async (index: number) => {
    const shopper = await mintToken(url, `cost-shopper-${options.runId}-${index}`, ['shopper']);
    const as = { token: shopper };
    await request('browse', 200, 'GET', '/categories');
    const listing = await request<{ items: { id: string }[] }>('browse', 200, 'GET', '/products?limit=24');
    const product = listing.items[index % listing.items.length];
    if (product) await request('browse', 200, 'GET', `/products/${product.id}`);
    await request('search', 200, 'GET', `/search?q=${encodeURIComponent(skus.weighed.searchTerm)}&store=${STORE}`);

    requests.cart = (requests.cart ?? 0) + 1;
    const slot = (await openSlots(url, STORE)).filter((s) => s.mode === 'delivery').sort((a, b) => b.remaining - a.remaining)[0];
    if (!slot) throw new Error(`no delivery slot at ${STORE} has room`);
    const cart = await request<{ id: string }>('cart', 201, 'POST', '/carts', { ...as, body: { storeId: STORE } });
    await request('cart', 200, 'POST', `/carts/${cart.id}/lines`, { ...as, body: { sku: skus.weighed.sku, quantity: { grams: skus.weighed.grams } } });
    const fillers = Math.max(1, Math.ceil((slot.minimumOrder * 1.25) / skus.filler.price));
    await request('cart', 200, 'POST', `/carts/${cart.id}/lines`, { ...as, body: { sku: skus.filler.sku, quantity: { count: fillers } } });
    await request('cart', 200, 'PUT', `/carts/${cart.id}/fulfillment`, { ...as, body: { mode: 'delivery', slotId: slot.id, address: ADDRESS } });

    const placed = await request<{ id: string }>('checkout', 202, 'POST', '/checkout', {
      ...as,
      body: { cartId: cart.id, paymentMethod: 'pm_card_visa' },
      headers: { 'idempotency-key': `cost-${options.runId}-${cart.id}` },
    });
    await until(placed.id, 'waiting to be picked', (o) => o.status === 'picking');

    const picker = { token: staff.picker };
    const seen = await request<OrderSeen>('pick', 200, 'GET', `/orders/${placed.id}`, picker);
    const lines = seen.lines.map((line) => ({ lineId: line.lineId, quantity: line.quantity }));
    await request('pick', 200, 'POST', `/orders/${placed.id}/pick`, { ...picker, body: { lines } });
    await until(placed.id, 'completed', (o) => o.status === 'completed');

    await request('dispatch', 200, 'POST', `/orders/${placed.id}/pack`, { ...picker, body: { zones: [{ zone: 'ambient', bags: 2, lineIds: lines.map((l) => l.lineId) }] } });
    const { shipment } = await request<{ shipment: { id: string } }>('dispatch', 201, 'POST', `/orders/${placed.id}/shipments`, {
      ...picker,
      body: { carrier: 'own-van' },
      headers: { 'idempotency-key': `cost-ship-${placed.id}` },
    });
    const events = `/orders/${placed.id}/shipments/${shipment.id}/events`;
    await request('dispatch', 200, 'POST', events, { ...picker, body: { type: 'out-for-delivery' } });
    await request('dispatch', 200, 'POST', events, { ...picker, body: { type: 'delivered' } });

    if (options.refundEvery > 0 && index % options.refundEvery === options.refundEvery - 1) {
      await request('refund', 200, 'POST', `/orders/${placed.id}/refunds`, {
        token: staff.manager,
        body: { amount: 100, reason: 'a bruised item (cost day)' },
        headers: { 'idempotency-key': `cost-refund-${placed.id}` },
      });
      refunds += 1;
    }
  };

  try {
    await mapLimit(
      Array.from({ length: options.orders }, (_, i) => i),
      options.concurrency,
      (i) => order(i),
    );
  } finally {
    dynamo.destroy();
  }
  return { orders: options.orders, refunds, requests };
}
