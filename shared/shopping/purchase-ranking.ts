import type { Order, OrderLine } from '../orders/model.js';

/**
 * Pure rules of "buy it again": what a shopper bought, from their orders, ranked by how many orders contained it and
 * then by how recently they bought it.
 */

/** Orders whose goods the shopper received: completed, or completed and then partly refunded. */
const RECEIVED = new Set<Order['status']>(['completed', 'partially-refunded']);

/** One SKU the shopper bought, with how often and when last. */
export interface Purchase {
  sku: string;
  productId: string;
  /** Orders that contained it. */
  timesBought: number;
  /** When the latest of those orders was placed. */
  lastBoughtAt: string;
}

/** What a line handed over: the substitute when the picker handed one over, the SKU ordered otherwise, nothing when nothing was. */
function handedOver(line: OrderLine): { sku: string; productId: string } | undefined {
  if (line.picked === undefined) return { sku: line.sku, productId: line.productId };
  if (line.picked.quantity === undefined) return undefined;
  return line.picked.substitute ? { sku: line.picked.substitute.sku, productId: line.picked.substitute.productId } : { sku: line.sku, productId: line.productId };
}

/**
 * The SKUs bought in the orders the shopper received, each counted once per order, most bought first, then most
 * recently bought, then by SKU (so the order is total and stable).
 */
export function rankPurchases(orders: readonly Pick<Order, 'status' | 'createdAt' | 'lines'>[]): Purchase[] {
  const bySku = new Map<string, Purchase>();
  for (const order of orders) {
    if (!RECEIVED.has(order.status)) continue;
    const skus = new Map(order.lines.flatMap((line) => { const got = handedOver(line); return got ? [[got.sku, got] as const] : []; }));
    for (const { sku, productId } of skus.values()) {
      const seen = bySku.get(sku);
      if (!seen) bySku.set(sku, { sku, productId, timesBought: 1, lastBoughtAt: order.createdAt });
      else bySku.set(sku, { ...seen, timesBought: seen.timesBought + 1, lastBoughtAt: seen.lastBoughtAt > order.createdAt ? seen.lastBoughtAt : order.createdAt });
    }
  }
  return [...bySku.values()].sort((a, b) => b.timesBought - a.timesBought || b.lastBoughtAt.localeCompare(a.lastBoughtAt) || a.sku.localeCompare(b.sku));
}
