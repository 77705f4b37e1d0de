import { hmacHex, sameDigest, signTimestampedWebhook, unixSeconds, verifyTimestampedWebhook, type Instant, type SignatureVerdict } from '../http/webhook-signature.js';

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

export type { Instant, SignatureVerdict };

/**
 * Webhook signing keys: one, several, or the `{ current, previous? }` shape of the secret and the
 * environment. Two are held only while a key is rotated.
 */
export type WebhookSecrets = string | readonly string[] | { current: string; previous?: string | undefined };

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
  return { [REQUEST_TIMESTAMP_HEADER]: String(timestamp), [REQUEST_SIGNATURE_HEADER]: `v1=${hmacHex(secret, requestPayload(timestamp, request))}` };
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
  const expected = `v1=${hmacHex(secret, requestPayload(timestamp, request))}`;
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
  return signTimestampedWebhook(body, secretList(secrets), at);
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
  return verifyTimestampedWebhook(rawBody, header, secretList(secrets), now, toleranceSeconds);
}
