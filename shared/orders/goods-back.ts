import { stockAdjustedV1 } from '../../events/inventory/stock-adjusted.v1.js';
import { attributedTo, auditItem } from '../audit/audit-entry.js';
import type { TableDeps } from '../db/deps.js';
import type { TransactItem } from '../db/transact.js';
import { outboxEvent } from '../events/outbox.js';
import type { StockItem } from '../inventory/model.js';
import { DEFAULT_LEAD_TIME_DAYS, levelOf, stockChange, stockItem } from '../inventory/stock-repository.js';
import type { OrderActor } from './repository.js';

/**
 * Goods of an order that come back to its store, from a delivery returned to the store (`fulfilment-stock.ts`) or a
 * shopper's return (`return-stock.ts`). They left the store's stock when they were dispatched or collected, so each is
 * either put back on sale, `available += q` like a staff adjustment (reason `return`), or written off, which leaves the
 * shelf as it is and is recorded by an audit entry (`write-off`, with the reason).
 */

/** Goods of one order line written off at the store, with why. */
export interface WriteOff {
  lineId: string;
  sku: string;
  quantity: number;
  reason: string;
}

/** What goods came back, and from where. */
export interface GoodsBack {
  storeId: string;
  /** Quantity put back on sale, per SKU (each stock item is touched once). */
  restock: ReadonlyMap<string, number>;
  writeOffs: readonly WriteOff[];
  /** The stock of those SKUs at the store as read now; a SKU missing here has no stock item any more. */
  stock: ReadonlyMap<string, StockItem>;
  /** What the goods came back with, for the audit: `order <id>, shipment <id>`. */
  note: string;
}

const counts = (stock: StockItem) => ({ available: stock.available, reserved: stock.reserved, committed: stock.committed, leadTimeDays: stock.leadTimeDays, version: stock.version });

/**
 * The transaction items that receive goods back at the store: per SKU restocked, the stock item moved under the version
 * read (a concurrent change cancels the transaction; the caller reads again, so the audit's counts before and after are
 * exact) with its audit entry (`adjust`, reason `return`) and `inventory.adjusted`; a SKU the store has no stock item for
 * any more gets one, on condition nobody made it meanwhile. Per line written off, an audit entry and nothing else.
 */
export function goodsBackItems(deps: TableDeps, back: GoodsBack, who: OrderActor): TransactItem[] {
  const { storeId, stock, note } = back;
  const now = deps.now();
  const at = now.toISOString();
  const items: TransactItem[] = [];
  for (const [sku, quantity] of back.restock) {
    const before = stock.get(sku);
    const after: StockItem = before
      ? { ...before, available: before.available + quantity, version: before.version + 1, updatedAt: at }
      : { sku, storeId, available: quantity, reserved: 0, committed: 0, leadTimeDays: DEFAULT_LEAD_TIME_DAYS, version: 1, updatedAt: at };
    const adjustmentId = deps.newId();
    items.push(
      before
        ? stockChange(deps, { sku, storeId }, { available: quantity }, { expression: 'version = :v', values: { ':v': before.version } }, now)
        : { Put: { TableName: deps.tableName, Item: stockItem(after), ConditionExpression: 'attribute_not_exists(pk)' } },
      {
        Put: {
          TableName: deps.tableName,
          Item: auditItem({
            ...attributedTo(who),
            id: adjustmentId,
            entity: 'stock',
            entityId: `${storeId}/${sku}`,
            action: 'adjust',
            at,
            before: before ? counts(before) : {},
            after: { ...counts(after), delta: quantity, reason: 'return', note },
          }),
        },
      },
      outboxEvent(
        deps.tableName,
        stockAdjustedV1,
        { adjustmentId, sku, storeId, delta: quantity, reason: 'return', actor: who.actor, level: levelOf(after) },
        { id: `adjusted-${adjustmentId}`, now, correlationId: who.correlationId },
      ).item,
    );
  }
  for (const writeOff of back.writeOffs) {
    const current = stock.get(writeOff.sku);
    items.push({
      Put: {
        TableName: deps.tableName,
        Item: auditItem({
          ...attributedTo(who),
          entity: 'stock',
          entityId: `${storeId}/${writeOff.sku}`,
          action: 'write-off',
          at,
          before: current ? counts(current) : {},
          after: { ...(current ? counts(current) : {}), writtenOff: writeOff.quantity, reason: writeOff.reason, note: `${note}, line ${writeOff.lineId}` },
        }),
      },
    });
  }
  return items;
}
