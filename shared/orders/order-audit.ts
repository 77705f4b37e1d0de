import { attributedTo, auditItem } from '../audit/audit-entry.js';
import type { TableDeps } from '../db/deps.js';
import type { TransactItem } from '../db/transact.js';
import type { Order } from './model.js';
import type { OrderActor } from './repository.js';

/**
 * Audit entries of the order changes that move money: a refund and a cancellation (which voids the hold or refunds the
 * capture through the saga's compensations). Each is a `Put` for the transaction that makes the change, under entity
 * `order` and the order's id, with the status and the payment's amounts before and after. Nothing of the shopper's
 * personal data: ids, statuses, amounts and the staff's reason only.
 */

/** What an order's audit entry keeps of it: status and the payment's amounts, in minor units of `currency`. */
function moneyOf(order: Order): Record<string, unknown> {
  const { authorized, captured, refunded } = order.payment;
  return { status: order.status, currency: order.totals.currency, authorized, captured, refunded };
}

/**
 * The audit entry of a refund, for the transaction that records it.
 * @param refund what the refund gave back (minor units), its tax, why, and the reference that names it once
 */
export function refundAuditItem(
  deps: TableDeps,
  before: Order,
  after: Order,
  refund: { refundRef: string; amount: number; tax: number; reason: string; returnId?: string | undefined },
  who: OrderActor,
): TransactItem {
  const { returnId, ...rest } = refund;
  return {
    Put: {
      TableName: deps.tableName,
      Item: auditItem({
        ...attributedTo(who),
        entity: 'order',
        entityId: after.id,
        action: 'refunded',
        at: after.updatedAt,
        before: moneyOf(before),
        after: { ...moneyOf(after), ...rest, ...(returnId === undefined ? {} : { returnId }) },
      }),
    },
  };
}

/** The audit entry of a cancellation, for the transaction that marks the order cancelled. */
export function cancellationAuditItem(deps: TableDeps, before: Order, after: Order, reason: string, who: OrderActor): TransactItem {
  return {
    Put: {
      TableName: deps.tableName,
      Item: auditItem({ ...attributedTo(who), entity: 'order', entityId: after.id, action: 'cancelled', at: after.updatedAt, before: moneyOf(before), after: { ...moneyOf(after), reason } }),
    },
  };
}

/**
 * The audit entry of a cancellation handed to a waiting checkout: the saga's compensations make the change (and its
 * status history names the saga), so this entry keeps who asked, and is put once Step Functions took the request.
 */
export function cancellationRequestAuditItem(deps: TableDeps, order: Order, reason: string, who: OrderActor): Record<string, unknown> {
  return auditItem({
    ...attributedTo(who),
    entity: 'order',
    entityId: order.id,
    action: 'cancel-requested',
    at: deps.now().toISOString(),
    before: moneyOf(order),
    after: { reason, via: 'checkout-saga' },
  });
}
