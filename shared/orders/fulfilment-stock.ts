import { stockAdjustedV1 } from '../../events/inventory/stock-adjusted.v1.js';
import { auditItem } from '../audit/audit-entry.js';
import type { TableDeps } from '../db/deps.js';
import type { TransactItem } from '../db/transact.js';
import { outboxEvent } from '../events/outbox.js';
import { MAX_BUNDLE_DEPTH, type CatalogSku } from '../inventory/bundles.js';
import { lookUpSkus } from '../inventory/catalog-skus.js';
import { orderReservationId } from '../inventory/reservation-ids.js';
import { getReservation } from '../inventory/reservation-repository.js';
import { levelOf, readStockAt, stockChange } from '../inventory/stock-repository.js';
import type { StockItem } from '../inventory/model.js';
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

const counts = (stock: StockItem) => ({ available: stock.available, reserved: stock.reserved, committed: stock.committed, leadTimeDays: stock.leadTimeDays, version: stock.version });

/**
 * The items that receive a returned shipment's goods at the store, read from the stock as it is now: for each SKU put
 * back on sale, `available += q` under the version read (so the audit's before and after are exact; a concurrent change
 * cancels the transaction and the caller reads again), its audit entry (`adjust`, reason `return`) and `inventory.adjusted`;
 * for each SKU written off, an audit entry (`write-off`, with the reason) and nothing on the shelf: it left `committed`
 * when it was dispatched.
 */
export async function returnItems(deps: TableDeps, order: Order, shipment: Shipment, lines: readonly ReturnDisposition[], who: OrderActor): Promise<TransactItem[]> {
  const disposition = new Map(lines.map((line) => [line.lineId, line]));
  const restock = bySku(shipment.stockMoves.filter((move) => disposition.get(move.lineId)?.disposition === 'restock'));
  const writeOffs = shipment.stockMoves.filter((move) => disposition.get(move.lineId)?.disposition === 'write-off');
  const stock = await readStockAt(order.storeId, [...new Set(shipment.stockMoves.map((move) => move.sku))], deps);
  const now = deps.now();
  const at = now.toISOString();
  const note = `order ${order.id}, shipment ${shipment.id}`;
  const items: TransactItem[] = [];
  for (const [sku, quantity] of restock) {
    const before = stock.get(sku);
    if (!before) continue;
    const after: StockItem = { ...before, available: before.available + quantity, version: before.version + 1, updatedAt: at };
    const adjustmentId = deps.newId();
    items.push(
      stockChange(deps, { sku, storeId: order.storeId }, { available: quantity }, { expression: 'version = :v', values: { ':v': before.version } }, now),
      {
        Put: {
          TableName: deps.tableName,
          Item: auditItem({
            id: adjustmentId,
            entity: 'stock',
            entityId: `${order.storeId}/${sku}`,
            action: 'adjust',
            actor: who.actor,
            at,
            before: counts(before),
            after: { ...counts(after), delta: quantity, reason: 'return', note },
          }),
        },
      },
      outboxEvent(
        deps.tableName,
        stockAdjustedV1,
        { adjustmentId, sku, storeId: order.storeId, delta: quantity, reason: 'return', actor: who.actor, level: levelOf(after) },
        { id: `adjusted-${adjustmentId}`, now, correlationId: who.correlationId },
      ).item,
    );
  }
  for (const move of writeOffs) {
    const current = stock.get(move.sku);
    const line = disposition.get(move.lineId)!;
    items.push({
      Put: {
        TableName: deps.tableName,
        Item: auditItem({
          entity: 'stock',
          entityId: `${order.storeId}/${move.sku}`,
          action: 'write-off',
          actor: who.actor,
          at,
          before: current ? counts(current) : {},
          after: { ...(current ? counts(current) : {}), writtenOff: move.quantity, reason: line.disposition === 'write-off' ? line.reason : 'perishable', note: `${note}, line ${move.lineId}` },
        }),
      },
    });
  }
  return items;
}
