import { z } from 'zod';
import { stockAdjustedV1 } from '../../events/inventory/stock-adjusted.v1.js';
import { Sku } from '../catalog/model.js';
import { StoreId } from '../stores/model.js';
import { MAX_QUANTITY } from './model.js';

/**
 * Request and response shapes of inventory's HTTP slice. Requests are strict (an unknown field is a 400 naming
 * it); quantities are whole numbers in the SKU's stock unit.
 */

/** Why stock was adjusted; the same list as the `inventory.adjusted` event's. */
export const AdjustmentReason = stockAdjustedV1.schema.shape.reason;
export type AdjustmentReason = z.infer<typeof AdjustmentReason>;

const whole = 'must be a whole number in the SKU\'s stock unit (items, packs, grams or millilitres)';

export const AdjustStockRequest = z
  .strictObject({
    sku: Sku,
    storeId: StoreId,
    /** Added to `available` (negative to remove); give this or `setTo`. */
    delta: z.number().int(whole).min(-MAX_QUANTITY).max(MAX_QUANTITY).optional(),
    /** The new `available`, from a stock take; give this or `delta`. */
    setTo: z.number().int(whole).min(0, 'must be 0 or more').max(MAX_QUANTITY).optional(),
    reason: AdjustmentReason,
    note: z.string().trim().min(1).max(500).optional(),
    /** Days to restock this SKU at this store; left as it is when absent. */
    leadTimeDays: z.number().int().min(0).max(365).optional(),
  })
  .superRefine((body, ctx) => {
    if (body.delta === undefined && body.setTo === undefined) ctx.addIssue({ code: 'custom', path: ['delta'], message: 'give delta or setTo' });
    if (body.delta !== undefined && body.setTo !== undefined) ctx.addIssue({ code: 'custom', path: ['setTo'], message: 'give delta or setTo, not both' });
    if (body.delta === 0) ctx.addIssue({ code: 'custom', path: ['delta'], message: 'must not be 0' });
  });
export type AdjustStockInput = z.input<typeof AdjustStockRequest>;

export const SkuParams = z.strictObject({ sku: Sku });

/** A stock item's counts, as an adjustment found and left them. */
export const StockCounts = z.strictObject({
  available: z.number().int().nonnegative(),
  reserved: z.number().int().nonnegative(),
  committed: z.number().int().nonnegative(),
  leadTimeDays: z.number().int().nonnegative(),
  version: z.number().int().positive(),
});
export type StockCounts = z.infer<typeof StockCounts>;

export const AdjustmentView = z.strictObject({
  id: z.string(),
  sku: Sku,
  storeId: StoreId,
  /** The change to `available` (for `setTo`, the difference from what was there). */
  delta: z.number().int(),
  reason: AdjustmentReason,
  note: z.string().optional(),
  actor: z.string(),
  at: z.iso.datetime(),
  /** Null when this adjustment created the stock item. */
  before: StockCounts.nullable(),
  after: StockCounts,
});
export type AdjustmentView = z.infer<typeof AdjustmentView>;

export const StockUnit = z.enum(['item', 'pack', 'g', 'ml']);

/** One store's stock of a stocked SKU; a store that never stocked it shows zeros, version 0 and no `updatedAt`. */
export const StockAtStore = z.strictObject({
  storeId: StoreId,
  storeName: z.string(),
  available: z.number().int().nonnegative(),
  reserved: z.number().int().nonnegative(),
  committed: z.number().int().nonnegative(),
  leadTimeDays: z.number().int().nonnegative(),
  version: z.number().int().nonnegative(),
  updatedAt: z.iso.datetime().nullable(),
});
export type StockAtStore = z.infer<typeof StockAtStore>;

/** One store's availability of a bundle, derived from its components' stock there. */
export const BundleAtStore = z.strictObject({
  storeId: StoreId,
  storeName: z.string(),
  /** Whole bundles the components allow: the minimum over components of floor(available / quantity). */
  available: z.number().int().nonnegative(),
  /** The longest of the components' lead times. */
  leadTimeDays: z.number().int().nonnegative(),
  components: z.array(z.strictObject({ sku: Sku, quantity: z.number().int().positive(), available: z.number().int().nonnegative() })),
});
export type BundleAtStore = z.infer<typeof BundleAtStore>;

export const SkuInventory = z.strictObject({
  sku: Sku,
  productId: z.string(),
  stockUnit: StockUnit,
  /** True for bundles: `stores` then lists availability derived from the components. */
  bundle: z.boolean(),
  stores: z.array(z.union([StockAtStore, BundleAtStore])),
});
export type SkuInventory = z.infer<typeof SkuInventory>;
