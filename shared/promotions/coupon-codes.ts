import { randomInt } from 'node:crypto';
import type { UsageLimits } from '../pricing/promotions.js';

/**
 * Coupon codes that cannot be guessed. A code that may be redeemed once in all (`limits.total = 1`) is meant for one
 * person, and whoever types it first gets it: such a code must be long and random, or a guesser trying codes finds it
 * before its owner does. Other codes (`WELCOME10`, once per shopper but for everyone) are meant to be shared and may be
 * short and readable. Pure.
 */

/**
 * The symbols of a strong code: Crockford's base 32, digits and upper-case letters without I, L, O and U, so that a
 * code read aloud or copied from paper is never ambiguous (0/O, 1/I/L) and spells no word by accident (U).
 */
export const CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** The fewest symbols of {@link CODE_ALPHABET} a single-use code has: 12 symbols of 32 are 60 bits. */
export const MIN_SINGLE_USE_CODE_LENGTH = 12;

/** The fewest different symbols among them: a random 12-symbol code almost always has 9 or more; `AAAA…` has one. */
export const MIN_DISTINCT_SYMBOLS = 8;

/** The length of the codes the server generates: 16 symbols, 80 bits. */
export const GENERATED_CODE_LENGTH = 16;

/** Whether a promotion's code is single-use: redeemable once in all, so meant for one person. */
export function isSingleUse(limits: Pick<UsageLimits, 'total'> | undefined): boolean {
  return limits?.total === 1;
}

/**
 * Why a code is too weak to be single-use, or `undefined` when it is strong enough: long enough, of the alphabet's
 * symbols only (`-` and `_` may group them and do not count), and varied enough not to be a pattern. Any case.
 */
export function weakCodeReason(code: string): string | undefined {
  const symbols = code.toUpperCase().replace(/[-_]/g, '');
  if ([...symbols].some((c) => !CODE_ALPHABET.includes(c))) {
    return `must use only the symbols ${CODE_ALPHABET} (no I, L, O or U), grouped by - or _ if you like`;
  }
  if (symbols.length < MIN_SINGLE_USE_CODE_LENGTH) return `must have at least ${MIN_SINGLE_USE_CODE_LENGTH} symbols, not ${symbols.length}`;
  if (new Set(symbols).size < MIN_DISTINCT_SYMBOLS) return `must mix at least ${MIN_DISTINCT_SYMBOLS} different symbols`;
  return undefined;
}

/**
 * A new random code of {@link GENERATED_CODE_LENGTH} symbols from the operating system's CSPRNG, drawn again in the rare
 * case it would not pass {@link weakCodeReason} itself.
 * @param pick a uniform random integer below its argument; `crypto.randomInt` unless a test fixes it
 */
export function generateCouponCode(pick: (below: number) => number = randomInt): string {
  for (;;) {
    const code = Array.from({ length: GENERATED_CODE_LENGTH }, () => CODE_ALPHABET[pick(CODE_ALPHABET.length)]).join('');
    if (weakCodeReason(code) === undefined) return code;
  }
}
