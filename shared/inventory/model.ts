import { z } from 'zod';
import { Sku } from '../catalog/model.js';
import { StoreId } from '../stores/model.js';

/**
 * Inventory's shapes. Every quantity is a whole number in the SKU's stock unit: items or packs for goods sold
 * `each` or by `pack`, grams for goods sold by `weight`, millilitres by `volume` (see docs/inventory.md).
 */

/** Upper bound on any one quantity: 10 tonnes of a weighed good, far beyond any real shelf, yet safe from overflow. */
export const MAX_QUANTITY = 10_000_000;

export const Quantity = z
  .number()
  .int('must be a whole number in the SKU\'s stock unit (items, packs, grams or millilitres)')
  .positive('must be at least 1')
  .max(MAX_QUANTITY, `must be at most ${MAX_QUANTITY}`);

/** One SKU's stock at one store. */
export const StockItem = z.strictObject({
  sku: Sku,
  storeId: StoreId,
  /** On the shelf and free to promise. */
  available: z.number().int().nonnegative(),
  /** Held for carts and orders not yet picked. */
  reserved: z.number().int().nonnegative(),
  /** Picked for orders, waiting to leave the store. */
  committed: z.number().int().nonnegative(),
  /** Days to restock when it runs out, shown to shoppers as "back in N days". */
  leadTimeDays: z.number().int().nonnegative().max(365),
  /** Incremented on every change; events carry it so that a consumer keeps the newest level. */
  version: z.number().int().positive(),
  updatedAt: z.iso.datetime(),
});
export type StockItem = z.infer<typeof StockItem>;

/** One line of a reservation, in a stocked SKU (a bundle is held as its components). */
export const ReservationLine = z.strictObject({ sku: Sku, quantity: Quantity });
export type ReservationLine = z.infer<typeof ReservationLine>;

/** `returned`: committed stock put back on sale because its order failed or was cancelled before it left the store. */
export const RELEASE_REASONS = ['cancelled', 'expired', 'not-picked', 'returned'] as const;
export const ReleaseReason = z.enum(RELEASE_REASONS);
export type ReleaseReason = z.infer<typeof ReleaseReason>;

/**
 * Stock held at one store for a cart or an order. `held` until it is released (its stock goes back to
 * `available`) or committed (its stock moves to `committed` when the order is picked).
 */
export const Reservation = z.strictObject({
  id: z.string().min(1).max(200),
  storeId: StoreId,
  /** `cart:<id>` or `order:<id>`. */
  ownerRef: z.string().min(1).max(200),
  /** The lines as the caller asked for them, duplicates merged; bundles appear here as themselves. */
  requested: z.array(ReservationLine).min(1),
  /** What is held: stocked SKUs only, bundles expanded to their components, duplicates merged. */
  lines: z.array(ReservationLine).min(1),
  status: z.enum(['held', 'released', 'committed']),
  holdUntil: z.iso.datetime(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  releaseReason: ReleaseReason.optional(),
  /** What was picked, on a committed reservation; anything held but not picked went back to `available`. */
  committedLines: z.array(ReservationLine).optional(),
});
export type Reservation = z.infer<typeof Reservation>;
