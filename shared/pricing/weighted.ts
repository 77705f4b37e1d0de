import type { Money } from './money.js';
import { assertInteger, divideCeiling, divideRoundHalfUp, toSafeInteger } from './rounding.js';

/**
 * The price of a weighed line: price per kilogram × grams / 1000, rounded half away from zero to the minor unit.
 *
 * @param pricePerKg the variant's price for one kilogram.
 * @param grams the weighed (or estimated) weight, a non-negative integer.
 * @throws RangeError when `grams` is negative or not an integer.
 */
export function weightedLinePrice(pricePerKg: Money, grams: number): Money {
  assertInteger('grams', grams, true);
  return {
    amount: toSafeInteger(divideRoundHalfUp(BigInt(pricePerKg.amount) * BigInt(grams), 1000n)),
    currency: pricePerKg.currency,
  };
}

/**
 * The amount to authorise on the customer's card for a weighed line before it is picked: the price at the estimated
 * weight plus a buffer of `bufferBasisPoints` (1000 = +10 %), because the picked item rarely weighs exactly the estimate.
 *
 * The whole product is rounded once and upwards, not half-up: a hold one minor unit short would make the capture of a
 * correctly picked item fail, while a hold one unit high costs nothing. So any picked weight up to
 * grams × (1 + buffer) is priced by {@link weightedLinePrice} within the estimate.
 *
 * @throws RangeError when `grams` or `bufferBasisPoints` is negative or not an integer.
 */
export function authorizationEstimate(pricePerKg: Money, grams: number, bufferBasisPoints: number): Money {
  assertInteger('grams', grams, true);
  assertInteger('bufferBasisPoints', bufferBasisPoints, true);
  const scaled = BigInt(pricePerKg.amount) * BigInt(grams) * (10_000n + BigInt(bufferBasisPoints));
  return { amount: toSafeInteger(divideCeiling(scaled, 10_000_000n)), currency: pricePerKg.currency };
}
