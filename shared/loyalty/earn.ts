import type { z } from 'zod';
import type { orderCompletedV1 } from '../../events/orders/order-completed.v1.js';
import { keys } from '../db/keys.js';
import { TransactionCancelled, transactWrite } from '../db/transact.js';
import { pointsEarned, type LoyaltyPolicy } from '../pricing/loyalty.js';
import { balanceUpdate, ledgerEntryPut } from './accounts.js';
import { loyaltyDeps, type LoyaltyDeps } from './deps.js';
import { LOYALTY_POLICY } from './policy.js';
import { isWalkIn } from '../orders/model.js';

export type CompletedOrder = z.infer<typeof orderCompletedV1.schema>;

/** The consumer name in `keys.processedEvent`, which marks each order whose points were earned. */
export const EARN_CONSUMER = 'loyalty-earn';

/**
 * The points a completed order earns, by the pricing module's `pointsEarned`, on its goods as paid
 * (line totals, after promotions and redemption; fees excluded). On the `net` basis the order's tax
 * is taken off first (the event carries tax per order, not per line). An order in another currency
 * than the policy's earns nothing.
 */
export function pointsForOrder(order: Pick<CompletedOrder, 'currency' | 'lines' | 'tax'>, policy: LoyaltyPolicy = LOYALTY_POLICY): number {
  if (order.currency !== policy.earn.per.currency) return 0;
  const goods = order.lines.reduce((sum, line) => sum + line.total, 0);
  return pointsEarned(policy, policy.earn.basis === 'net' ? Math.max(0, goods - order.tax) : goods);
}

/**
 * Credits a completed order's points, once per order however often its event is delivered: the
 * order is marked processed in the same transaction as the balance `ADD` and the ledger entry,
 * and a second delivery finds the mark and changes nothing. Keyed by order rather than by event
 * id, so that a republished event for the same order cannot pay twice either. An order in the
 * scheme's currency that earns nothing is marked all the same (with 0 points), so that a refund of
 * it knows its points were counted (`clawback.ts`).
 * @returns the points credited by this call: 0 when the order earns none or was already credited
 */
export async function earnForOrder(order: CompletedOrder, eventId: string, deps: LoyaltyDeps = loyaltyDeps()): Promise<number> {
  if (order.currency !== LOYALTY_POLICY.earn.per.currency) return 0;
  // A walk-in's sale is marked like any other (so that its refund finds it counted) but credits no one.
  const points = isWalkIn(order.shopperId) ? 0 : pointsForOrder(order);
  const at = deps.now().toISOString();
  try {
    await transactWrite(deps, [
      {
        Put: {
          TableName: deps.tableName,
          Item: { ...keys.processedEvent(EARN_CONSUMER, order.orderId), entityType: 'ProcessedEvent', schemaVersion: 1, eventId, points, at },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      ...(points === 0
        ? []
        : [balanceUpdate(deps, order.shopperId, { points, earned: true, at }), ledgerEntryPut(deps, order.shopperId, { kind: 'earn', points, orderId: order.orderId, at })]),
    ]);
  } catch (error) {
    if (error instanceof TransactionCancelled && error.failedConditions().includes(0)) return 0;
    throw error;
  }
  return points;
}
