import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { catalogDeps } from '../catalog/deps.js';
import type { Product, Variant } from '../catalog/model.js';
import { getCategories, getProductRecord, productFromItem } from '../catalog/repository.js';
import { batchGet } from '../db/batch.js';
import { keys } from '../db/keys.js';
import { ValidationError } from '../errors.js';
import type { CartDeps } from './deps.js';
import { ProductArchivedError } from './errors.js';
import type { CartLine } from './model.js';

/**
 * What the cart reads from the catalog: the variant behind a SKU when a line is added, and the
 * current product of every line when the cart is priced. Prices are never copied into the cart,
 * so a price change shows on the next read.
 */

export interface SellableVariant {
  product: Product;
  variant: Variant;
}

/**
 * The variant a SKU names, for adding it to a cart.
 * @param field where the SKU sits in the request, for the error
 * @throws ValidationError (400) naming the SKU when no product has it
 * @throws ProductArchivedError (409) when its product is no longer sold
 */
export async function sellableVariant(deps: CartDeps, sku: string, field = 'body.sku'): Promise<SellableVariant> {
  const { Item } = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: keys.sku(sku) }));
  const productId = Item?.productId as string | undefined;
  const product = productId ? await getProductRecord(catalogDeps(deps), productId) : undefined;
  const variant = product?.variants.find((v) => v.sku === sku);
  if (!product || !variant) throw new ValidationError([{ field, message: `no product has the SKU ${sku}` }]);
  if (product.status === 'archived') throw new ProductArchivedError(sku, product.id);
  return { product, variant };
}

/** A line whose product can still be sold, with what pricing needs to know about it. */
export interface AvailableLine extends SellableVariant {
  line: CartLine;
  /** The product's category id followed by its ancestors' ids, nearest first. */
  categoryIds: string[];
}

/** A line that cannot be priced or bought any more; it stays in the cart, flagged, until the shopper removes it. */
export interface UnavailableLine {
  lineId: string;
  sku: string;
  reason: 'product-archived' | 'sku-removed';
}

/**
 * The current catalog state of each line, read fresh: lines whose product was archived, or whose
 * SKU the product no longer has, come back as unavailable rather than priced at a stale price.
 */
export async function currentLines(deps: CartDeps, lines: readonly CartLine[]): Promise<{ available: AvailableLine[]; unavailable: UnavailableLine[] }> {
  const catalog = catalogDeps(deps);
  const productIds = [...new Set(lines.map((l) => l.productId))];
  const products = new Map((await batchGet(deps, productIds.map((id) => keys.product(id)))).map(productFromItem).map((p) => [p.id, p]));
  const categories = await getCategories(catalog, [...new Set([...products.values()].map((p) => p.categoryId))]);
  const available: AvailableLine[] = [];
  const unavailable: UnavailableLine[] = [];
  for (const line of lines) {
    const product = products.get(line.productId);
    const variant = product?.variants.find((v) => v.sku === line.sku);
    if (!product || !variant) unavailable.push({ lineId: line.lineId, sku: line.sku, reason: 'sku-removed' });
    else if (product.status === 'archived') unavailable.push({ lineId: line.lineId, sku: line.sku, reason: 'product-archived' });
    else {
      const ancestors = categories.get(product.categoryId)?.ancestorIds ?? [];
      available.push({ line, product, variant, categoryIds: [product.categoryId, ...[...ancestors].reverse()] });
    }
  }
  return { available, unavailable };
}
