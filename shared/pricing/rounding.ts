/**
 * Exact integer division helpers. Prices are computed in bigint so that a product such as
 * amount × basis points can never lose precision above 2^53 before it is rounded.
 */

/**
 * Divides `numerator` by a positive `denominator` and rounds half away from zero
 * ("commercial" half-up): 2.5 → 3 and −2.5 → −3.
 * Symmetric rounding keeps a refund's tax the exact negation of the sale's tax.
 *
 * @throws RangeError when the denominator is not positive.
 */
export function divideRoundHalfUp(numerator: bigint, denominator: bigint): bigint {
  if (denominator <= 0n) throw new RangeError('denominator must be positive');
  const magnitude = numerator < 0n ? -numerator : numerator;
  const rounded = (2n * magnitude + denominator) / (2n * denominator);
  return numerator < 0n ? -rounded : rounded;
}

/**
 * Divides `numerator` by a positive `denominator` and rounds towards positive infinity.
 *
 * @throws RangeError when the denominator is not positive.
 */
export function divideCeiling(numerator: bigint, denominator: bigint): bigint {
  if (denominator <= 0n) throw new RangeError('denominator must be positive');
  const quotient = numerator / denominator;
  // bigint division truncates towards zero, so only a positive inexact quotient needs bumping up.
  return numerator % denominator !== 0n && numerator > 0n ? quotient + 1n : quotient;
}

/**
 * Converts an exact bigint result back to a JavaScript number.
 *
 * @throws RangeError when the value is outside the safe-integer range, where numbers stop being exact.
 */
export function toSafeInteger(value: bigint): number {
  const result = Number(value);
  if (!Number.isSafeInteger(result)) throw new RangeError(`${value} minor units is outside the safe-integer range`);
  return result;
}

/**
 * Checks that a caller-supplied count (grams, basis points, a multiplier) is a safe integer,
 * because a fractional input would smuggle a float into a money result.
 *
 * @throws RangeError naming the parameter when it is not a safe integer, or is negative when `nonNegative` is set.
 */
export function assertInteger(name: string, value: number, nonNegative = false): void {
  if (!Number.isSafeInteger(value)) throw new RangeError(`${name} must be a safe integer, got ${value}`);
  if (nonNegative && value < 0) throw new RangeError(`${name} must not be negative, got ${value}`);
}
