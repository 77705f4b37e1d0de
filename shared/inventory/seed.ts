import { createHash } from 'node:crypto';
import type { SoldBy } from '../catalog/model.js';
import { sampleCatalog } from '../catalog/seed.js';
import { batchGet, batchPut } from '../db/batch.js';
import { keys } from '../db/keys.js';
import { SAMPLE_STORES } from '../stores/seed.js';
import { inventoryDeps, type InventoryDeps } from './deps.js';
import type { StockItem } from './model.js';
import { stockItem } from './stock-repository.js';

/** A number from 0 to 999 fixed by the SKU and store, so every seed of the same catalog gives the same stock. */
function dice(sku: string, storeId: string): number {
  return createHash('sha256').update(`${storeId}\u0000${sku}`).digest().readUInt32BE(0) % 1000;
}

/**
 * The sample quantity of one SKU at one store, in its stock unit: about one SKU in nine is out of stock at any one
 * store (so the in-stock facet differs between stores), the rest have a shelf's worth.
 */
export function sampleQuantity(sku: string, storeId: string, soldBy: SoldBy): number {
  const roll = dice(sku, storeId);
  if (roll < 110) return 0;
  if (soldBy === 'weight') return 5_000 + roll * 40;
  if (soldBy === 'volume') return 20_000 + roll * 50;
  return 5 + (roll % 120);
}

/**
 * Stocks every stocked SKU of the sample catalog (bundles draw their components) at every sample store. Items
 * already there (from an earlier seed, or changed since by reservations and adjustments) are left alone, so a
 * restart changes nothing; the rest go in batch writes.
 * @returns how many stock items the sample has, and how many this call wrote
 */
export async function seedSampleStock(deps: InventoryDeps = inventoryDeps()): Promise<{ items: number; created: number }> {
  const at = deps.now().toISOString();
  const wanted: StockItem[] = sampleCatalog().products.flatMap((product) =>
    product.bundle
      ? []
      : product.variants.flatMap((variant) =>
          SAMPLE_STORES.map((store) => ({
            sku: variant.sku,
            storeId: store.id,
            available: sampleQuantity(variant.sku, store.id, variant.soldBy),
            reserved: 0,
            committed: 0,
            leadTimeDays: 1 + (dice(variant.sku, store.id) % 5),
            version: 1,
            updatedAt: at,
          })),
        ),
  );
  const existing = new Set(
    (await batchGet(deps, wanted.map((s) => keys.stock(s.sku, s.storeId)))).map((item) => `${item.pk as string}\u0000${item.sk as string}`),
  );
  const missing = wanted.filter((s) => {
    const key = keys.stock(s.sku, s.storeId);
    return !existing.has(`${key.pk}\u0000${key.sk}`);
  });
  await batchPut(deps, missing.map(stockItem));
  return { items: wanted.length, created: missing.length };
}
