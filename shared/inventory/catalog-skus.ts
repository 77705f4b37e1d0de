import { keys } from '../db/keys.js';
import { batchGet } from '../db/batch.js';
import { productFromItem } from '../catalog/repository.js';
import { MAX_BUNDLE_DEPTH, type CatalogSku } from './bundles.js';
import type { InventoryDeps } from './deps.js';

/**
 * Looks SKUs up in the catalog (their SKU claims, then the products that own them) together with the components
 * of any bundles among them, nested bundles included. SKUs that no product claims are absent from the map.
 */
export async function lookUpSkus(skus: readonly string[], deps: InventoryDeps): Promise<Map<string, CatalogSku>> {
  const found = new Map<string, CatalogSku>();
  let wanted = [...new Set(skus)];
  for (let depth = 0; depth <= MAX_BUNDLE_DEPTH && wanted.length > 0; depth += 1) {
    const claims = await batchGet(deps, wanted.map((sku) => keys.sku(sku)));
    const productIds = [...new Set(claims.map((claim) => claim.productId as string))];
    const products = (await batchGet(deps, productIds.map((id) => keys.product(id)))).map(productFromItem);
    for (const claim of claims) {
      const product = products.find((p) => p.id === claim.productId);
      const variant = product?.variants.find((v) => v.sku === claim.sku);
      if (!product || !variant) continue;
      found.set(variant.sku, {
        sku: variant.sku,
        productId: product.id,
        soldBy: variant.soldBy,
        ...(product.bundle ? { components: product.bundle.components } : {}),
      });
    }
    wanted = [...new Set(wanted.flatMap((sku) => found.get(sku)?.components?.map((c) => c.sku) ?? []))].filter((sku) => !found.has(sku));
  }
  return found;
}
