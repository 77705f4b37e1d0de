import { signTimestampedWebhook, verifyTimestampedWebhook, type Instant, type SignatureVerdict } from '../http/webhook-signature.js';

/**
 * The courier's webhook signature (integration-files/couriers/openapi.json): `Courier-Signature:
 * t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`, the timestamped scheme of `shared/http/webhook-signature.ts`.
 */

export const COURIER_SIGNATURE_HEADER = 'Courier-Signature';

/** How far a webhook's signed timestamp may be from our clock, either way, before it is refused as stale. */
export const COURIER_SIGNATURE_TOLERANCE_SECONDS = 300;

export type { Instant };

/** What a signature check concluded: a forged or unsigned webhook is `bad-signature` whatever its age. */
export type CourierSignatureVerdict = SignatureVerdict;

/**
 * The `Courier-Signature` header of a webhook, as the courier (or its sandbox) sends it.
 * @param secrets every key to sign with: the new and the old one during a rotation
 * @param at the signing time
 */
export function signCourierWebhook(body: string, secrets: readonly string[], at: Instant = Date.now()): string {
  return signTimestampedWebhook(body, secrets, at);
}

/**
 * Verifies a webhook's `Courier-Signature` over its raw body against every key we hold (two during a rotation): a
 * forged webhook is `bad-signature` whatever its age, a genuine one dated beyond the tolerance either way `stale`.
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
  return verifyTimestampedWebhook(rawBody, header, secrets, now, toleranceSeconds);
}
