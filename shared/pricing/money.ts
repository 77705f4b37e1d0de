import { assertInteger, divideRoundHalfUp, toSafeInteger } from './rounding.js';

/**
 * An amount of money in integer minor units (pence, cents) of an ISO 4217 currency.
 * Unlike the catalog's stored `Money`, the amount may be negative here, because refunds and
 * discounts are differences between prices.
 */
export interface Money {
  readonly amount: number;
  readonly currency: string;
}

const CURRENCY = /^[A-Z]{3}$/;

/** Raised when two amounts in different currencies are combined; converting is never implicit. */
export class CurrencyMismatchError extends Error {
  override readonly name = 'CurrencyMismatchError';

  constructor(
    readonly left: string,
    readonly right: string,
  ) {
    super(`cannot combine ${left} with ${right}`);
  }
}

/**
 * Builds a `Money`, refusing fractional amounts and malformed currency codes.
 *
 * @throws RangeError when the amount is not a safe integer or the currency is not three upper-case letters.
 */
export function money(amount: number, currency: string): Money {
  assertInteger('amount', amount);
  if (!CURRENCY.test(currency)) throw new RangeError(`currency must be an ISO 4217 code, got ${currency}`);
  return { amount, currency };
}

function sameCurrency(a: Money, b: Money): string {
  if (a.currency !== b.currency) throw new CurrencyMismatchError(a.currency, b.currency);
  return a.currency;
}

/**
 * Adds two amounts of the same currency.
 *
 * @throws CurrencyMismatchError when the currencies differ.
 */
export function add(a: Money, b: Money): Money {
  const currency = sameCurrency(a, b);
  return { amount: toSafeInteger(BigInt(a.amount) + BigInt(b.amount)), currency };
}

/**
 * Subtracts `b` from `a`; the result may be negative.
 *
 * @throws CurrencyMismatchError when the currencies differ.
 */
export function subtract(a: Money, b: Money): Money {
  const currency = sameCurrency(a, b);
  return { amount: toSafeInteger(BigInt(a.amount) - BigInt(b.amount)), currency };
}

/**
 * Multiplies an amount by an integer, such as a unit price by a quantity.
 * Only integer factors are accepted; fractional scaling goes through {@link percentOf} so that it is rounded once, explicitly.
 *
 * @throws RangeError when the factor is not a safe integer or the product leaves the safe-integer range.
 */
export function multiply(m: Money, factor: number): Money {
  assertInteger('factor', factor);
  return { amount: toSafeInteger(BigInt(m.amount) * BigInt(factor)), currency: m.currency };
}

/**
 * Returns `basisPoints` / 10 000 of an amount (1 bp = 0.01 %), rounded half away from zero:
 * 12.5 minor units becomes 13 and −12.5 becomes −13.
 *
 * @throws RangeError when `basisPoints` is not a safe integer.
 */
export function percentOf(m: Money, basisPoints: number): Money {
  return { amount: percentOfMinorUnits(m.amount, basisPoints), currency: m.currency };
}

/**
 * {@link percentOf} on a bare amount of minor units.
 *
 * @throws RangeError when `basisPoints` is not a safe integer.
 */
export function percentOfMinorUnits(amount: number, basisPoints: number): number {
  assertInteger('basisPoints', basisPoints);
  return toSafeInteger(divideRoundHalfUp(BigInt(amount) * BigInt(basisPoints), 10_000n));
}

/**
 * Splits `total` into one part per weight, proportional to the weights, so that the parts sum exactly to the total.
 * Each part starts as its exact share rounded towards zero; the minor units left over go one each to the parts with the
 * largest fractional remainders (earlier parts win ties), so no part is a whole minor unit away from its exact share.
 * A negative total is split as its magnitude and negated, so refunds mirror the sale they reverse.
 *
 * @param weights non-negative integers with a positive sum; a zero weight always receives zero.
 * @throws RangeError when there are no weights, a weight is negative or fractional, or all weights are zero.
 */
export function allocate(total: Money, weights: readonly number[]): Money[] {
  return allocateMinorUnits(total.amount, weights).map((amount) => ({ amount, currency: total.currency }));
}

/**
 * {@link allocate} on a bare amount of minor units, for callers that keep the currency elsewhere.
 *
 * @throws RangeError when there are no weights, a weight is negative or fractional, or all weights are zero.
 */
export function allocateMinorUnits(total: number, weights: readonly number[]): number[] {
  assertInteger('total', total);
  if (weights.length === 0) throw new RangeError('allocate needs at least one weight');
  for (const w of weights) assertInteger('weight', w, true);
  const weightSum = weights.reduce((sum, w) => sum + BigInt(w), 0n);
  if (weightSum === 0n) throw new RangeError('allocate needs at least one positive weight');

  const sign = total < 0 ? -1n : 1n;
  const magnitude = BigInt(total) * sign;
  const shares = weights.map((w, index) => {
    const scaled = magnitude * BigInt(w);
    return { index, part: scaled / weightSum, remainder: scaled % weightSum };
  });

  let leftover = magnitude - shares.reduce((sum, s) => sum + s.part, 0n);
  // Array.prototype.sort is stable, so equal remainders keep their original order and the result is deterministic.
  const byRemainder = [...shares].sort((a, b) => (a.remainder === b.remainder ? 0 : a.remainder > b.remainder ? -1 : 1));
  for (const share of byRemainder) {
    if (leftover === 0n) break;
    share.part += 1n;
    leftover -= 1n;
  }
  return shares.map((s) => toSafeInteger(s.part * sign));
}
