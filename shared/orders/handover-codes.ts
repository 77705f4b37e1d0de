import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { config } from '../config/config.js';
import { storedSecretReader } from '../config/stored-secret.js';

/**
 * Click-and-collect handover codes. The shopper shows a six-digit code at the desk; staff type it in and never see it
 * otherwise. The order stores only a random salt: the code is an HMAC of the order id and that salt under a key kept
 * out of the table (`HANDOVER_CODE_KEY` locally, the `handover-codes` secret on AWS), so a dump of the table, or a
 * backup, does not reveal a single code, and a new salt (a new code) makes the old one worthless.
 */

/** Digits of a handover code: one in a million, with five tries before the collection locks. */
export const HANDOVER_CODE_DIGITS = 6;

/** A handover code as typed at the desk. */
export const HandoverCode = z.string().regex(new RegExp(`^\\d{${HANDOVER_CODE_DIGITS}}$`), `must be the ${HANDOVER_CODE_DIGITS} digits the shopper shows`);

/** A new random salt for an order's code: 144 bits, base64url. */
export function newCodeSalt(): string {
  return randomBytes(18).toString('base64url');
}

/** The code of an order under `key` and its salt: the HMAC's first 64 bits, reduced to six digits (the bias is below 10⁻¹³). */
export function handoverCode(key: string, orderId: string, salt: string): string {
  const mac = createHmac('sha256', key).update(`handover\n${orderId}\n${salt}`).digest();
  return (mac.readBigUInt64BE(0) % 10n ** BigInt(HANDOVER_CODE_DIGITS)).toString().padStart(HANDOVER_CODE_DIGITS, '0');
}

/** Whether `given` is the order's code, compared in constant time. */
export function codeMatches(key: string, orderId: string, salt: string, given: string): boolean {
  const expected = Buffer.from(handoverCode(key, orderId, salt));
  const actual = Buffer.from(given);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

const readStoredKey = storedSecretReader(z.strictObject({ key: z.string().min(32) }));

/** The key codes are derived with: from the environment locally, from the `handover-codes` secret on AWS (kept a few minutes). */
export function handoverKey(source = config.handoverCodeKey, now = Date.now()): Promise<string> {
  if ('key' in source) return Promise.resolve(source.key);
  return readStoredKey(source.secretArn, now).then((stored) => stored.key);
}
