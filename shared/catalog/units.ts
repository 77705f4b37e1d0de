import type { Money, NetContent, Variant } from './model.js';

/**
 * Unit prices for comparing products ("£3.00 per kg"), and conversions into the catalog's integer
 * grams and millilitres. Everything here is pure integer arithmetic on minor units: intermediate
 * results stay exact (BigInt where a product could leave the safe-integer range) and there is one
 * rounding, half-up, at the final division, so the same inputs always give the same pennies.
 */

/** What a unit price is per: a kilogram, a litre, or one item (of a pack, or a multi-unit item). */
export type UnitBasis = 'kg' | 'l' | 'item';

export interface UnitPrice {
  amount: number;
  currency: string;
  per: UnitBasis;
}

/** `numerator / denominator` rounded half-up, exactly, for non-negative integers. */
export function divideHalfUp(numerator: number, denominator: number): number {
  if (!Number.isSafeInteger(numerator) || !Number.isSafeInteger(denominator) || numerator < 0 || denominator <= 0) {
    throw new RangeError(`divideHalfUp needs non-negative safe integers and a positive divisor, got ${numerator}/${denominator}`);
  }
  const n = BigInt(numerator);
  const d = BigInt(denominator);
  return Number((2n * n + d) / (2n * d));
}

function perContent(price: Money, content: NetContent): UnitPrice {
  const { amount, currency } = price;
  switch (content.unit) {
    case 'g':
      return { amount: divideHalfUp(amount * 1000, content.quantity), currency, per: 'kg' };
    case 'ml':
      return { amount: divideHalfUp(amount * 1000, content.quantity), currency, per: 'l' };
    case 'unit':
      return { amount: divideHalfUp(amount, content.quantity), currency, per: 'item' };
  }
}

/**
 * The comparison price of a variant:
 * - `weight` and `volume` variants are already priced per kg or per litre;
 * - `each` and `pack` variants with a net content in grams or millilitres compare per kg or per
 *   litre (a 400 g tin at 120 is 300 per kg), because that is the basis shoppers compare across
 *   pack sizes on;
 * - a `pack` without a mass or volume compares per item (a pack of 6 at 300 is 50 per item), as
 *   does an `each` variant whose content counts units;
 * - a plain `each` item with no content is its own unit price.
 */
export function unitPrice(variant: Pick<Variant, 'soldBy' | 'price' | 'netContent' | 'packSize'>): UnitPrice {
  const { price } = variant;
  switch (variant.soldBy) {
    case 'weight':
      return { amount: price.amount, currency: price.currency, per: 'kg' };
    case 'volume':
      return { amount: price.amount, currency: price.currency, per: 'l' };
    case 'pack':
      if (variant.netContent && variant.netContent.unit !== 'unit') return perContent(price, variant.netContent);
      return perContent(price, { quantity: variant.packSize ?? 1, unit: 'unit' });
    case 'each':
      return variant.netContent ? perContent(price, variant.netContent) : { amount: price.amount, currency: price.currency, per: 'item' };
  }
}

/** The price of a weighed quantity of a per-kg item: 1500 g at 200 per kg costs 300. */
export function priceForWeight(pricePerKg: Money, grams: number): Money {
  return { amount: divideHalfUp(pricePerKg.amount * grams, 1000), currency: pricePerKg.currency };
}

/** The price of a measured volume of a per-litre item: 250 ml at 400 per litre costs 100. */
export function priceForVolume(pricePerLitre: Money, millilitres: number): Money {
  return { amount: divideHalfUp(pricePerLitre.amount * millilitres, 1000), currency: pricePerLitre.currency };
}

export type MassUnit = 'mg' | 'g' | 'kg';
export type VolumeUnit = 'ml' | 'cl' | 'l';

const MILLIGRAMS_PER: Record<MassUnit, number> = { mg: 1, g: 1000, kg: 1_000_000 };
const MICROLITRES_PER: Record<VolumeUnit, number> = { ml: 1000, cl: 10_000, l: 1_000_000 };

/**
 * Converts a decimal quantity from a label or a feed ("0.75 kg", "1.5") to whole grams, half-up.
 * The input is taken as a decimal string so that 0.1 kg is exactly 100 g, not 99.99999.
 */
export function toGrams(quantity: number | string, unit: MassUnit): number {
  return scaleDecimal(quantity, MILLIGRAMS_PER[unit], 1000);
}

/** Converts a decimal quantity to whole millilitres, half-up: "33 cl" is 330 ml, "0.7 l" is 700 ml. */
export function toMillilitres(quantity: number | string, unit: VolumeUnit): number {
  return scaleDecimal(quantity, MICROLITRES_PER[unit], 1000);
}

/** `quantity * multiplier / divisor` for a non-negative decimal, rounded half-up, without binary floating-point error. */
function scaleDecimal(quantity: number | string, multiplier: number, divisor: number): number {
  const text = typeof quantity === 'number' ? numberToPlainString(quantity) : quantity.trim();
  const match = /^(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) throw new RangeError(`not a non-negative decimal quantity: ${String(quantity)}`);
  const fraction = match[2] ?? '';
  const scaledQuantity = BigInt(match[1]! + fraction);
  const denominator = BigInt(divisor) * 10n ** BigInt(fraction.length);
  const numerator = scaledQuantity * BigInt(multiplier);
  const result = (2n * numerator + denominator) / (2n * denominator);
  if (result > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`quantity too large: ${String(quantity)}`);
  return Number(result);
}

function numberToPlainString(value: number): string {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`not a non-negative decimal quantity: ${value}`);
  // String(1e-7) is "1e-7"; a grouping-free locale format keeps plain digits for every magnitude.
  return value.toLocaleString('en-US', { useGrouping: false, maximumFractionDigits: 20 });
}
