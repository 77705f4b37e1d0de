import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { logger } from '../observability/logger.js';
import { CourierRefusedError, CourierUnavailableError, type Courier } from './courier.js';
import { CourierLabel, CourierShipment, QuoteList, TrackingEventList } from './model.js';

/**
 * The {@link Courier} port over HTTP: bearer token, an `Idempotency-Key` on every POST, answers parsed against the
 * contract, and retries of what may succeed on a second try (5xx, 429, 409 `idempotency_key_in_use`, timeouts, lost
 * connections) with the same key, backing off exponentially with jitter and never sooner than the courier's
 * `Retry-After`, within a time budget: a booking runs inside a staff request, which must answer in seconds.
 */

/** How many tries, and how long, one courier call may take before it gives up. */
export interface CourierRetryPolicy {
  /** Tries of one call, the first included. */
  attempts: number;
  /** Time from the first try after which no further try starts; a wait that would end beyond it is not taken. */
  budgetMs: number;
  /** The first wait before jitter; each further wait doubles, up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
}

/** 3 tries within 10 s: with a 4 s timeout per try, a dispatch answers well inside API Gateway's 29 s. */
export const COURIER_RETRY: CourierRetryPolicy = { attempts: 3, budgetMs: 10_000, baseDelayMs: 300, maxDelayMs: 3_000 };

export const DEFAULT_COURIER_TIMEOUT_MS = 4_000;

/** Which courier, and how to reach it. */
export interface CourierApiSettings {
  /** The carrier id shipments booked with it carry (`acme-parcels`). */
  courierId: string;
  /** An origin, optionally with a path prefix: `https://api.courier.example.com` or `http://127.0.0.1:4020`. */
  baseUrl: string;
  token: string;
}

export interface HttpCourierOptions extends CourierApiSettings {
  /** Per try, from sending to the whole answer read. */
  timeoutMs?: number;
  retry?: CourierRetryPolicy;
  /** For tests. */
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  /** Uniform in [0, 1), for the jitter. */
  random?: () => number;
  /** Milliseconds on a monotonic clock, for the budget. */
  clock?: () => number;
  /** Wall-clock milliseconds, for an HTTP-date Retry-After. */
  now?: () => number;
}

/**
 * The wait before try `attempt + 1` after try `attempt` (1-based) failed: exponential with equal jitter (half fixed,
 * half random, so callers that failed together do not come back together), and never shorter than `Retry-After`.
 * @param random uniform in [0, 1)
 */
export function courierRetryDelayMs(policy: CourierRetryPolicy, attempt: number, random: number, retryAfterSeconds?: number): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  const jittered = Math.round(exponential / 2 + (random * exponential) / 2);
  return retryAfterSeconds === undefined ? jittered : Math.max(jittered, retryAfterSeconds * 1000);
}

/**
 * `Retry-After` as seconds: a delay in seconds or an HTTP date.
 * @returns undefined when absent or unreadable
 */
export function parseRetryAfter(header: string | null, now = Date.now()): number | undefined {
  const trimmed = header?.trim() ?? '';
  if (trimmed === '') return undefined;
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function errorOf(answer: string): { code?: string; message?: string } | undefined {
  const body = safeJson(answer) as { error?: { code?: unknown; message?: unknown } } | undefined;
  const error = body?.error;
  if (typeof error !== 'object' || error === null) return undefined;
  return {
    ...(typeof error.code === 'string' ? { code: error.code } : {}),
    ...(typeof error.message === 'string' ? { message: error.message } : {}),
  };
}

/** A {@link Courier} over HTTP, retrying within `retry` (see the module's comment). */
export function httpCourier(options: HttpCourierOptions): Courier {
  const base = options.baseUrl.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? DEFAULT_COURIER_TIMEOUT_MS;
  const policy = options.retry ?? COURIER_RETRY;
  const send = options.fetch ?? fetch;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = options.random ?? Math.random;
  const clock = options.clock ?? (() => performance.now());
  const now = options.now ?? Date.now;

  /** One try: the parsed answer, or a CourierUnavailableError (worth another try) or CourierRefusedError. */
  async function once<T>(method: 'GET' | 'POST', path: string, schema: z.ZodType<T>, body: unknown, idempotencyKey: string | undefined): Promise<T> {
    const url = new URL(`${base}${path}`);
    const headers: Record<string, string> = { authorization: `Bearer ${options.token}`, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (idempotencyKey !== undefined) headers['idempotency-key'] = idempotencyKey;
    const where = `courier ${method} ${url.pathname}`;
    let response: Response;
    let answer: string;
    try {
      response = await send(url, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }), signal: AbortSignal.timeout(timeoutMs) });
      answer = await response.text();
    } catch (error) {
      const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
      // The call may have taken effect without its answer reaching us: the retry under the same key is answered with it.
      throw new CourierUnavailableError(timedOut ? `${where} timed out after ${timeoutMs} ms` : `${where} failed: ${(error as Error).message}`, undefined, undefined, { cause: error });
    }
    const { status } = response;
    if (status >= 200 && status < 300) {
      const parsed = schema.safeParse(safeJson(answer));
      // The same request would be answered the same way: not worth a retry.
      if (!parsed.success) throw new CourierRefusedError(`${where} answered ${status} with a body outside the contract`, status, 'invalid_response');
      return parsed.data;
    }
    const error = errorOf(answer);
    const message = `${where} answered ${status}${error?.code ? ` ${error.code}` : ''}${error?.message ? `: ${error.message}` : ''}`;
    // A key still in flight (our own earlier try, or a racing dispatcher) answers with the first call's result once it ends.
    if (status >= 500 || status === 429 || status === 408 || (status === 409 && error?.code === 'idempotency_key_in_use')) {
      throw new CourierUnavailableError(message, parseRetryAfter(response.headers.get('retry-after'), now()), status);
    }
    throw new CourierRefusedError(message, status, error?.code, error?.message);
  }

  async function call<T>(method: 'GET' | 'POST', path: string, schema: z.ZodType<T>, body?: unknown, idempotencyKey?: string): Promise<T> {
    const started = clock();
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await once(method, path, schema, body, idempotencyKey);
      } catch (error) {
        if (!(error instanceof CourierUnavailableError) || attempt >= policy.attempts) throw error;
        const delay = courierRetryDelayMs(policy, attempt, random(), error.retryAfterSeconds);
        if (clock() - started + delay > policy.budgetMs) throw error;
        logger.warn('courier call failed, retrying', { method, path, attempt, delayMs: delay, status: error.status, error: error.message });
        await sleep(delay);
      }
    }
  }

  const shipmentPath = (shipmentId: string, rest = '') => `/v1/shipments/${encodeURIComponent(shipmentId)}${rest}`;
  return {
    id: options.courierId,
    // A quote changes nothing, so any key will do; the contract asks for one on every POST.
    quote: async (request) => (await call('POST', '/v1/quotes', QuoteList, request, `quote:${randomUUID()}`)).quotes,
    book: (request, key) => call('POST', '/v1/shipments', CourierShipment, request, key),
    cancel: (shipmentId, key, reason) => call('POST', shipmentPath(shipmentId, '/cancel'), CourierShipment, reason === undefined ? {} : { reason }, key),
    label: (shipmentId, format = 'pdf') => call('GET', shipmentPath(shipmentId, `/label?format=${format}`), CourierLabel),
    trackingEvents: async (shipmentId) => (await call('GET', shipmentPath(shipmentId, '/events'), TrackingEventList)).items,
  };
}
