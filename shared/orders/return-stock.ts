import { stockAdjustedV1 } from '../../events/inventory/stock-adjusted.v1.js';
import { auditItem } from '../audit/audit-entry.js';
import type { TableDeps } from '../db/deps.js';
import type { TransactItem } from '../db/transact.js';
import { outboxEvent } from '../events/outbox.js';
import type { StockItem } from '../inventory/model.js';
import { DEFAULT_LEAD_TIME_DAYS, levelOf, readStockAt, stockChange, stockItem } from '../inventory/stock-repository.js';
import type { OrderActor } from './repository.js';
import type { OrderReturn } from './returns.js';

/**
 * The stock side of an inspected return. Goods a shopper sends back left the store's stock when they were dispatched
 * or collected, so each line is either put back on sale, `available += q` like a staff adjustment (reason `return`:
 * the stock item under the version read, its audit entry with the counts before and after, `inventory.adjusted`), or
 * written off, which leaves the shelf as it is and is recorded by an audit entry (`write-off`, with the reason), as
 * fulfilment records goods written off from a delivery that came back.
 */

const counts = (stock: StockItem) => ({ available: stock.available, reserved: stock.reserved, committed: stock.committed, leadTimeDays: stock.leadTimeDays, version: stock.version });

/**
 * The transaction items that receive an inspected return's goods, from the stock as it is now: per SKU restocked, the
 * stock item moved under the version read (a concurrent change cancels the transaction; the caller reads again) with
 * its audit entry and event (a SKU the store has no stock item for any more gets one, on condition nobody made it
 * meanwhile); per SKU of each line written off, an audit entry.
 * @param inspected the return with each sent-back line's outcome
 */
export async function returnStockItems(deps: TableDeps, inspected: OrderReturn, who: OrderActor): Promise<TransactItem[]> {
  const sentBack = inspected.lines.filter((line) => line.handling === 'send-back');
  const stock = await readStockAt(inspected.storeId, [...new Set(sentBack.flatMap((line) => line.stock.map((part) => part.sku)))], deps);
  const restock = new Map<string, number>();
  const writeOffs: { lineId: string; sku: string; quantity: number; reason: string }[] = [];
  for (const line of sentBack) {
    const { outcome } = line;
    if (outcome === undefined) throw new RangeError(`return ${inspected.id} line ${line.lineId} has not been inspected`);
    for (const part of line.stock) {
      if (outcome.disposition === 'restock') restock.set(part.sku, (restock.get(part.sku) ?? 0) + part.quantity);
      else writeOffs.push({ lineId: line.lineId, sku: part.sku, quantity: part.quantity, reason: outcome.reason });
    }
  }
  const now = deps.now();
  const at = now.toISOString();
  const note = `order ${inspected.orderId}, return ${inspected.id}`;
  const items: TransactItem[] = [];
  for (const [sku, quantity] of restock) {
    const before = stock.get(sku);
    const after: StockItem = before
      ? { ...before, available: before.available + quantity, version: before.version + 1, updatedAt: at }
      : { sku, storeId: inspected.storeId, available: quantity, reserved: 0, committed: 0, leadTimeDays: DEFAULT_LEAD_TIME_DAYS, version: 1, updatedAt: at };
    const adjustmentId = deps.newId();
    items.push(
      before
        ? stockChange(deps, { sku, storeId: inspected.storeId }, { available: quantity }, { expression: 'version = :v', values: { ':v': before.version } }, now)
        : { Put: { TableName: deps.tableName, Item: stockItem(after), ConditionExpression: 'attribute_not_exists(pk)' } },
      {
        Put: {
          TableName: deps.tableName,
          Item: auditItem({
            id: adjustmentId,
            entity: 'stock',
            entityId: `${inspected.storeId}/${sku}`,
            action: 'adjust',
            actor: who.actor,
            at,
            before: before ? counts(before) : {},
            after: { ...counts(after), delta: quantity, reason: 'return', note },
          }),
        },
      },
      outboxEvent(
        deps.tableName,
        stockAdjustedV1,
        { adjustmentId, sku, storeId: inspected.storeId, delta: quantity, reason: 'return', actor: who.actor, level: levelOf(after) },
        { id: `adjusted-${adjustmentId}`, now, correlationId: who.correlationId },
      ).item,
    );
  }
  for (const writeOff of writeOffs) {
    const current = stock.get(writeOff.sku);
    items.push({
      Put: {
        TableName: deps.tableName,
        Item: auditItem({
          entity: 'stock',
          entityId: `${inspected.storeId}/${writeOff.sku}`,
          action: 'write-off',
          actor: who.actor,
          at,
          before: current ? counts(current) : {},
          after: { ...(current ? counts(current) : {}), writtenOff: writeOff.quantity, reason: writeOff.reason, note: `${note}, line ${writeOff.lineId}` },
        }),
      },
    });
  }
  return items;
}
