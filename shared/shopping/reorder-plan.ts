import { z } from 'zod';
import type { Product, SoldBy } from '../catalog/model.js';
import type { LineQuantity } from '../carts/model.js';
import { stockQuantity } from '../carts/quantities.js';
import type { NewLine } from '../carts/lines.js';
import { bundleAvailability } from '../inventory/bundles.js';
import type { OrderLine } from '../orders/model.js';

/**
 * Pure rules of a reorder: which of a past order's lines can go into a cart now, as they were ordered (quantity and
 * substitution preference), and why each of the others cannot. The cart's own rules (merging onto a line, its limits)
 * decide the rest when the lines are added.
 */

/** Why a line of the order was not added to the cart. */
export const SKIP_REASONS = ['product-archived', 'variant-gone', 'sold-differently', 'not-stocked-here', 'out-of-stock', 'over-limit'] as const;
export const SkipReason = z.enum(SKIP_REASONS);
export type SkipReason = z.infer<typeof SkipReason>;

/** A line of the order that the reorder did not add, and why. */
export const SkippedLine = z.strictObject({
  /** The order's line. */
  orderLineId: z.string(),
  sku: z.string(),
  /** The product's name as it was ordered. */
  name: z.string(),
  reason: SkipReason.describe(
    '`product-archived`: no longer sold; `variant-gone`: the product no longer has this SKU; `sold-differently`: the SKU is now sold in another unit than the quantity ordered; `not-stocked-here`: the cart’s store does not stock it; `out-of-stock`: the store has less than the quantity ordered; `over-limit`: the cart has no room for another line, or the line it would merge onto would pass its quantity limit.',
  ),
});
export type SkippedLine = z.infer<typeof SkippedLine>;

/** A line of the order that can go into the cart. */
export interface ReorderCandidate {
  orderLineId: string;
  line: NewLine;
}

/** What the planning reads: the products of the order's lines by id, stock at the cart's store by SKU (absent: not stocked there). */
export interface ReorderFacts {
  products: ReadonlyMap<string, Product>;
  available: ReadonlyMap<string, number>;
  /** Chosen substitutes (`substitution: specific`) that can still stand in for their line's SKU. */
  usableSubstitutes: ReadonlySet<string>;
}

/** Whether a stored quantity is of the kind a SKU sold this way takes (the cart's `resolveQuantity` rules). */
export function fitsSoldBy(soldBy: SoldBy, quantity: LineQuantity): boolean {
  switch (soldBy) {
    case 'each':
    case 'pack':
      return 'count' in quantity && !('grams' in quantity);
    case 'weight':
      return 'grams' in quantity;
    case 'volume':
      return 'millilitres' in quantity;
  }
}

/** How much of a SKU the store has for one line: its own stock, or for a bundle the most its components make; undefined when not stocked. */
function availableFor(product: Product, sku: string, available: ReadonlyMap<string, number>): number | undefined {
  const components = product.bundle?.components;
  if (!components) return available.get(sku);
  if (components.some((c) => !available.has(c.sku))) return undefined;
  return bundleAvailability(components, available as ReadonlyMap<string, number>);
}

/**
 * Sorts a past order's lines into those that can be added as ordered and those skipped with their reason, in the
 * order's line order. A `specific` substitute that can no longer stand in is dropped (the line goes in as `none`,
 * since the picker must not hand over something the shopper did not choose).
 */
export function planReorder(lines: readonly OrderLine[], facts: ReorderFacts): { candidates: ReorderCandidate[]; skipped: SkippedLine[] } {
  const candidates: ReorderCandidate[] = [];
  const skipped: SkippedLine[] = [];
  for (const ordered of lines) {
    const skip = (reason: SkipReason) => skipped.push({ orderLineId: ordered.lineId, sku: ordered.sku, name: ordered.name, reason });
    const product = facts.products.get(ordered.productId);
    const variant = product?.variants.find((v) => v.sku === ordered.sku);
    if (!product || !variant) skip('variant-gone');
    else if (product.status === 'archived') skip('product-archived');
    else if (!fitsSoldBy(variant.soldBy, ordered.quantity)) skip('sold-differently');
    else {
      const available = availableFor(product, ordered.sku, facts.available);
      if (available === undefined) skip('not-stocked-here');
      else if (available < stockQuantity(ordered.quantity)) skip('out-of-stock');
      else {
        const keepsSubstitute = ordered.substitution === 'specific' && ordered.substituteSku !== undefined && facts.usableSubstitutes.has(ordered.substituteSku);
        const preference = ordered.substitution !== 'specific' ? { substitution: ordered.substitution } : keepsSubstitute ? { substitution: 'specific' as const, substituteSku: ordered.substituteSku } : { substitution: 'none' as const };
        candidates.push({ orderLineId: ordered.lineId, line: { sku: ordered.sku, productId: product.id, quantity: ordered.quantity, ...preference } });
      }
    }
  }
  return { candidates, skipped };
}
