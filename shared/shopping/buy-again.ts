import { z } from 'zod';
import { Id, Money, Sku, SoldBy } from '../catalog/model.js';
import { productFromItem } from '../catalog/repository.js';
import { batchGet } from '../db/batch.js';
import { tableDeps, type TableDeps } from '../db/deps.js';
import { keys } from '../db/keys.js';
import type { Order } from '../orders/model.js';
import { listOrdersByShopper } from '../orders/repository.js';
import { rankPurchases } from './purchase-ranking.js';
import type { BuyAgainQuery } from './requests.js';

/**
 * "Buy it again" (`GET /me/buy-again`): the SKUs the shopper bought most, from their own orders (`keys.ordersByShopper`,
 * newest first; search keeps purchase history only per product, for every shopper together), still sold, at today's
 * price. Capped rather than paged: the most recent {@link BUY_AGAIN_ORDERS} orders, and at most `limit` items.
 */

/** How many of the shopper's latest orders are read: months of weekly shops, and one query of a few pages. */
export const BUY_AGAIN_ORDERS = 100;

/** One page of products read at a time while looking for items still sold. */
const PRODUCT_BATCH = 100;

/** One item the shopper may buy again: what it is and costs today, and how often and when they bought it. */
export const BuyAgainItem = z.strictObject({
  sku: Sku,
  productId: Id,
  /** The product's name today. */
  name: z.string(),
  /** The variant's name today (`1 kg`, `6 pack`). */
  variantName: z.string(),
  soldBy: SoldBy,
  /** Orders that contained it. */
  timesBought: z.number().int().positive(),
  /** When the latest of those orders was placed. */
  lastBoughtAt: z.iso.datetime(),
  /** The price today, per item or pack, kg or litre. */
  price: Money,
});
export type BuyAgainItem = z.infer<typeof BuyAgainItem>;

/** `GET /me/buy-again`: the items, most bought first. */
export const BuyAgainList = z.strictObject({
  items: z.array(BuyAgainItem),
  /** How many of the shopper's latest orders were read. */
  ordersConsidered: z.number().int().nonnegative(),
});
export type BuyAgainList = z.infer<typeof BuyAgainList>;

/** The shopper's latest orders, newest first, at most {@link BUY_AGAIN_ORDERS}. */
async function latestOrders(deps: TableDeps, shopperId: string): Promise<Order[]> {
  const orders: Order[] = [];
  let cursor: string | undefined;
  do {
    const page = await listOrdersByShopper(deps, shopperId, { limit: BUY_AGAIN_ORDERS - orders.length, ...(cursor === undefined ? {} : { cursor }) });
    orders.push(...page.orders);
    cursor = page.nextCursor;
  } while (cursor !== undefined && orders.length < BUY_AGAIN_ORDERS);
  return orders;
}

/**
 * The shopper's most bought items, most bought first (then most recently bought), leaving out what is no longer sold
 * (product archived, or the SKU gone from it).
 */
export async function buyAgain(shopperId: string, query: BuyAgainQuery, deps: TableDeps = tableDeps()): Promise<BuyAgainList> {
  const orders = await latestOrders(deps, shopperId);
  const ranked = rankPurchases(orders);
  const items: BuyAgainItem[] = [];
  for (let start = 0; start < ranked.length && items.length < query.limit; start += PRODUCT_BATCH) {
    const chunk = ranked.slice(start, start + PRODUCT_BATCH);
    const products = new Map((await batchGet(deps, [...new Set(chunk.map((p) => p.productId))].map((id) => keys.product(id)))).map(productFromItem).map((p) => [p.id, p]));
    for (const purchase of chunk) {
      const product = products.get(purchase.productId);
      const variant = product?.variants.find((v) => v.sku === purchase.sku);
      if (!product || !variant || product.status !== 'active') continue;
      items.push({ ...purchase, name: product.name, variantName: variant.name, soldBy: variant.soldBy, price: variant.price });
      if (items.length === query.limit) break;
    }
  }
  return { items, ordersConsidered: orders.length };
}
