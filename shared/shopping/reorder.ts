import { z } from 'zod';
import { standInMismatches } from '../catalog/substitutes.js';
import { productFromItem } from '../catalog/repository.js';
import type { Product } from '../catalog/model.js';
import { changeCart, ownCart, type CartEvent } from '../carts/change.js';
import type { CartActor, CartDeps } from '../carts/deps.js';
import { TooManyLinesError } from '../carts/errors.js';
import { addLine } from '../carts/lines.js';
import { Cart } from '../carts/model.js';
import { batchGet } from '../db/batch.js';
import { tableDeps } from '../db/deps.js';
import { keys } from '../db/keys.js';
import { ValidationError } from '../errors.js';
import { requireOrderFor } from '../orders/access.js';
import type { OrderLine } from '../orders/model.js';
import { planReorder, SkippedLine, type ReorderFacts } from './reorder-plan.js';

/**
 * `POST /carts/{id}/reorder`: a past order's lines into one of the caller's open carts, in one change of the cart (one
 * version, one `cart.add` per line added), skipping with its reason each line that can no longer be bought there.
 */

/** What the reorder answers: the cart as it is after the change, and each line of the order it did not add. */
export const ReorderView = Cart.extend({ skipped: z.array(SkippedLine).describe('The order’s lines that were not added, each with why.') });
export type ReorderView = z.infer<typeof ReorderView>;

/** Products by id, read in batches. */
async function productsById(deps: CartDeps, productIds: Iterable<string>): Promise<Map<string, Product>> {
  const items = await batchGet(deps, [...new Set(productIds)].map((id) => keys.product(id)));
  return new Map(items.map(productFromItem).map((p) => [p.id, p]));
}

/** The chosen substitutes (`specific`) of the order's lines that are still sold and can still stand in for their line's SKU. */
async function usableSubstitutes(deps: CartDeps, lines: readonly OrderLine[], products: ReadonlyMap<string, Product>): Promise<Set<string>> {
  const chosen = lines.filter((l) => l.substitution === 'specific' && l.substituteSku !== undefined);
  if (chosen.length === 0) return new Set();
  const claims = await batchGet(deps, [...new Set(chosen.map((l) => l.substituteSku!))].map((sku) => keys.sku(sku)));
  const owners = new Map(claims.map((c) => [String(c.pk).slice('SKU#'.length), String(c.productId)]));
  const substitutes = await productsById(deps, owners.values());
  const usable = new Set<string>();
  for (const line of chosen) {
    const orderedProduct = products.get(line.productId);
    const ordered = orderedProduct?.variants.find((v) => v.sku === line.sku);
    const product = substitutes.get(owners.get(line.substituteSku!) ?? '');
    const variant = product?.variants.find((v) => v.sku === line.substituteSku);
    if (orderedProduct && ordered && product && variant && standInMismatches({ product: orderedProduct, variant: ordered }, { product, variant }).length === 0) {
      usable.add(line.substituteSku!);
    }
  }
  return usable;
}

/** Stock available at the store of every SKU the lines draw (a bundle's components rather than the bundle); absent when not stocked there. */
async function availableAt(deps: CartDeps, storeId: string, lines: readonly OrderLine[], products: ReadonlyMap<string, Product>): Promise<Map<string, number>> {
  const skus = new Set(lines.flatMap((l) => products.get(l.productId)?.bundle?.components.map((c) => c.sku) ?? [l.sku]));
  const items = await batchGet(deps, [...skus].map((sku) => keys.stock(sku, storeId)));
  return new Map(items.map((item) => [String(item.sku), Number(item.available)]));
}

/**
 * Adds the lines of one of the caller's past orders to one of their open carts, as they were ordered (quantity,
 * substitution preference), each merged onto the cart's line of the same SKU and preference as an add would; lines no
 * longer sold, sold differently, not stocked or short at the cart's store, or that the cart has no room for, are
 * skipped and reported.
 * @throws NotFoundError (404) for an order that is not the caller's (as for one that does not exist)
 * @throws CartNotFoundError (404), CartNotOpenError (409), CartBusyError (409) as for any change of the cart
 */
export async function reorderIntoCart(cartId: string, orderId: string, actor: CartActor, deps: CartDeps = tableDeps()): Promise<ReorderView> {
  const order = await requireOrderFor(deps, orderId, { kind: 'shopper', subject: actor.subject });
  const { storeId } = await ownCart(deps, cartId, actor, 'change');
  const products = await productsById(deps, order.lines.map((l) => l.productId));
  const facts: ReorderFacts = {
    products,
    available: await availableAt(deps, storeId, order.lines, products),
    usableSubstitutes: await usableSubstitutes(deps, order.lines, products),
  };
  const { candidates, skipped } = planReorder(order.lines, facts);
  const at = deps.now().toISOString();
  let overLimit: SkippedLine[] = [];
  const cart = await changeCart(deps, cartId, actor, (current) => {
    overLimit = [];
    let lines = current.lines;
    const events: CartEvent[] = [];
    for (const { orderLineId, line } of candidates) {
      try {
        const change = addLine({ id: current.id, lines }, line, { lineId: deps.newId(), at });
        lines = change.lines;
        events.push({ kind: 'add', line: change.line, added: line.quantity, merged: change.merged });
      } catch (error) {
        // The cart's limits: no room for another line, or a merged quantity past a line's most.
        if (!(error instanceof TooManyLinesError || error instanceof ValidationError)) throw error;
        const ordered = order.lines.find((l) => l.lineId === orderLineId)!;
        overLimit.push({ orderLineId, sku: line.sku, name: ordered.name, reason: 'over-limit' });
      }
    }
    const [first, ...more] = events;
    return first ? { changes: { lines }, event: first, moreEvents: more } : undefined;
  });
  const position = new Map(order.lines.map((l, i) => [l.lineId, i]));
  return { ...cart, skipped: [...skipped, ...overLimit].sort((a, b) => position.get(a.orderLineId)! - position.get(b.orderLineId)!) };
}
