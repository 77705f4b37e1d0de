import type { SoldBy } from '../catalog/model.js';
import { ValidationError } from '../errors.js';
import { QUANTITY_LIMITS, type LineQuantity } from './model.js';
import type { QuantityRequest } from './requests.js';

/**
 * Quantities are integers in the unit the SKU is sold in: items or packs, grams, millilitres.
 * Nothing here ever holds a fractional quantity, so no rounding can creep into a line (the bug
 * medusa#13734 describes for decimal quantities).
 */

/** The facts about a variant that decide which quantities it accepts. */
export interface SellingUnit {
  sku: string;
  soldBy: SoldBy;
  /** Weighed goods only: a typical item's weight, which turns a count into grams. */
  averageWeightGrams?: number | undefined;
}

const UNIT_WORD: Record<SoldBy, string> = { each: 'the item', pack: 'the pack', weight: 'weight', volume: 'volume' };

function invalid(field: string, message: string): ValidationError {
  return new ValidationError([{ field, message }]);
}

function within(field: string, value: number, what: keyof typeof QUANTITY_LIMITS, unit: string): void {
  const { min, max } = QUANTITY_LIMITS[what];
  if (value < min || value > max) throw invalid(field, `must come to between ${min} and ${max} ${unit}, not ${value}`);
}

/**
 * Turns a requested quantity into the line quantity stored for a variant: each/pack take a count;
 * weighed goods take grams, or a count converted with the variant's average weight (both kept);
 * goods sold by volume take millilitres.
 *
 * @param field where the quantity sits in the request, for the error (`body.quantity`)
 * @throws ValidationError (400) naming the field when the kind of quantity does not fit how the SKU is sold,
 *   when a count of a weighed good cannot be converted, or when the converted weight is out of range
 */
export function resolveQuantity(unit: SellingUnit, requested: QuantityRequest, field = 'body.quantity'): LineQuantity {
  switch (unit.soldBy) {
    case 'each':
    case 'pack':
      if ('count' in requested) return { count: requested.count };
      throw invalid(field, `${unit.sku} is sold by ${UNIT_WORD[unit.soldBy]}: send a whole count`);
    case 'weight':
      if ('grams' in requested) return { grams: requested.grams };
      if ('count' in requested) {
        if (unit.averageWeightGrams === undefined) {
          throw invalid(`${field}.count`, `${unit.sku} is sold by weight and has no average item weight: send grams`);
        }
        const grams = requested.count * unit.averageWeightGrams;
        within(`${field}.count`, grams, 'grams', `grams (${requested.count} × ${unit.averageWeightGrams} g)`);
        return { count: requested.count, grams };
      }
      throw invalid(field, `${unit.sku} is sold by weight: send grams or a count`);
    case 'volume':
      if ('millilitres' in requested) return { millilitres: requested.millilitres };
      throw invalid(field, `${unit.sku} is sold by volume: send millilitres`);
  }
}

/**
 * Adds a quantity to a line's (a repeated add of the same SKU with the same substitution). A count
 * of weighed items stays a count only while both sides are counts; otherwise the grams add up.
 *
 * @throws ValidationError (400) on `field` when the sum leaves the line's limits
 */
export function addQuantities(existing: LineQuantity, added: LineQuantity, field = 'body.quantity'): LineQuantity {
  const tooMuch = (what: keyof typeof QUANTITY_LIMITS, unit: string, before: number, sum: number) =>
    invalid(field, `together with the ${before} ${unit} already in the cart this comes to ${sum}; a line takes at most ${QUANTITY_LIMITS[what].max}`);
  if ('millilitres' in existing && 'millilitres' in added) {
    const sum = existing.millilitres + added.millilitres;
    if (sum > QUANTITY_LIMITS.millilitres.max) throw tooMuch('millilitres', 'millilitres', existing.millilitres, sum);
    return { millilitres: sum };
  }
  if ('grams' in existing && 'grams' in added) {
    const grams = existing.grams + added.grams;
    if (grams > QUANTITY_LIMITS.grams.max) throw tooMuch('grams', 'grams', existing.grams, grams);
    if ('count' in existing && 'count' in added) {
      const count = existing.count + added.count;
      if (count > QUANTITY_LIMITS.count.max) throw tooMuch('count', 'items', existing.count, count);
      return { count, grams };
    }
    return { grams };
  }
  if ('count' in existing && 'count' in added && !('grams' in existing) && !('grams' in added)) {
    const count = existing.count + added.count;
    if (count > QUANTITY_LIMITS.count.max) throw tooMuch('count', 'items', existing.count, count);
    return { count };
  }
  throw new Error(`cannot add ${JSON.stringify(added)} to ${JSON.stringify(existing)}: the quantities are of different kinds`);
}

/**
 * How much stock a line needs, in the SKU's stock unit: items or packs, grams for weighed goods
 * (their estimate), millilitres for goods sold by volume.
 */
export function stockQuantity(quantity: LineQuantity): number {
  if ('grams' in quantity) return quantity.grams;
  if ('millilitres' in quantity) return quantity.millilitres;
  return quantity.count;
}
