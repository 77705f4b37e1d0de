import { sampleCatalog } from '../../shared/catalog/seed.js';
import { sampleQuantity } from '../../shared/inventory/seed.js';

/** A sample SKU as the e2e checkouts pick them: its price, average weight (weighed goods) and seeded stock at `store`. */
export interface SampleSku {
  sku: string;
  price: number;
  average: number | undefined;
  stock: number;
}

/** Active, single (not bundled), food, unrestricted sample SKUs sold `soldBy`, with their seeded stock at `store`. */
export function sampleSkus(store: string, soldBy: 'each' | 'weight'): SampleSku[] {
  return sampleCatalog().products.flatMap((p) =>
    p.status !== 'active' || p.bundle || p.taxCategory !== 'food' || p.ageRestricted
      ? []
      : p.variants
          .filter((v) => v.soldBy === soldBy)
          .map((v) => ({ sku: v.sku, price: v.price.amount, average: v.averageWeightGrams, stock: sampleQuantity(v.sku, store, v.soldBy) })),
  );
}
