import { actsAtStore } from '../auth/principal.js';
import { NotFoundError } from '../errors.js';
import { listStores } from '../stores/repository.js';
import { bundleAvailability, stockUnit } from './bundles.js';
import { lookUpSkus } from './catalog-skus.js';
import { inventoryDeps, type InventoryDeps } from './deps.js';
import type { StockItem } from './model.js';
import type { BundleAtStore, SkuInventory, StockAtStore } from './requests.js';
import { stockOfSku } from './stock-repository.js';

/**
 * The stock of one SKU at each store the reader works at (every store for chain-wide staff). A store that never
 * stocked it is listed with zeros. A bundle has no stock of its own: each store shows how many whole bundles its
 * components' available stock makes.
 * @throws NotFoundError (404) when no product has the SKU
 */
export async function getSkuInventory(sku: string, reader: { readonly stores: readonly string[] }, deps: InventoryDeps = inventoryDeps()): Promise<SkuInventory> {
  const [catalog, allStores] = await Promise.all([lookUpSkus([sku], deps), listStores(deps)]);
  const stores = allStores.filter((store) => actsAtStore(reader, store.id));
  const entry = catalog.get(sku);
  if (!entry) throw new NotFoundError('SKU', sku);
  const base = { sku, productId: entry.productId, stockUnit: stockUnit(entry.soldBy) };

  if (!entry.components) {
    const byStore = new Map((await stockOfSku(sku, deps)).map((s) => [s.storeId, s]));
    return {
      ...base,
      bundle: false,
      stores: stores.map((store): StockAtStore => {
        const stock = byStore.get(store.id);
        return {
          storeId: store.id,
          storeName: store.name,
          available: stock?.available ?? 0,
          reserved: stock?.reserved ?? 0,
          committed: stock?.committed ?? 0,
          leadTimeDays: stock?.leadTimeDays ?? 0,
          version: stock?.version ?? 0,
          updatedAt: stock?.updatedAt ?? null,
        };
      }),
    };
  }

  const components = entry.components;
  const stockByComponent = await Promise.all(components.map(async (c) => new Map((await stockOfSku(c.sku, deps)).map((s) => [s.storeId, s]))));
  return {
    ...base,
    bundle: true,
    stores: stores.map((store): BundleAtStore => {
      const atStore = components.map((c, i): [typeof c, StockItem | undefined] => [c, stockByComponent[i]!.get(store.id)]);
      return {
        storeId: store.id,
        storeName: store.name,
        available: bundleAvailability(components, new Map(atStore.map(([c, s]) => [c.sku, s?.available ?? 0]))),
        leadTimeDays: Math.max(0, ...atStore.map(([, s]) => s?.leadTimeDays ?? 0)),
        components: atStore.map(([c, s]) => ({ sku: c.sku, quantity: c.quantity, available: s?.available ?? 0 })),
      };
    }),
  };
}
