import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The courier's webhook signature (integration-files/couriers/openapi.json): `Courier-Signature:
 * t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`, with one `v1` per key the courier signs with (two
 * during a rotation). The timestamp is signed with the body, so a captured webhook cannot be replayed after the
 * tolerance.
 */

export const COURIER_SIGNATURE_HEADER = 'Courier-Signature';

/** How far a webhook's signed timestamp may be from our clock, either way, before it is refused as stale. */
export const COURIER_SIGNATURE_TOLERANCE_SECONDS = 300;

/** What a signature check concluded: a forged or unsigned webhook is `bad-signature` whatever its age. */
export type CourierSignatureVerdict = 'ok' | 'bad-signature' | 'stale';

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

/**
 * The `Courier-Signature` header of a webhook, as the courier (or its sandbox) sends it.
 * @param secrets every key to sign with: the new and the old one during a rotation
 * @param at the signing time
 */
export function signCourierWebhook(body: string, secrets: readonly string[], at: Instant = Date.now()): string {
  const timestamp = unixSeconds(at);
  return [`t=${timestamp}`, ...secrets.map((secret) => `v1=${hmac(secret, `${timestamp}.${body}`)}`)].join(',');
}

/**
 * Verifies a webhook's `Courier-Signature` over its raw body against every key we hold (two during a rotation). The
 * signature is checked before the timestamp, so a forged webhook is `bad-signature` whatever its age, and only a
 * genuine one dated further than the tolerance from now, either way, is `stale`: a future date is as suspect as an
 * old one, and would otherwise never go stale.
 * @param header the header's value; undefined when absent
 * @param now the receiving time
 */
export function verifyCourierSignature(
  rawBody: string,
  header: string | undefined,
  secrets: readonly string[],
  now: Instant = Date.now(),
  toleranceSeconds = COURIER_SIGNATURE_TOLERANCE_SECONDS,
): CourierSignatureVerdict {
  if (!header) return 'bad-signature';
  const parts = header.split(',').map((part) => part.trim());
  const timestamps = parts.filter((p) => p.startsWith('t=')).map((p) => p.slice(2));
  const signatures = parts.filter((p) => p.startsWith('v1=')).map((p) => p.slice(3));
  const [timestamp] = timestamps;
  if (timestamps.length !== 1 || timestamp === undefined || !/^\d{1,12}$/.test(timestamp) || signatures.length === 0) return 'bad-signature';
  const genuine = secrets
    .filter((secret) => secret !== '')
    .some((secret) => {
      const expected = hmac(secret, `${timestamp}.${rawBody}`);
      return signatures.some((given) => sameDigest(expected, given));
    });
  if (!genuine) return 'bad-signature';
  return Math.abs(unixSeconds(now) - Number(timestamp)) > toleranceSeconds ? 'stale' : 'ok';
}
