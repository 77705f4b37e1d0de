import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { RESPONSE_EXCERPT_BYTES, type AttemptError } from './delivery-model.js';

/**
 * One attempt of a webhook delivery: signed the Standard Webhooks way with the `standardwebhooks` package and POSTed
 * with a hard timeout. Every attempt is signed afresh (a new `webhook-timestamp`, so a late retry is not stale at the
 * receiver) under the same `webhook-id`, with one signature per active secret (two during a rotation's overlap).
 */

/** The hard limit of one attempt, connection to the last byte read, unless configured otherwise. */
export const DEFAULT_SEND_TIMEOUT_MS = 10_000;

/**
 * Where a URL's host may be reached: the one address to connect to, checked against the URL policy at send time, or
 * `refused`. The connection is pinned to that address, so a DNS answer that changes between the check and the connect
 * (DNS rebinding) cannot point it elsewhere. A name that does not resolve throws (classified `dns`).
 */
export type CheckAddress = (hostname: string) => Promise<{ allowed: true; address: string; family: 4 | 6 } | { allowed: false }>;

export interface WebhookRequest {
  url: string;
  /** The delivery's `webhook-id`. */
  webhookId: string;
  /** The exact JSON text to send and sign. */
  payload: string;
  /** The endpoint's active signing secrets (`whsec_...`), oldest first; at least one. */
  secrets: readonly string[];
  /** The signing time, sent as `webhook-timestamp`. */
  now: Date;
  timeoutMs: number;
  checkAddress: CheckAddress;
}

/** What an attempt came to: the endpoint's status, or why there was none, and the first bytes of its answer. */
export interface WebhookOutcome {
  /** A 2xx answer: the delivery is done. */
  ok: boolean;
  statusCode?: number;
  error?: AttemptError;
  durationMs: number;
  responseExcerpt: string;
}

/** The three Standard Webhooks headers of one attempt: one `v1,<signature>` per secret, space-separated. */
export function signatureHeaders(webhookId: string, payload: string, secrets: readonly string[], now: Date): Record<string, string> {
  if (secrets.length === 0) throw new Error('a webhook needs at least one signing secret');
  const signature = secrets.map((secret) => new Webhook(secret).sign(webhookId, now, payload)).join(' ');
  return { 'webhook-id': webhookId, 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)), 'webhook-signature': signature };
}

/** The attempt error of a failed request: what the socket, DNS or TLS said, by Node's error codes. */
export function classifyError(error: unknown): AttemptError {
  // The URL policy's own refusal of a name that does not resolve (`url-policy.ts`) says so by its reason.
  if ((error as { reason?: unknown } | undefined)?.reason === 'dns') return 'dns';
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code !== 'string') return 'network';
  if (code === 'ECONNREFUSED') return 'connection-refused';
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'ECONNABORTED') return 'connection-reset';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_FAIL' || code === 'EAI_NONAME' || code === 'ENODATA') return 'dns';
  if (code === 'ETIMEDOUT' || code === 'ABORT_ERR' || code === 'UND_ERR_CONNECT_TIMEOUT') return 'timeout';
  if (code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL') || code.startsWith('CERT_') || code.includes('CERT') || code.includes('SELF_SIGNED')) {
    return 'tls';
  }
  return 'network';
}

/** The excerpt kept of a response body: at most `RESPONSE_EXCERPT_BYTES` bytes, a character cut in half replaced. */
export function responseExcerpt(bytes: Buffer): string {
  return new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(0, RESPONSE_EXCERPT_BYTES));
}

class AttemptTimeoutError extends Error {
  override readonly name = 'AttemptTimeoutError';
  readonly code = 'ETIMEDOUT';
}

/**
 * POSTs one signed attempt and says how it went; never throws for anything the endpoint or the network did. The whole
 * attempt (address check, connect, answer, the excerpt of the body) runs under `timeoutMs`; only the first 1,024 bytes
 * of the body are read, the rest is dropped with the connection. Redirects are not followed: a 3xx is a failure.
 */
export async function postWebhook(request: WebhookRequest): Promise<WebhookOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const url = new URL(request.url);
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(new AttemptTimeoutError(`no answer within ${request.timeoutMs} ms`)), request.timeoutMs);
  try {
    const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const checked = await Promise.race([request.checkAddress(hostname), aborted(abort.signal)]);
    if (!checked.allowed) return { ok: false, error: 'refused-address', durationMs: elapsed(), responseExcerpt: '' };
    const body = Buffer.from(request.payload, 'utf8');
    const headers = {
      ...signatureHeaders(request.webhookId, request.payload, request.secrets, request.now),
      'content-type': 'application/json',
      'content-length': String(body.length),
      'user-agent': 'SmartShelf-Webhooks/1',
    };
    const { statusCode, excerpt } = await exchange(url, body, headers, pinnedLookup(checked.address, checked.family), abort.signal);
    const ok = statusCode >= 200 && statusCode < 300;
    return { ok, statusCode, durationMs: elapsed(), responseExcerpt: responseExcerpt(excerpt) };
  } catch (error) {
    const cause = abort.signal.aborted ? abort.signal.reason : error;
    return { ok: false, error: classifyError(cause), durationMs: elapsed(), responseExcerpt: '' };
  } finally {
    clearTimeout(timer);
  }
}

/** A `lookup` that answers every name with the checked address, in whichever form Node asks (one, or `all`). */
function pinnedLookup(address: string, family: 4 | 6): LookupFunction {
  return ((_hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options?.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  }) as LookupFunction;
}

/** Rejects when `signal` aborts: raced against a step that cannot be aborted itself (the DNS lookup). */
function aborted(signal: AbortSignal): Promise<never> {
  const rejected = new Promise<never>((_, reject) => {
    if (signal.aborted) reject(signal.reason as Error);
    signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
  });
  // The race may be long settled when the attempt times out later: that rejection is nobody's to handle.
  rejected.catch(() => undefined);
  return rejected;
}

/** The request itself: resolves with the status and the first bytes of the body, rejects on any network failure. */
function exchange(
  url: URL,
  body: Buffer,
  headers: Record<string, string>,
  lookup: LookupFunction,
  signal: AbortSignal,
): Promise<{ statusCode: number; excerpt: Buffer }> {
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = transport.request(url, { method: 'POST', headers, lookup, signal, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      let length = 0;
      const finish = () => {
        resolve({ statusCode: res.statusCode ?? 0, excerpt: Buffer.concat(chunks).subarray(0, RESPONSE_EXCERPT_BYTES) });
        res.destroy();
      };
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        length += chunk.length;
        if (length >= RESPONSE_EXCERPT_BYTES) finish();
      });
      res.on('end', finish);
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
