import { z } from 'zod';

/**
 * A SKU's stock at one store after a change, in the SKU's stock unit (items or packs; grams for goods sold by
 * weight, millilitres by volume). Every inventory event carries the levels it left behind, so a consumer such as
 * the search index's in-stock facet needs no read of its own and can ignore an older level than it already has.
 */
export const StockLevel = z.strictObject({
  sku: z.string(),
  storeId: z.string(),
  available: z.number().int(),
  reserved: z.number().int().nonnegative(),
  committed: z.number().int().nonnegative(),
  /** The stock item's version after the change: a consumer keeps the level with the highest version. */
  version: z.number().int().positive(),
});
export type StockLevel = z.infer<typeof StockLevel>;

/** One line of a reservation: a stocked SKU (bundles are already expanded to their components) and a quantity. */
export const ReservedLine = z.strictObject({ sku: z.string(), quantity: z.number().int().positive() });
