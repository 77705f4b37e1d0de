import { commitReservation } from '../../inventory/reservations.js';
import { saleRecordItem } from '../../orders/books.js';
import { requireOrder, updateOrderStatus } from '../../orders/repository.js';
import { ORDER_CANCELLED } from '../../orders/deps.js';
import { isTerminal } from '../../orders/status.js';
import { pendingProposals } from '../../orders/substitutions.js';
import { settleWait, storeWait, waitItem } from '../../orders/waits.js';
import { checkoutDeps, SAGA_ACTOR, type CheckoutDeps } from '../deps.js';
import { captureFacts, completeEventItem, onCurrentOrder, refuse, type CaptureFacts } from './common.js';

/**
 * The saga's fulfilment steps: AwaitPick, AwaitSubstitutions, CommitStock and CompleteOrder (see `common.ts` for how the
 * steps are laid out).
 */

/** AwaitPick: the order joins its store's pick list (`picking`) and the token waits for `POST /orders/{id}/pick`. */
export async function awaitPick(input: { orderId: string; taskToken: string }, deps: CheckoutDeps = checkoutDeps()): Promise<void> {
  const order = await requireOrder(deps, input.orderId);
  const wait = waitItem(deps, 'pick', order.id, { token: input.taskToken, orderId: order.id });
  if (order.status === 'picking') {
    await storeWait(deps, 'pick', order.id, { token: input.taskToken, orderId: order.id });
    return;
  }
  if (order.status !== 'confirmed') refuse(order, 'start-picking');
  await updateOrderStatus(deps, order, { type: 'start-picking' }, SAGA_ACTOR, [wait]);
}

/**
 * CommitStock: what was handed over moves from reserved to committed, a substitute's stock rather than the original's;
 * what was not (an original replaced by a substitute, a rejected substitute, a short pick) goes back on the shelf.
 * CapturePayment, the step before, read the order and passes on its reservation and picks (`captured`), so the order is
 * not read again; without them (a capture result from before they were passed) it is. The reservation's own condition
 * (`held`) makes a second run change nothing.
 */
export async function commitStock(orderId: string, deps: CheckoutDeps = checkoutDeps(), captured?: CaptureFacts): Promise<{ committedLines: number }> {
  const facts = captured ?? captureFacts(await requireOrder(deps, orderId));
  const reservation = await commitReservation(facts.reservationId, facts.picked, deps);
  return { committedLines: reservation.committedLines?.length ?? 0 };
}

/**
 * AwaitSubstitutions: the picker proposed substitutes, and the capture waits for the shopper's answers. The token is kept
 * where the last answer will find it (`POST /orders/{id}/substitutions/{lineId}`); then the order is looked at once, since
 * the answers may all have come before the token was stored, or a cancel that found nothing to fail. The state's timeout
 * is the cut-off: CapturePayment then decides what is left.
 */
export async function awaitSubstitutions(input: { orderId: string; taskToken: string }, deps: CheckoutDeps = checkoutDeps()): Promise<void> {
  await storeWait(deps, 'substitutions', input.orderId, { token: input.taskToken, orderId: input.orderId });
  const order = await requireOrder(deps, input.orderId);
  if (isTerminal(order.status)) {
    await settleWait(deps, 'substitutions', order.id, (token) => deps.workflow.fail(token, ORDER_CANCELLED, JSON.stringify({ errorMessage: 'the order was cancelled' })));
  } else if (pendingProposals(order).length === 0) {
    await settleWait(deps, 'substitutions', order.id, (token) => deps.workflow.succeed(token, { settled: true }));
  }
}

/** CompleteOrder: `captured` → `completed`; `order.completed` (for invoicing), `checkout.complete` and the day's sale record go with it. */
export async function completeOrder(orderId: string, deps: CheckoutDeps = checkoutDeps()): Promise<{ status: string }> {
  return onCurrentOrder(await requireOrder(deps, orderId), async (order) => {
    if (order.status === 'completed') return { status: order.status };
    if (order.status !== 'captured') refuse(order, 'complete');
    await updateOrderStatus(deps, order, { type: 'complete' }, SAGA_ACTOR, (next) => [completeEventItem(deps, next, 'completed'), saleRecordItem(deps.tableName, next, next.updatedAt)]);
    return { status: 'completed' };
  });
}
