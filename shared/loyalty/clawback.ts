import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { z } from 'zod';
import type { orderStatusChangedV1 } from '../../events/orders/order-status-changed.v1.js';
import { keys } from '../db/keys.js';
import { backoff, TransactionCancelled, transactWrite, type TransactItem } from '../db/transact.js';
import { getOrderRecord } from '../orders/repository.js';
import { balanceUpdate, getLoyaltyAccount, ledgerEntryPut } from './accounts.js';
import { loyaltyDeps, type LoyaltyDeps } from './deps.js';
import { EARN_CONSUMER } from './earn.js';
import { LOYALTY_POLICY } from './policy.js';
import { REDEEM_MARK, reverseRedeemItems } from './redemptions.js';
import { isWalkIn } from '../orders/model.js';

/**
 * Refunds and points. The points an order earned are taken back when it is refunded: in the share of its payment
 * refunded (a refund is money, not goods, so the share is of the whole payment), all of them once it is refunded in
 * full, and never more than once, however often and in whatever order the refund events arrive. The points a fully
 * refunded order redeemed go back to the shopper, once (a partial refund keeps them spent: the points paid for the
 * goods kept). The balance never goes below zero: points already spent are taken as far as the balance goes and the
 * rest is recorded as the order's `shortfall`, for support to see, never taken from later earnings.
 */

export type OrderStatusChange = z.infer<typeof orderStatusChangedV1.schema>;

/**
 * The points a refund takes back, in all, of `earned` points when `refunded` of `captured` (minor units) has been
 * refunded: the shopper keeps what the unrefunded share earns, rounded down, so a full refund takes back everything
 * and the amount never shrinks as more is refunded. Pure.
 */
export function pointsToTakeBack(earned: number, refunded: number, captured: number): number {
  if (earned <= 0) return 0;
  if (captured <= 0 || refunded >= captured) return earned;
  const kept = (BigInt(earned) * BigInt(captured - Math.max(0, refunded))) / BigInt(captured);
  return earned - Number(kept);
}

/** How much of `due` points a balance of `balance` can give: what is taken, and what is left owing. Pure. */
export function takeFromBalance(balance: number, due: number): { taken: number; shortfall: number } {
  const taken = Math.max(0, Math.min(balance, due));
  return { taken, shortfall: due - taken };
}

/** The order's points are not credited yet: the refund must wait for its `order.completed` to be processed. */
export class EarnNotRecordedError extends Error {
  override readonly name = 'EarnNotRecordedError';
}

/** What one order's refunds took back, as its clawback record holds it. */
interface ClawbackRecord {
  /** Points due back in all, by the latest refund seen. */
  due: number;
  taken: number;
  shortfall: number;
}

const MAX_ATTEMPTS = 8;

/** What a refund event did to the shopper's points. */
export interface RefundOutcome {
  /** Points taken from the balance by this call. */
  taken: number;
  /** Points due by this call that the balance could not give. */
  shortfall: number;
  /** Redeemed points given back by this call (a full refund). */
  returned: number;
}

const NOTHING: RefundOutcome = { taken: 0, shortfall: 0, returned: 0 };

async function getItem(deps: LoyaltyDeps, key: { pk: string; sk: string }): Promise<Record<string, unknown> | undefined> {
  return (await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: key, ConsistentRead: true }))).Item;
}

/**
 * The points the order earned, from its earn mark; 0 when it never completed (a refund before completion earns
 * nothing), or earned nothing (another currency, or too little).
 * @throws EarnNotRecordedError when the order completed but its points are not credited yet
 */
async function earnedPoints(deps: LoyaltyDeps, change: OrderStatusChange): Promise<number> {
  const mark = await getItem(deps, keys.processedEvent(EARN_CONSUMER, change.orderId));
  if (mark) return (mark.points as number | undefined) ?? 0;
  if (change.currency !== LOYALTY_POLICY.earn.per.currency) return 0;
  const order = await getOrderRecord(deps, change.orderId);
  if (!order?.statusHistory.some((entry) => entry.event === 'complete')) return 0;
  // Nothing to wait for: a walk-in credits no one, and an order priced to earn nothing (completed before such orders
  // were marked) never will be marked.
  if (isWalkIn(order.shopperId) || order.loyalty.pointsEarned === 0) return 0;
  throw new EarnNotRecordedError(`order ${change.orderId} completed but its points are not credited yet; the refund waits for them`);
}

/** Gives back the points a fully refunded order redeemed, once: the reversal mark refuses a second time. */
async function returnRedeemed(deps: LoyaltyDeps, change: OrderStatusChange): Promise<number> {
  const redeemed = await getItem(deps, keys.processedEvent(REDEEM_MARK, change.orderId));
  const points = (redeemed?.points as number | undefined) ?? 0;
  if (points <= 0 || redeemed?.shopperId !== change.shopperId) return 0;
  try {
    await transactWrite(deps, reverseRedeemItems(change.shopperId, points, change.orderId, deps));
    return points;
  } catch (error) {
    // Given back already: by this consumer before, or by the checkout's compensation.
    if (error instanceof TransactionCancelled && error.failedConditions().includes(1)) return 0;
    throw error;
  }
}

/**
 * Takes the record from what it says to `due` points in all: the balance update under a condition that keeps it at or
 * above zero (exactly the balance read when it cannot give everything, so the shortfall is exact), the ledger entry,
 * and the record under `due = :read`, so of racing deliveries one takes and the others find it taken.
 */
function clawbackItems(deps: LoyaltyDeps, change: OrderStatusChange, read: ClawbackRecord | undefined, due: number, balance: number): { items: TransactItem[]; outcome: RefundOutcome } {
  const at = deps.now().toISOString();
  const { taken, shortfall } = takeFromBalance(balance, due - (read?.due ?? 0));
  const record: TransactItem = {
    Put: {
      TableName: deps.tableName,
      Item: {
        ...keys.loyaltyClawback(change.shopperId, change.orderId),
        entityType: 'LoyaltyClawback',
        schemaVersion: 1,
        shopperId: change.shopperId,
        orderId: change.orderId,
        due,
        taken: (read?.taken ?? 0) + taken,
        shortfall: (read?.shortfall ?? 0) + shortfall,
        updatedAt: at,
      },
      ConditionExpression: read === undefined ? 'attribute_not_exists(pk)' : '#due = :read',
      ...(read === undefined ? {} : { ExpressionAttributeNames: { '#due': 'due' }, ExpressionAttributeValues: { ':read': read.due } }),
    },
  };
  const account: TransactItem =
    taken > 0
      ? balanceUpdate(deps, change.shopperId, {
          points: -taken,
          earned: false,
          at,
          condition: shortfall === 0 ? { expression: 'balance >= :taken', values: { ':taken': taken } } : { expression: 'balance = :balance', values: { ':balance': balance } },
        })
      : {
          ConditionCheck: {
            TableName: deps.tableName,
            Key: keys.loyaltyAccount(change.shopperId),
            ConditionExpression: 'attribute_not_exists(balance) OR balance = :zero',
            ExpressionAttributeValues: { ':zero': 0 },
          },
        };
  const entry = taken > 0 ? [ledgerEntryPut(deps, change.shopperId, { kind: 'clawback', points: -taken, orderId: change.orderId, at })] : [];
  return { items: [record, account, ...entry], outcome: { taken, shortfall, returned: 0 } };
}

/**
 * A refund of an order (`order.status-changed` with event `refund`): a full refund gives back the points the order
 * redeemed, then the points it earned are taken back in the refunded share of its payment. Idempotent, and safe
 * against duplicated, concurrent and reordered deliveries: the order's clawback record only moves forward.
 * @throws EarnNotRecordedError while the order's own points are still on their way (the message is retried)
 */
export async function takeBackForRefund(change: OrderStatusChange, deps: LoyaltyDeps = loyaltyDeps()): Promise<RefundOutcome> {
  if (change.event !== 'refund') return NOTHING;
  const returned = change.to === 'refunded' ? await returnRedeemed(deps, change) : 0;
  const earned = await earnedPoints(deps, change);
  const due = pointsToTakeBack(earned, change.payment.refunded, change.payment.captured);
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
    const item = await getItem(deps, keys.loyaltyClawback(change.shopperId, change.orderId));
    const read = item ? { due: item.due as number, taken: item.taken as number, shortfall: item.shortfall as number } : undefined;
    if (due <= (read?.due ?? 0)) return { ...NOTHING, returned };
    const { balance } = await getLoyaltyAccount(change.shopperId, deps);
    const { items, outcome } = clawbackItems(deps, change, read, due, balance);
    try {
      await transactWrite(deps, items);
      return { ...outcome, returned };
    } catch (error) {
      if (!(error instanceof TransactionCancelled)) throw error;
      await backoff(attempt);
    }
  }
  throw new Error(`taking back the points of order ${change.orderId} kept racing other changes of the balance; the message is retried`);
}
