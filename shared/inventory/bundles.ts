import type { SoldBy } from '../catalog/model.js';
import { ValidationError, type FieldError } from '../errors.js';
import { MAX_QUANTITY, type ReservationLine } from './model.js';

/** What inventory needs to know about a SKU from the catalog. */
export interface CatalogSku {
  sku: string;
  productId: string;
  soldBy: SoldBy;
  /** Present when the SKU is a bundle: it has no stock of its own and draws these. */
  components?: readonly { sku: string; quantity: number }[];
}

/** The unit a SKU's stock is counted in: items or packs, or grams and millilitres for goods sold by weight or volume. */
export type StockUnit = 'item' | 'pack' | 'g' | 'ml';

export function stockUnit(soldBy: SoldBy): StockUnit {
  return ({ each: 'item', pack: 'pack', weight: 'g', volume: 'ml' } as const)[soldBy];
}

/** How deep bundles may nest (a bundle of bundles of SKUs is 2); deeper is a catalog mistake, or a cycle. */
export const MAX_BUNDLE_DEPTH = 3;

/** The result of expanding a request: the lines as asked (merged) and the stocked lines that are held. */
export interface ExpandedLines {
  requested: ReservationLine[];
  stocked: ReservationLine[];
}

/** Sums quantities per SKU, keeping the order in which SKUs first appear. */
export function mergeLines(lines: readonly ReservationLine[]): ReservationLine[] {
  const merged = new Map<string, number>();
  for (const line of lines) merged.set(line.sku, (merged.get(line.sku) ?? 0) + line.quantity);
  return [...merged].map(([sku, quantity]) => ({ sku, quantity }));
}

/**
 * Merges duplicate SKUs and replaces each bundle by its components (times the bundle's quantity, recursively),
 * so that only stocked SKUs are held.
 * @param field where the lines came from, for error messages: `lines` or `body.lines`
 * @throws ValidationError naming each unknown SKU, each bundle nested too deep, and each line whose expansion exceeds the largest quantity
 */
export function expandLines(lines: readonly ReservationLine[], catalog: ReadonlyMap<string, CatalogSku>, field = 'lines'): ExpandedLines {
  const requested = mergeLines(lines);
  const errors: FieldError[] = [];
  const stocked: ReservationLine[] = [];
  const expand = (sku: string, quantity: number, depth: number, index: number): void => {
    const entry = catalog.get(sku);
    if (!entry) {
      errors.push({ field: `${field}.${index}.sku`, message: depth === 0 ? `no product has the SKU ${sku}` : `bundle component ${sku} is not in the catalog` });
      return;
    }
    if (quantity > MAX_QUANTITY) {
      errors.push({ field: `${field}.${index}.quantity`, message: `expands to ${quantity} of ${sku}, more than ${MAX_QUANTITY}` });
      return;
    }
    if (!entry.components) {
      stocked.push({ sku, quantity });
      return;
    }
    if (depth >= MAX_BUNDLE_DEPTH) {
      errors.push({ field: `${field}.${index}.sku`, message: `bundles nest more than ${MAX_BUNDLE_DEPTH} deep at ${sku}` });
      return;
    }
    for (const component of entry.components) expand(component.sku, quantity * component.quantity, depth + 1, index);
  };
  requested.forEach((line) => expand(line.sku, line.quantity, 0, lines.findIndex((l) => l.sku === line.sku)));
  if (errors.length > 0) throw new ValidationError(dedupe(errors));
  return { requested, stocked: mergeLines(stocked) };
}

function dedupe(errors: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const key = `${e.field}\u0000${e.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * How many of a bundle one store can sell: the fewest whole bundles its components allow, 0 when any component
 * has no stock there.
 */
export function bundleAvailability(components: readonly { sku: string; quantity: number }[], availableBySku: ReadonlyMap<string, number>): number {
  if (components.length === 0) return 0;
  return Math.min(...components.map((c) => Math.floor((availableBySku.get(c.sku) ?? 0) / c.quantity)));
}
