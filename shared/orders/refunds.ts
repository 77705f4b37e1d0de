import { createHash } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { keys } from '../db/keys.js';
import { TransactionCancelled, type TransactItem } from '../db/transact.js';
import { ConflictError } from '../errors.js';
import { idempotencyKey as gatewayKey, PermanentPaymentError, type Refund } from '../payments/gateway.js';
import { refundRecordItem } from './books.js';
import { orderDeps, type OrderDeps } from './deps.js';
import type { Order } from './model.js';
import { requireOrderFor, type OrderAccess } from './access.js';
import { OrderChangedError, requireOrder, updateOrderStatus, type OrderActor } from './repository.js';
import { transition } from './status.js';

/** `POST /orders/{id}/refunds`: how much to give back (all that is left when left out) and why. */
export const RefundRequest = z.strictObject({
  /** Minor units of the order's currency. */
  amount: z.number().int('must be a whole number of minor units').positive().max(Number.MAX_SAFE_INTEGER).optional(),
  reason: z.string().trim().min(1).max(500),
});
export type RefundRequest = z.infer<typeof RefundRequest>;

/** How often a refund the provider made is recorded again on a newer version of the order before giving up. */
const RECORD_ATTEMPTS = 5;

/**
 * The hash that names one refund request: the caller and its `Idempotency-Key`, in the characters a gateway key part
 * allows (base64url), so the provider's idempotency makes a retried request the same refund. The key itself is not kept.
 */
export function refundKeyOf(caller: string, key: string): string {
  return createHash('sha256').update(`${caller}\n${key}`).digest('base64url').slice(0, 32);
}

async function recorded(deps: OrderDeps, orderId: string, refundKey: string): Promise<boolean> {
  const { Item } = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: keys.orderRefund(orderId, refundKey), ConsistentRead: true }));
  return Item !== undefined;
}

/**
 * `POST /orders/{id}/refunds`: gives back part or all of what is left of an order's capture. The state machine is asked
 * first (a dry run of the `refund` transition), so a refused refund moves no money; then the provider refunds under a
 * key derived from the order and the caller's `Idempotency-Key`, and the order moves to `partially-refunded` or
 * `refunded` with the reason in its history and an `order.status-changed` event. Money that has moved is always
 * recorded: a concurrent change of the order only makes it record again on the newer version.
 *
 * @param idempotencyKey the request's `Idempotency-Key`; the same key refunds once
 * @throws NotFoundError (404) for an unknown order, or one the caller does not reach (another store's)
 * @throws InvalidTransitionError (409) unless the order is `captured`, `completed` or `partially-refunded`
 * @throws RefundExceedsCaptureError (409 `refund-exceeds-capture`) for more than is left of the capture
 * @throws ConflictError (409 `refund-refused`) when the provider refuses the refund
 */
export async function refundOrder(
  orderId: string,
  request: RefundRequest,
  idempotencyKey: string,
  actor: OrderActor & { access: OrderAccess },
  deps: OrderDeps = orderDeps(),
): Promise<Order> {
  const refundKey = refundKeyOf(actor.actor, idempotencyKey);
  let order = await requireOrderFor(deps, orderId, actor.access);
  if (await recorded(deps, orderId, refundKey)) return order;
  const amount = request.amount ?? order.payment.captured - order.payment.refunded;
  const event = { type: 'refund' as const, amount, reason: request.reason };
  transition(order, event, deps.now(), actor.actor);
  const intentId = order.payment.intentId;
  if (intentId === undefined) throw new Error(`order ${orderId} is ${order.status} but has no payment intent to refund`);

  const gateway = await deps.gateway();
  let refund: Refund;
  try {
    refund = await gateway.refund({ intentId, amount: { amount, currency: order.totals.currency } }, gatewayKey(orderId, 'refund', refundKey));
  } catch (error) {
    if (!(error instanceof PermanentPaymentError)) throw error;
    throw new ConflictError('refund-refused', `The payment provider refused to refund ${amount} of order ${orderId}: ${error.message}`, {
      cause: error,
      extensions: { orderId, amount, providerCode: error.code },
    });
  }
  if (refund.status === 'failed' || refund.status === 'canceled') {
    throw new ConflictError('refund-refused', `The payment provider did not refund ${amount} of order ${orderId} (${refund.status}).`, {
      extensions: { orderId, amount, refundId: refund.refundId },
    });
  }

  const claim = (): TransactItem => ({
    Put: {
      TableName: deps.tableName,
      Item: {
        ...keys.orderRefund(orderId, refundKey),
        entityType: 'RefundRecord',
        schemaVersion: 1,
        orderId,
        refundId: refund.refundId,
        amount,
        reason: request.reason,
        actor: actor.actor,
        at: deps.now().toISOString(),
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  });
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await updateOrderStatus(deps, order, event, actor, (next) => [claim(), refundRecordItem(deps.tableName, next, refundKey, amount, next.updatedAt)]);
    } catch (error) {
      // Only the claim can fail on its own: this request was recorded by an earlier attempt.
      if (error instanceof TransactionCancelled && (await recorded(deps, orderId, refundKey))) return requireOrder(deps, orderId);
      if (!(error instanceof OrderChangedError) || attempt >= RECORD_ATTEMPTS) throw error;
      order = await requireOrder(deps, orderId);
      if (await recorded(deps, orderId, refundKey)) return order;
    }
  }
}
