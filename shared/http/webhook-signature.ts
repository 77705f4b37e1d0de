import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The timestamped HMAC-SHA256 webhook signature our partners send (the billing system's `Billing-Signature`, the
 * courier's `Courier-Signature`) and their sandboxes imitate: `t=<unix seconds>,v1=<hex HMAC of "<t>.<raw body>">`,
 * one `v1` per key the sender signs with (two during a rotation). The timestamp is signed with the body, so a captured
 * webhook cannot be replayed after the tolerance. Each partner's module names its header and wraps these.
 */

/** What a signature check concluded: a forged or unsigned message is `bad-signature` whatever its age. */
export type SignatureVerdict = 'ok' | 'bad-signature' | 'stale';

/** A point in time: a Date, or epoch milliseconds as `Date.now()` gives them. */
export type Instant = Date | number;

/** Whole seconds since the epoch, as signed timestamps are written. */
export function unixSeconds(at: Instant): number {
  return Math.floor((typeof at === 'number' ? at : at.getTime()) / 1000);
}

/** The hex HMAC-SHA256 of a UTF-8 payload. */
export function hmacHex(secret: string, payload: string): string {
  return createHmac('sha256', secret).update(payload, 'utf8').digest('hex');
}

/** Compares two digests in constant time, so the comparison leaks nothing about the expected one. */
export function sameDigest(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The signature header of a webhook: `t=<unix seconds>` then one `v1=` per key.
 * @param body the exact body sent
 * @param secrets every key to sign with: the new and the old one during a rotation
 * @param at the signing time
 */
export function signTimestampedWebhook(body: string, secrets: readonly string[], at: Instant = Date.now()): string {
  const timestamp = unixSeconds(at);
  return [`t=${timestamp}`, ...secrets.map((secret) => `v1=${hmacHex(secret, `${timestamp}.${body}`)}`)].join(',');
}

/**
 * Verifies a webhook's signature header over its raw body against every key we hold (two during a rotation). The
 * signature is checked before the timestamp, so a forged webhook is `bad-signature` whatever its age, and only a
 * genuine one dated further than the tolerance from now, either way, is `stale`: a future date is as suspect as an old
 * one, and would otherwise never go stale. Receivers answer 401 and 400 respectively.
 * @param header the header's value; undefined when absent
 * @param now the receiving time
 */
export function verifyTimestampedWebhook(rawBody: string, header: string | undefined, secrets: readonly string[], now: Instant, toleranceSeconds: number): SignatureVerdict {
  if (!header) return 'bad-signature';
  const parts = header.split(',').map((part) => part.trim());
  const timestamps = parts.filter((p) => p.startsWith('t=')).map((p) => p.slice(2));
  const signatures = parts.filter((p) => p.startsWith('v1=')).map((p) => p.slice(3));
  const [timestamp] = timestamps;
  if (timestamps.length !== 1 || timestamp === undefined || !/^\d{1,12}$/.test(timestamp) || signatures.length === 0) return 'bad-signature';
  const genuine = secrets
    .filter((secret) => secret !== '')
    .some((secret) => {
      const expected = hmacHex(secret, `${timestamp}.${rawBody}`);
      return signatures.some((given) => sameDigest(expected, given));
    });
  if (!genuine) return 'bad-signature';
  return Math.abs(unixSeconds(now) - Number(timestamp)) > toleranceSeconds ? 'stale' : 'ok';
}
