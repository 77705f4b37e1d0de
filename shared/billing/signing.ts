import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The two HMAC-SHA256 signatures of the billing contract (integration-files/billing/openapi.json):
 * our requests to the billing system, and its webhooks to us. Both sign a timestamp with the
 * content, so a captured message cannot be replayed after the tolerance.
 */

/** How old a signed timestamp may be, either way, before the message is refused as stale. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

export const REQUEST_TIMESTAMP_HEADER = 'X-Signature-Timestamp';
export const REQUEST_SIGNATURE_HEADER = 'X-Signature';
export const WEBHOOK_SIGNATURE_HEADER = 'Billing-Signature';

/** What a signature check concluded: a forged or unsigned message is `bad-signature` whatever its age. */
export type SignatureVerdict = 'ok' | 'bad-signature' | 'stale';

/**
 * Webhook signing keys: one, several, or the `{ current, previous? }` shape of the secret and the
 * environment. Two are held only while a key is rotated.
 */
export type WebhookSecrets = string | readonly string[] | { current: string; previous?: string | undefined };

/** A point in time: a Date, or epoch milliseconds as `Date.now()` gives them. */
export type Instant = Date | number;

function unixSeconds(at: Instant): number {
  return Math.floor((typeof at === 'number' ? at : at.getTime()) / 1000);
}

function hmac(secret: string, payload: string): string {
  return createHmac('sha256', secret).update(payload, 'utf8').digest('hex');
}

/** Compares two hex digests in constant time, so the comparison leaks nothing about the expected one. */
function sameDigest(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

function secretList(secrets: WebhookSecrets): string[] {
  if (typeof secrets === 'string') return [secrets];
  if ('current' in secrets) return secrets.previous === undefined ? [secrets.current] : [secrets.current, secrets.previous];
  return [...(secrets as readonly string[])];
}

/** A request to sign: `path` is the request target as sent, path and query (`/billing/exports/invoices?date=2026-11-26`). */
export interface SignedRequest {
  method: string;
  path: string;
  /** The exact body bytes sent, as UTF-8; empty for a GET. */
  body: string;
}

/** `"<timestamp>.<METHOD>.<path>.<body>"`, the string a request signature covers. */
function requestPayload(timestamp: number, request: SignedRequest): string {
  return `${timestamp}.${request.method.toUpperCase()}.${request.path}.${request.body}`;
}

/**
 * The signature headers of one request to the billing system.
 * @param at when the request is sent
 * @returns `X-Signature-Timestamp` (unix seconds) and `X-Signature` (`v1=<hex>`)
 */
export function signRequest(request: SignedRequest, secret: string, at: Instant = Date.now()): Record<string, string> {
  const timestamp = unixSeconds(at);
  return { [REQUEST_TIMESTAMP_HEADER]: String(timestamp), [REQUEST_SIGNATURE_HEADER]: `v1=${hmac(secret, requestPayload(timestamp, request))}` };
}

/**
 * Checks a request's signature headers, as the billing system (or its sandbox) does. The signature
 * is checked before the timestamp, so only a genuine old request is `stale`.
 */
export function verifyRequest(
  request: SignedRequest,
  headers: { timestamp: string | undefined; signature: string | undefined },
  secret: string,
  now: Instant = Date.now(),
  toleranceSeconds = SIGNATURE_TOLERANCE_SECONDS,
): SignatureVerdict {
  if (headers.timestamp === undefined || headers.signature === undefined || !/^\d{1,12}$/.test(headers.timestamp)) return 'bad-signature';
  const timestamp = Number(headers.timestamp);
  const expected = `v1=${hmac(secret, requestPayload(timestamp, request))}`;
  if (!sameDigest(expected, headers.signature.trim())) return 'bad-signature';
  return Math.abs(unixSeconds(now) - timestamp) > toleranceSeconds ? 'stale' : 'ok';
}

/**
 * The `Billing-Signature` header of a webhook: `t=<unix seconds>,v1=<hex>` with one `v1` per key,
 * so a receiver holding either the old or the new key during a rotation accepts it.
 * @param body the exact body sent
 * @param at the signing time
 */
export function signWebhook(body: string, secrets: WebhookSecrets, at: Instant = Date.now()): string {
  const timestamp = unixSeconds(at);
  const signatures = secretList(secrets).map((secret) => `v1=${hmac(secret, `${timestamp}.${body}`)}`);
  return [`t=${timestamp}`, ...signatures].join(',');
}

/**
 * Verifies a webhook's `Billing-Signature` over its raw body against every key we hold (two during
 * a rotation). The signature is checked before the timestamp, so a forged webhook is
 * `bad-signature` whatever its age and only a genuine one dated further than the tolerance from now, either way, is `stale`
 * (the receiver answers 401 and 400 respectively).
 * @param header the `Billing-Signature` header; undefined when absent
 * @param now the receiving time
 */
export function verifyWebhook(
  rawBody: string,
  header: string | undefined,
  secrets: WebhookSecrets,
  now: Instant = Date.now(),
  toleranceSeconds = SIGNATURE_TOLERANCE_SECONDS,
): SignatureVerdict {
  if (!header) return 'bad-signature';
  const parts = header.split(',').map((part) => part.trim());
  const timestamps = parts.filter((p) => p.startsWith('t=')).map((p) => p.slice(2));
  const signatures = parts.filter((p) => p.startsWith('v1=')).map((p) => p.slice(3));
  const [timestamp] = timestamps;
  if (timestamps.length !== 1 || timestamp === undefined || !/^\d{1,12}$/.test(timestamp) || signatures.length === 0) return 'bad-signature';
  const keys = secretList(secrets).filter((secret) => secret !== '');
  const genuine = keys.some((secret) => {
    const expected = hmac(secret, `${timestamp}.${rawBody}`);
    return signatures.some((given) => sameDigest(expected, given));
  });
  if (!genuine) return 'bad-signature';
  // The absolute age: a webhook dated in the future is as suspect as an old one, and would otherwise never go stale.
  return Math.abs(unixSeconds(now) - Number(timestamp)) > toleranceSeconds ? 'stale' : 'ok';
}
