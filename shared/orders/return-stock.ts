import type { TableDeps } from '../db/deps.js';
import type { TransactItem } from '../db/transact.js';
import { readStockAt } from '../inventory/stock-repository.js';
import { goodsBackItems, type WriteOff } from './goods-back.js';
import type { OrderActor } from './repository.js';
import type { OrderReturn } from './returns.js';

/**
 * The stock side of an inspected return. Goods a shopper sends back left the store's stock when they were dispatched
 * or collected, so each line is either put back on sale, `available += q` like a staff adjustment (reason `return`:
 * the stock item under the version read, its audit entry with the counts before and after, `inventory.adjusted`), or
 * written off, which leaves the shelf as it is and is recorded by an audit entry (`write-off`, with the reason), as
 * fulfilment records goods written off from a delivery that came back.
 */

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
  const writeOffs: WriteOff[] = [];
  for (const line of sentBack) {
    const { outcome } = line;
    if (outcome === undefined) throw new RangeError(`return ${inspected.id} line ${line.lineId} has not been inspected`);
    for (const part of line.stock) {
      if (outcome.disposition === 'restock') restock.set(part.sku, (restock.get(part.sku) ?? 0) + part.quantity);
      else writeOffs.push({ lineId: line.lineId, sku: part.sku, quantity: part.quantity, reason: outcome.reason });
    }
  }
  return goodsBackItems(deps, { storeId: inspected.storeId, restock, writeOffs, stock, note: `order ${inspected.orderId}, return ${inspected.id}` }, who);
}
