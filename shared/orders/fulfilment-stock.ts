import type { TableDeps } from '../db/deps.js';
import type { TransactItem } from '../db/transact.js';
import { MAX_BUNDLE_DEPTH, type CatalogSku } from '../inventory/bundles.js';
import { lookUpSkus } from '../inventory/catalog-skus.js';
import { orderReservationId } from '../inventory/reservation-ids.js';
import { getReservation } from '../inventory/reservation-repository.js';
import { readStockAt, stockChange } from '../inventory/stock-repository.js';
import { goodsBackItems } from './goods-back.js';
import type { Order } from './model.js';
import type { OrderActor } from './repository.js';
import type { ReturnDisposition, Shipment, ShipmentLine, StockMove } from './shipments.js';

/**
 * Stock leaving the store with an order's goods, and coming back. Picking moved the order's stock from `reserved` to
 * `committed` (the checkout saga's CommitStock); a shipment's dispatch or a collection takes it off `committed`, in the
 * same transaction as the fulfilment change, because the goods are gone. Goods that come back go on sale again
 * (`available`) or are written off, each audited like a stock adjustment.
 */

/** The stocked SKUs one SKU stands for: itself, or a bundle's components (recursively), each times the quantity. */
function stockedParts(sku: string, quantity: number, catalog: ReadonlyMap<string, CatalogSku>, depth = 0): { sku: string; quantity: number }[] {
  const components = catalog.get(sku)?.components;
  if (!components || depth >= MAX_BUNDLE_DEPTH) return [{ sku, quantity }];
  return components.flatMap((c) => stockedParts(c.sku, quantity * c.quantity, catalog, depth + 1));
}

/** What this order's goods already took off `committed`: every shipment's and the collection's moves, by SKU. */
function movedSoFar(order: Order): Map<string, number> {
  const moved = new Map<string, number>();
  const moves = [...(order.shipments ?? []).flatMap((s) => s.stockMoves), ...(order.collection?.stockMoves ?? [])];
  for (const move of moves) moved.set(move.sku, (moved.get(move.sku) ?? 0) + move.quantity);
  return moved;
}

/**
 * The stock that leaves with these lines: per line, the stocked SKUs of what was handed over (a bundle's components),
 * never more of a SKU than the order's reservation committed and no earlier shipment took. So a line whose stock was
 * never committed by this order (a substitute, until picking commits the substitute's own stock) moves nothing rather
 * than another order's goods, and a short pick, whose reservation released what was not picked, moves only what was.
 */
export async function stockLeaving(order: Order, lines: readonly ShipmentLine[], deps: TableDeps): Promise<StockMove[]> {
  const reservation = await getReservation(order.reservationId ?? orderReservationId(order.id), deps);
  if (reservation?.status !== 'committed') return [];
  const moved = movedSoFar(order);
  const left = new Map((reservation.committedLines ?? []).map((line) => [line.sku, line.quantity - (moved.get(line.sku) ?? 0)]));
  const catalog = await lookUpSkus([...new Set(lines.map((line) => line.sku))], deps);
  return lines.flatMap((line) =>
    stockedParts(line.sku, line.quantity, catalog).flatMap(({ sku, quantity }) => {
      const take = Math.min(quantity, left.get(sku) ?? 0);
      if (take <= 0) return [];
      left.set(sku, (left.get(sku) ?? 0) - take);
      return [{ lineId: line.lineId, sku, quantity: take }];
    }),
  );
}

/** Moves summed per SKU: a transaction touches each stock item once. */
function bySku(moves: readonly StockMove[]): Map<string, number> {
  const merged = new Map<string, number>();
  for (const move of moves) merged.set(move.sku, (merged.get(move.sku) ?? 0) + move.quantity);
  return merged;
}

/** The stock items of goods leaving the store: `committed -= q` under `committed >= q`, one per SKU. */
export function leavingItems(deps: TableDeps, storeId: string, moves: readonly StockMove[]): TransactItem[] {
  const now = deps.now();
  return [...bySku(moves)].map(([sku, quantity]) => stockChange(deps, { sku, storeId }, { committed: -quantity }, { expression: 'committed >= :q', values: { ':q': quantity } }, now));
}

/**
 * The items that receive a returned shipment's goods at the store (`goodsBackItems`), read from the stock as it is now:
 * each line put back on sale or written off as staff decided; a written-off line left `committed` when it was
 * dispatched, so the shelf stays as it is.
 */
export async function returnItems(deps: TableDeps, order: Order, shipment: Shipment, lines: readonly ReturnDisposition[], who: OrderActor): Promise<TransactItem[]> {
  const disposition = new Map(lines.map((line) => [line.lineId, line]));
  const restock = bySku(shipment.stockMoves.filter((move) => disposition.get(move.lineId)?.disposition === 'restock'));
  const stock = await readStockAt(order.storeId, [...new Set(shipment.stockMoves.map((move) => move.sku))], deps);
  const writeOffs = shipment.stockMoves.flatMap((move) => {
    const line = disposition.get(move.lineId);
    return line?.disposition === 'write-off' ? [{ lineId: move.lineId, sku: move.sku, quantity: move.quantity, reason: line.reason }] : [];
  });
  return goodsBackItems(deps, { storeId: order.storeId, restock, writeOffs, stock, note: `order ${order.id}, shipment ${shipment.id}` }, who);
}
