import { PROBLEM_TYPE_BASE } from '../../../shared/http/problem.js';

/**
 * The checkout section's HTTP side: a shopper's way to a checkout (token, cart, lines, slot) over the platform's
 * public API, the way the e2e tests do it but without the contract checks, whose cost would colour the timings.
 */

export interface Reply<T = unknown> {
  status: number;
  body: T;
  /** From sending the request to the whole body read. */
  ms: number;
}

/** Calls the API; JSON in and out. Network failures are status 0 rather than exceptions, so a race can count them. */
export async function call<T = unknown>(
  baseUrl: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Reply<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const started = performance.now();
  try {
    const response = await fetch(`${baseUrl}${path}`, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      // Not JSON: kept as text for the error message.
    }
    return { status: response.status, body: body as T, ms: performance.now() - started };
  } catch (error) {
    return { status: 0, body: { error: (error as Error).message } as T, ms: performance.now() - started };
  }
}

/** Like {@link call}, but anything other than `expected` is an error naming the request and the answer. */
export async function must<T = unknown>(
  expected: number,
  baseUrl: string,
  method: string,
  path: string,
  options: Parameters<typeof call>[3] = {},
): Promise<T> {
  const reply = await call<T>(baseUrl, method, path, options);
  if (reply.status !== expected) throw new Error(`${method} ${path} answered ${reply.status}, expected ${expected}: ${JSON.stringify(reply.body).slice(0, 500)}`);
  return reply.body;
}

/** The slug of a problem document's type (`insufficient-stock`), or `none` for a body that is not one. */
export function problemType(body: unknown): string {
  const type = (body as { type?: unknown } | undefined)?.type;
  if (typeof type !== 'string') return 'none';
  return type.startsWith(PROBLEM_TYPE_BASE) ? type.slice(PROBLEM_TYPE_BASE.length) : type;
}

/** A local token; staff of a store name it in `stores` (principals are bound to the stores they work at). */
export async function mintToken(baseUrl: string, subject: string, roles: string[], stores: string[] = []): Promise<string> {
  return (await must<{ token: string }>(200, baseUrl, 'POST', '/local/tokens', { body: { subject, roles, stores } })).token;
}

export interface SlotChoice {
  id: string;
  mode: 'delivery' | 'pickup';
  remaining: number;
  minimumOrder: number;
}

/** A slot must stay bookable this long after it is listed: baskets are prepared minutes before they check out. */
const CUTOFF_MARGIN_MS = 20 * 60_000;

/** The store's slots a basket can book now and still book when it checks out a few minutes later. */
export async function openSlots(baseUrl: string, storeId: string): Promise<SlotChoice[]> {
  const { items } = await must<{ items: { id: string; mode: 'delivery' | 'pickup'; available: boolean; remaining: number; cutoffAt: string; minimumOrder: { amount: number } }[] }>(
    200,
    baseUrl,
    'GET',
    `/stores/${storeId}/slots`,
  );
  const bookableUntil = Date.now() + CUTOFF_MARGIN_MS;
  return items
    .filter((s) => s.available && Date.parse(s.cutoffAt) > bookableUntil)
    .map((s) => ({ id: s.id, mode: s.mode, remaining: s.remaining, minimumOrder: s.minimumOrder.amount }));
}

/** Units of capacity held across all the store's listed slots (open or not): what baskets and orders took. */
export async function slotUnitsHeld(baseUrl: string, storeId: string): Promise<number> {
  const { items } = await must<{ items: { capacity: number; remaining: number }[] }>(200, baseUrl, 'GET', `/stores/${storeId}/slots`);
  return items.reduce((sum, s) => sum + s.capacity - s.remaining, 0);
}

/**
 * One slot per basket, round robin over the slots with room, never more baskets in a slot than it has room for
 * (less `spare` per slot): capacity must never be what refuses a checkout, and spreading keeps one slot's item from
 * being a second hot spot beside the stock.
 *
 * @throws Error when the slots cannot take `count` baskets
 */
export function allocateSlots<S extends { remaining: number }>(slots: readonly S[], count: number, spare = 0): S[] {
  const room = slots.map((s) => Math.max(0, s.remaining - spare));
  const total = room.reduce((sum, n) => sum + n, 0);
  if (total < count) throw new Error(`the open slots have room for ${total} baskets; ${count} are needed`);
  const out: S[] = [];
  for (let i = 0; out.length < count; i = (i + 1) % slots.length) {
    if (room[i]! > 0) {
      room[i]! -= 1;
      out.push(slots[i]!);
    }
  }
  return out;
}

export interface BasketLine {
  sku: string;
  count: number;
}

const ADDRESS = { line1: '1 Tooley Street', city: 'London', postcode: 'SE1 2TF', country: 'GB' };

/** A cart at `storeId` with `lines` and the slot booked, ready for `POST /checkout`. Returns the cart id. */
export async function prepareCart(baseUrl: string, token: string, storeId: string, lines: readonly BasketLine[], slot: SlotChoice): Promise<string> {
  const cart = await must<{ id: string }>(201, baseUrl, 'POST', '/carts', { token, body: { storeId } });
  for (const line of lines) await must(200, baseUrl, 'POST', `/carts/${cart.id}/lines`, { token, body: { sku: line.sku, quantity: { count: line.count } } });
  const fulfillment = slot.mode === 'delivery' ? { mode: 'delivery', slotId: slot.id, address: ADDRESS } : { mode: 'pickup', slotId: slot.id };
  const priced = await must<{ pricing?: { minimumOrder?: { met: boolean; required: { amount: number } } } }>(200, baseUrl, 'PUT', `/carts/${cart.id}/fulfillment`, {
    token,
    body: fulfillment,
  });
  if (priced.pricing?.minimumOrder?.met === false) throw new Error(`cart ${cart.id} does not meet the slot's minimum order ${priced.pricing.minimumOrder.required.amount}`);
  return cart.id;
}

/** Runs `work` over `items` with at most `limit` in flight, keeping the order of `items` in the results. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
