import { z } from 'zod';
import { keys } from '../db/keys.js';
import { TransactionCancelled } from '../db/transact.js';
import { ConflictError } from '../errors.js';
import { requireOrderFor, type OrderAccess } from './access.js';
import { ORDER_CANCELLED, type SagaWaitDeps } from './deps.js';
import type { Order } from './model.js';
import { OrderView } from './views.js';
import { pricePicks, type PickRequest } from './picking.js';
import { OrderChangedError, updateOrderStatus, type OrderActor } from './repository.js';
import { cancellationPlan, InvalidTransitionError } from './status.js';
import { readWait, settleWait } from './waits.js';

/**
 * The order's own actions that meet the checkout saga: a pick resumes it, a cancel fails its wait. They reach the saga
 * only through the `SagaWaits` port in `deps.ts` (`deps.workflow`), which the caller hands in; orders never imports
 * checkout (the handlers pass `checkoutDeps()`).
 */

/** The saga is not (or no longer) waiting on this order's pick: it is being picked already, or it timed out. */
export class PickNotAwaitedError extends ConflictError {
  override readonly name = 'PickNotAwaitedError';
  constructor(orderId: string) {
    super('pick-not-awaited', `Order ${orderId} is not waiting to be picked.`, { extensions: { orderId } });
  }
}

/** What a pick recorded: the order as picked, and whether the final amount needs a new authorization before capture. */
export const PickResult = z.strictObject({ order: OrderView, finalTotal: z.number().int().nonnegative(), reauthorizationRequired: z.boolean() });
export type PickResult = z.infer<typeof PickResult>;

/** `POST /orders/{id}/cancel`'s body. */
export const CancelOrderRequest = z.strictObject({ reason: z.string().trim().min(1).max(500) });

/**
 * `POST /orders/{id}/pick`: records what the picker handed over (quantities, weights, substitutes), prices it, and
 * resumes the checkout saga, which captures the final amount (re-authorizing first when it exceeds the hold). The
 * order's move to `picked` and the taking of the saga's token are one transaction, so two pickers cannot both resume it.
 *
 * @throws NotFoundError (404) for an order the picker does not reach (another store's)
 * @throws InvalidTransitionError (409) when the order is not being picked
 * @throws ValidationError (400) for picks that do not match the order's lines
 * @throws PickNotAwaitedError (409) when the saga no longer waits (it timed out and released the order)
 */
export async function recordPick(
  orderId: string,
  request: PickRequest,
  who: OrderActor & { access: OrderAccess },
  deps: SagaWaitDeps,
): Promise<{ order: Order; finalTotal: number; reauthorizationRequired: boolean }> {
  const order = await requireOrderFor(deps, orderId, who.access);
  if (order.status !== 'picking') throw new InvalidTransitionError(orderId, order.status, 'record-pick');
  const outcome = pricePicks(order, request.lines);
  const wait = await readWait(deps, 'pick', orderId);
  if (!wait) throw new PickNotAwaitedError(orderId);
  const take = {
    Delete: {
      TableName: deps.tableName,
      Key: keys.checkoutWait('pick', orderId),
      ConditionExpression: '#token = :token',
      ExpressionAttributeNames: { '#token': 'token' },
      ExpressionAttributeValues: { ':token': wait.token },
    },
  };
  let picked: Order;
  try {
    picked = await updateOrderStatus(deps, order, { type: 'record-pick', picks: outcome.lines }, who, [take]);
  } catch (error) {
    if (error instanceof TransactionCancelled) throw new PickNotAwaitedError(orderId);
    throw error;
  }
  if ((await deps.workflow.succeed(wait.token, { finalTotal: outcome.finalTotal })) === 'stale') throw new PickNotAwaitedError(orderId);
  return { order: picked, finalTotal: outcome.finalTotal, reauthorizationRequired: outcome.exceedsAuthorization };
}

/** Statuses a shopper may still cancel from themselves: before the store starts picking. */
const SHOPPER_CANCELLABLE: readonly Order['status'][] = ['pending', 'reserved', 'payment-pending', 'authorized', 'confirmed'];

/** Who cancels: the order's shopper, or staff of its store. */
export interface CancelActor extends OrderActor {
  access: OrderAccess;
}

/**
 * `POST /orders/{id}/cancel`. A checkout that waits (on 3-D Secure, or to be picked) is failed with `OrderCancelled`,
 * and its own compensations release the stock and slot and void the hold before marking it cancelled. Between steps
 * the order is marked cancelled at once; the saga's next step then refuses it and runs the same compensations. Once
 * captured, cancelling refunds in full (the compensations again). A completed order is refunded instead (409 here).
 *
 * @throws NotFoundError (404) for another shopper's order, or for staff another store's
 * @throws InvalidTransitionError (409) for a completed, failed or cancelled order, or a shopper's order already being picked
 */
export async function cancelOrder(orderId: string, reason: string, who: CancelActor, deps: SagaWaitDeps): Promise<Order> {
  for (let attempt = 1; ; attempt += 1) {
    const order = await requireOrderFor(deps, orderId, who.access);
    const staff = who.access.kind === 'staff';
    if (cancellationPlan(order.status) === undefined || (!staff && !SHOPPER_CANCELLABLE.includes(order.status))) {
      throw new InvalidTransitionError(orderId, order.status, 'cancel');
    }
    const waiting = order.status === 'picking' ? (['pick', orderId] as const) : order.status === 'payment-pending' && order.payment.intentId ? (['authentication', order.payment.intentId] as const) : undefined;
    const cancel = (token: string) => deps.workflow.fail(token, ORDER_CANCELLED, JSON.stringify({ errorMessage: reason }));
    if (waiting && (await settleWait(deps, waiting[0], waiting[1], cancel)) === 'sent') return order;
    try {
      return await updateOrderStatus(deps, order, { type: 'cancel', reason }, who);
    } catch (error) {
      if (attempt >= 5 || !(error instanceof OrderChangedError)) throw error;
    }
  }
}
