import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand, type PutCommandInput } from '@aws-sdk/lib-dynamodb';
import type { z } from 'zod';
import type { EventContract } from '../../events/contract.js';
import type { StockLevel } from '../../events/inventory/stock-level.js';
import { outboxEvent } from '../events/outbox.js';
import { logger } from '../observability/logger.js';
import type { InventoryDeps } from './deps.js';
import { levelOf, readStockAt } from './stock-repository.js';

/**
 * Announces a reservation's or release's effect on stock with the levels it left behind.
 *
 * Those levels cannot ride in the change's own transaction: the change is a relative update (`available =
 * available - :q` under `available >= :q`), and a transaction returns no values, so the levels are only known
 * after it commits. They are read right after (strongly consistent, so at or past our own version; consumers keep
 * the highest version they see) and written to the outbox under an id derived from the change, so a repeat of
 * the same call cannot announce twice. The cost is a window: a process that dies between the commit and this
 * write leaves the change unannounced until a repeat of the call, or the next change to those items, reports
 * newer levels. A failure here is logged, not thrown, because the change itself is durable and the caller
 * must learn that it succeeded.
 */
export async function announceWithLevels<S extends z.ZodType>(
  deps: InventoryDeps,
  contract: EventContract<S>,
  at: { eventId: string; storeId: string; skus: readonly string[]; correlationId?: string },
  data: (levels: StockLevel[]) => z.input<S>,
): Promise<void> {
  try {
    const stock = await readStockAt(at.storeId, at.skus, deps);
    const levels = at.skus.flatMap((sku) => {
      const item = stock.get(sku);
      return item ? [levelOf(item)] : [];
    });
    const { item } = outboxEvent(deps.tableName, contract, data(levels), {
      id: at.eventId,
      now: deps.now(),
      ...(at.correlationId ? { correlationId: at.correlationId } : {}),
    });
    await deps.db.send(new PutCommand(item.Put as PutCommandInput));
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return;
    logger.error('stock change committed but not announced', { eventId: at.eventId, detailType: contract.detailType, error: error as Error });
  }
}
