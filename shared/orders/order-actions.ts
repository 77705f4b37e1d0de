import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { keys } from '../db/keys.js';
import { TransactionCancelled } from '../db/transact.js';
import { ConflictError } from '../errors.js';
import { requireOrderFor, type OrderAccess } from './access.js';
import { ORDER_CANCELLED, type SagaWaitDeps } from './deps.js';
import type { Order } from './model.js';
import { cancellationAuditItem, cancellationRequestAuditItem } from './order-audit.js';
import { OrderView } from './views.js';
import { pricePicks, type PickRequest } from './picking.js';
import { OrderChangedError, updateOrderStatus, type OrderActor } from './repository.js';
import { cancellationPlan, InvalidTransitionError } from './status.js';
import { substituteStockItems, SubstituteOutOfStockError, substituteTerms, substitutionEventItems } from './substitution-actions.js';
import { lastRespondBy, pendingProposals } from './substitutions.js';
import { readWait, settleWait, type WaitKind } from './waits.js';

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

/**
 * What a pick recorded: the order as picked, what it comes to now (substitutes at their protected price while proposed),
 * whether that needs a new authorization before capture, and how many substitutes wait for the shopper's answer.
 */
export const PickResult = z.strictObject({
  order: OrderView,
  finalTotal: z.number().int().nonnegative(),
  reauthorizationRequired: z.boolean(),
  substitutionsPending: z.number().int().nonnegative(),
});
export type PickResult = z.infer<typeof PickResult>;

/** `POST /orders/{id}/cancel`'s body. */
export const CancelOrderRequest = z.strictObject({ reason: z.string().trim().min(1).max(500) });

/**
 * What the saga's AwaitPick resumes with: the amount as picked so far and, when substitutes wait for the shopper's
 * answer, how long AwaitSubstitutions waits for them before the cut-off decides (never less than a second).
 */
function pickOutput(picked: Order, finalTotal: number, now: Date): { finalTotal: number; awaitSubstitutions: boolean; respondWithinSeconds: number } {
  const by = lastRespondBy(picked);
  const seconds = by === undefined ? 0 : Math.max(1, Math.ceil((Date.parse(by) - now.getTime()) / 1000));
  return { finalTotal, awaitSubstitutions: by !== undefined, respondWithinSeconds: seconds };
}

/**
 * `POST /orders/{id}/pick`: records what the picker handed over (quantities, weights, substitutes), prices it, and
 * resumes the checkout saga, which captures the final amount (re-authorizing first when it exceeds the hold). A
 * substitute must be one the line's preference allows (`substituteTerms`); it is proposed to the shopper, who answers
 * until its cut-off, and the saga waits for the answers (or the cut-off) before it captures. In one transaction: the
 * order's move to `picked`, the taking of the saga's token (so two pickers cannot both resume it), each substitute's
 * stock taken off the shelf into the order's reservation (so it is the substitute's stock that is committed), and the
 * proposals' events.
 *
 * @throws NotFoundError (404) for an order the picker does not reach (another store's)
 * @throws InvalidTransitionError (409) when the order is not being picked
 * @throws ValidationError (400) for picks that do not match the order's lines, or substitutes not in the catalog as given
 * @throws SubstituteNotAllowedError (422) for a substitute the line's preference forbids
 * @throws SubstituteOutOfStockError (409) for a substitute the store's stock does not have
 * @throws PickNotAwaitedError (409) when the saga no longer waits (it timed out and released the order)
 */
export async function recordPick(
  orderId: string,
  request: PickRequest,
  who: OrderActor & { access: OrderAccess },
  deps: SagaWaitDeps,
): Promise<{ order: Order; finalTotal: number; reauthorizationRequired: boolean; substitutionsPending: number }> {
  const order = await requireOrderFor(deps, orderId, who.access);
  if (order.status !== 'picking') throw new InvalidTransitionError(orderId, order.status, 'record-pick');
  // The picks' shape first (every line once, quantities in the line's unit: 400s), then the substitutes against the catalog.
  pricePicks(order, request.lines.map(({ substitute: _substitute, ...pick }) => pick));
  const outcome = pricePicks(order, request.lines, await substituteTerms(order, request.lines, deps));
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
  const stock = await substituteStockItems(order, outcome.lines, deps);
  let picked: Order;
  try {
    // The token and the stock come last, in this order, so that a failed condition is found by counting from the end.
    picked = await updateOrderStatus(deps, order, { type: 'record-pick', picks: outcome.lines }, who, (next) => [
      ...substitutionEventItems(deps, order, next, who),
      take,
      ...stock.items,
    ]);
  } catch (error) {
    if (!(error instanceof TransactionCancelled)) throw error;
    const failed = new Set(error.failedConditions().map((i) => error.codes.length - i));
    const short = stock.skus.filter((_, j) => failed.has(stock.skus.length - j));
    if (short.length > 0) throw new SubstituteOutOfStockError(order.storeId, short);
    if (stock.items.length > 0 && failed.has(stock.skus.length + 1)) throw new OrderChangedError(orderId, order.version, order.status);
    throw new PickNotAwaitedError(orderId);
  }
  const output = pickOutput(picked, outcome.finalTotal, deps.now());
  if ((await deps.workflow.succeed(wait.token, output)) === 'stale') throw new PickNotAwaitedError(orderId);
  return { order: picked, finalTotal: outcome.finalTotal, reauthorizationRequired: outcome.exceedsAuthorization, substitutionsPending: pendingProposals(picked).length };
}

/** Statuses a shopper may still cancel from themselves: before the store starts picking. */
const SHOPPER_CANCELLABLE: readonly Order['status'][] = ['pending', 'reserved', 'payment-pending', 'authorized', 'confirmed'];

/**
 * Whether the order asks its shopper to authenticate the re-authorization of a pick heavier than the hold (the saga
 * waits in AwaitReauthentication). The shopper may cancel then too: they are being asked to pay more than they agreed.
 */
function asksReauthentication(order: Order): boolean {
  return order.status === 'picked' && order.payment.status === 'requires-action' && order.payment.action?.intentId !== undefined;
}

/**
 * The saga's wait a cancel must fail for the saga to end now rather than at the wait's timeout: the pick, the shopper's
 * answers to substitutes, 3-D Secure on the first hold, or the shopper's authentication of a re-authorization (kept by
 * the new intent, like 3-D Secure).
 */
function waitOf(order: Order): readonly [WaitKind, string] | undefined {
  if (order.status === 'picking') return ['pick', order.id];
  if (order.status === 'picked' && pendingProposals(order).length > 0) return ['substitutions', order.id];
  if (order.status === 'payment-pending' && order.payment.intentId) return ['authentication', order.payment.intentId];
  if (asksReauthentication(order)) return ['authentication', order.payment.action!.intentId!];
  return undefined;
}

/** Who cancels: the order's shopper, or staff of its store. */
export interface CancelActor extends OrderActor {
  access: OrderAccess;
}

/**
 * `POST /orders/{id}/cancel`. A checkout that waits (on 3-D Secure, to be picked, on substitutes' answers, or on its
 * shopper authenticating a heavier pick's re-authorization) is failed with `OrderCancelled` at once, and its own
 * compensations release the stock and slot and void the hold (and the re-authorization) before marking it cancelled. Between steps
 * the order is marked cancelled at once; the saga's next step then refuses it and runs the same compensations. Once
 * captured, cancelling refunds in full (the compensations again). A completed order is refunded instead (409 here).
 * Audited: in the order's transaction between steps; once Step Functions took it, for a waiting checkout.
 *
 * @throws NotFoundError (404) for another shopper's order, or for staff another store's
 * @throws InvalidTransitionError (409) for a completed, failed or cancelled order, or a shopper's order already being
 *   picked (unless it asks them to authenticate a re-authorization)
 */
export async function cancelOrder(orderId: string, reason: string, who: CancelActor, deps: SagaWaitDeps): Promise<Order> {
  for (let attempt = 1; ; attempt += 1) {
    const order = await requireOrderFor(deps, orderId, who.access);
    const staff = who.access.kind === 'staff';
    if (cancellationPlan(order.status) === undefined || (!staff && !SHOPPER_CANCELLABLE.includes(order.status) && !asksReauthentication(order))) {
      throw new InvalidTransitionError(orderId, order.status, 'cancel');
    }
    const waiting = waitOf(order);
    const cancel = (token: string) => deps.workflow.fail(token, ORDER_CANCELLED, JSON.stringify({ errorMessage: reason }));
    if (waiting && (await settleWait(deps, waiting[0], waiting[1], cancel)) === 'sent') {
      await deps.db.send(new PutCommand({ TableName: deps.tableName, Item: cancellationRequestAuditItem(deps, order, reason, who) }));
      return order;
    }
    try {
      return await updateOrderStatus(deps, order, { type: 'cancel', reason }, who, (next) => [cancellationAuditItem(deps, order, next, reason, who)]);
    } catch (error) {
      if (attempt >= 5 || !(error instanceof OrderChangedError)) throw error;
    }
  }
}
