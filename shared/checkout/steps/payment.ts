import { ORDER_CANCELLED } from '../../orders/deps.js';
import type { Order } from '../../orders/model.js';
import { amountDue } from '../../orders/picking.js';
import { requireOrder, updateOrderStatus } from '../../orders/repository.js';
import { isTerminal } from '../../orders/status.js';
import { settleSubstitutionsAtCutoff } from '../../orders/substitution-actions.js';
import { pendingProposals } from '../../orders/substitutions.js';
import { settleWait, storeWait } from '../../orders/waits.js';
import { idempotencyKey, type Authorization } from '../../payments/gateway.js';
import { checkoutDeps, SAGA_ACTOR, type CheckoutDeps } from '../deps.js';
import { settleAuthentication } from '../authentication.js';
import { PaymentDeclinedError, ReauthenticationRequiredError, ReauthorizationDeclinedError } from '../errors.js';
import { captureFacts, onCurrentOrder, refuse, type CaptureFacts } from './common.js';

/**
 * The saga's payment steps: CreatePayment, AuthorizePayment, AwaitAuthentication (3-D Secure), ConfirmOrder and
 * CapturePayment, with what the order comes to (see `common.ts` for how the steps are laid out).
 */

/** CreatePayment: the PaymentIntent for what the card must hold, not yet confirmed, so no money is held by this step. */
export async function createPayment(orderId: string, deps: CheckoutDeps = checkoutDeps()): Promise<{ intentId: string }> {
  const order = await requireOrder(deps, orderId);
  if (order.payment.intentId !== undefined) return { intentId: order.payment.intentId };
  if (order.status !== 'reserved') refuse(order, 'authorize');
  if (order.payment.method === undefined) throw new RangeError(`order ${orderId} has no payment method to charge`);
  const gateway = await deps.gateway();
  const customerId = order.payment.customerId;
  // On the shopper's Customer, a new method is saved for off-session use once authorized: a re-authorization after
  // picking, with nobody there, can then charge it again (on Stripe a method used without a Customer is single-use).
  const intent = await gateway.createIntent(
    {
      orderId,
      amount: { amount: order.totals.authorizationTotal, currency: order.totals.currency },
      paymentMethod: order.payment.method,
      ...(customerId === undefined ? {} : { customerId, saveForOffSession: true }),
    },
    idempotencyKey(orderId, 'authorize'),
  );
  return { intentId: intent.intentId };
}

/** AuthorizePayment's result, which ConfirmOrder receives (`$.authorization`). */
export interface AuthorizationResult {
  status: 'authorized' | 'requires_action';
  /** The order was confirmed with its authorization (no 3-D Secure): ConfirmOrder has nothing left to write or read. */
  confirmed?: true;
  /** With `confirmed`, ConfirmOrder's answer: capture now, or after picking. */
  captureNow?: boolean;
}

/** What an earlier run of AuthorizePayment left on the order, if it ran: the result to give again. */
function authorizedAlready(order: Order, intentId: string, deps: CheckoutDeps): AuthorizationResult | undefined {
  if (order.status === 'payment-pending') return { status: 'requires_action' };
  if (isConfirmed(order) && !isTerminal(order.status)) return { status: 'authorized', confirmed: true, captureNow: captureNowFor(order, deps) };
  if (order.status === 'authorized' || (order.payment.intentId === intentId && order.payment.authorized > 0)) return { status: 'authorized' };
  return undefined;
}

/**
 * AuthorizePayment: confirms the intent, placing the hold. The order becomes `payment-pending` with the action the
 * customer must take (3-D Secure), or, authorized at once, `authorized` and `confirmed` in one write (both changes and
 * their events): the result says so, and ConfirmOrder then reads and writes nothing. A write that finds the order
 * changed decides again on the order it found (an earlier run's change is returned, a cancel refused).
 * @throws PaymentDeclinedError when the card is refused
 */
export async function authorizePayment(orderId: string, intentId: string, deps: CheckoutDeps = checkoutDeps()): Promise<AuthorizationResult> {
  return onCurrentOrder(await requireOrder(deps, orderId), async (order) => {
    const earlier = authorizedAlready(order, intentId, deps);
    if (earlier) return earlier;
    if (order.status !== 'reserved') refuse(order, 'authorize');
    const gateway = await deps.gateway();
    const outcome = await gateway.confirm(intentId, idempotencyKey(orderId, 'confirm'));
    if (outcome.status === 'declined') throw new PaymentDeclinedError(orderId, outcome.declineCode, outcome.message);
    if (outcome.status === 'requires_action') {
      const action = { type: outcome.nextAction, clientSecret: outcome.clientSecret, ...(outcome.redirectUrl === undefined ? {} : { redirectUrl: outcome.redirectUrl }) };
      await updateOrderStatus(deps, order, { type: 'require-action', intentId, action }, SAGA_ACTOR);
      return { status: 'requires_action' };
    }
    await updateOrderStatus(deps, order, [{ type: 'authorize', intentId, amount: outcome.payment.capturable }, { type: 'confirm' }], SAGA_ACTOR);
    return { status: 'authorized', confirmed: true, captureNow: captureNowFor(order, deps) };
  });
}

/**
 * AwaitAuthentication: keeps the task token where the payment webhook will find it, then looks at the intent once
 * itself, because the customer may have finished before the token was stored.
 */
export async function awaitAuthentication(input: { orderId: string; intentId: string; taskToken: string }, deps: CheckoutDeps = checkoutDeps()): Promise<void> {
  await storeWait(deps, 'authentication', input.intentId, { token: input.taskToken, orderId: input.orderId });
  // A cancel that came before the token was stored found nothing to fail; it left the order cancelled for us to see.
  if (isTerminal((await requireOrder(deps, input.orderId)).status)) {
    await settleWait(deps, 'authentication', input.intentId, (token) => deps.workflow.fail(token, ORDER_CANCELLED, JSON.stringify({ errorMessage: 'the order was cancelled' })));
    return;
  }
  const intent = await (await deps.gateway()).retrieve(input.intentId);
  if (intent.status === 'requires_capture') await settleAuthentication(input.intentId, { outcome: 'authorized' }, deps);
  else if (intent.status === 'canceled' || intent.status === 'requires_payment_method') {
    await settleAuthentication(input.intentId, { outcome: 'declined', declineCode: 'authentication_failed', message: 'The customer did not complete authentication.' }, deps);
  }
}

/**
 * AwaitReauthentication: the bank wants the shopper to authenticate the re-authorization of a heavier pick. Keeps the
 * task token where the payment webhook finds it (by the new intent, as for 3-D Secure on the first hold), then looks at
 * the intent once itself, since the shopper may have finished first. The intent starts `requires_payment_method`
 * (declined off session): only an authorization or a cancellation settles the wait; a failed authentication arrives
 * as the webhook's `payment_intent.payment_failed`.
 */
export async function awaitReauthentication(input: { orderId: string; taskToken: string }, deps: CheckoutDeps = checkoutDeps()): Promise<void> {
  const order = await requireOrder(deps, input.orderId);
  const intentId = order.payment.action?.intentId;
  if (intentId === undefined) throw new RangeError(`order ${input.orderId} asks for no re-authentication`);
  await storeWait(deps, 'authentication', intentId, { token: input.taskToken, orderId: input.orderId });
  // Read again now the token is kept: a cancel that came before found nothing to fail and left the order cancelled.
  if (isTerminal((await requireOrder(deps, input.orderId)).status)) {
    await settleWait(deps, 'authentication', intentId, (token) => deps.workflow.fail(token, ORDER_CANCELLED, JSON.stringify({ errorMessage: 'the order was cancelled' })));
    return;
  }
  const intent = await (await deps.gateway()).retrieve(intentId);
  if (intent.status === 'requires_capture') await settleAuthentication(intentId, { outcome: 'authorized' }, deps);
  else if (intent.status === 'canceled') await settleAuthentication(intentId, { outcome: 'declined', declineCode: 'canceled', message: 'The payment was cancelled.' }, deps);
}

/**
 * Whether what an order costs is only known once it is picked: goods sold by weight, or a line whose shopper allows a
 * substitute, which is proposed at picking and may cost less (or, accepted, more) than what was ordered.
 */
function pricedAtPicking(order: Order): boolean {
  return order.lines.some((line) => line.estimate !== undefined || line.substitution !== 'none');
}

/** Whether to capture on confirm: nothing is priced at picking and the shop captures on confirm. */
function captureNowFor(order: Order, deps: CheckoutDeps): boolean {
  return deps.settings.captureOnConfirm && !pricedAtPicking(order);
}

/** Whether the order was ever confirmed (its status may have moved on since). */
function isConfirmed(order: Order): boolean {
  return order.statusHistory.some((change) => change.event === 'confirm');
}

/**
 * ConfirmOrder: an order authorized after 3-D Secure records its hold first; then it is confirmed. Says whether to
 * capture now (nothing is priced at picking and the shop captures on confirm) or after picking. When AuthorizePayment
 * confirmed the order itself (`authorization.confirmed`, no 3-D Secure), its answer is passed on and nothing is read:
 * CapturePayment reads the order before it moves any money, and refuses one cancelled meanwhile.
 */
export async function confirmOrder(
  orderId: string,
  deps: CheckoutDeps = checkoutDeps(),
  authorization: { confirmed?: true | undefined; captureNow?: boolean | undefined } = {},
): Promise<{ captureNow: boolean }> {
  if (authorization.confirmed === true && authorization.captureNow !== undefined) return { captureNow: authorization.captureNow };
  return onCurrentOrder(await requireOrder(deps, orderId), async (order) => {
    const captureNow = captureNowFor(order, deps);
    if (isConfirmed(order)) {
      if (isTerminal(order.status)) refuse(order, 'confirm');
      return { captureNow };
    }
    if (order.status === 'payment-pending') {
      const intentId = order.payment.intentId!;
      const intent = await (await deps.gateway()).retrieve(intentId);
      if (intent.status !== 'requires_capture') throw new PaymentDeclinedError(orderId, 'not_authorized', `the payment is ${intent.status}, not authorized`);
      // The hold and the confirmation in one write, as AuthorizePayment does without 3-D Secure.
      await updateOrderStatus(deps, order, [{ type: 'authorize', intentId, amount: intent.capturable }, { type: 'confirm' }], SAGA_ACTOR);
      return { captureNow };
    }
    await updateOrderStatus(deps, order, { type: 'confirm' }, SAGA_ACTOR);
    return { captureNow };
  });
}

/**
 * When the picked goods cost more than the hold: a new off-session authorization for the final amount replaces it
 * (the old hold is voided), or the step fails with ReauthorizationDeclined. Never a silent capture above the hold.
 * On the shopper's Customer it charges the method the first authorization saved there; when the bank wants the shopper
 * to authenticate it (`authentication_required`), the order asks them (`payment.action`, `confirm_payment`) and the
 * step fails with ReauthenticationRequired, which the saga waits on (AwaitReauthentication) before running it again:
 * the same keys then find the same intent, authorized by the shopper or still waiting.
 */
async function reauthorize(order: Order, amount: number, deps: CheckoutDeps): Promise<Order> {
  const gateway = await deps.gateway();
  const oldIntent = order.payment.intentId!;
  const customerId = order.payment.customerId;
  // The method the first authorization charged and saved on the Customer (a test card named at checkout is a new
  // method at the provider, so the order's own `method` may not be it).
  const paymentMethod = customerId === undefined ? order.payment.method! : ((await gateway.retrieve(oldIntent)).paymentMethod ?? order.payment.method!);
  const intent = await gateway.createIntent(
    { orderId: order.id, amount: { amount, currency: order.totals.currency }, paymentMethod, offSession: true, ...(customerId === undefined ? {} : { customerId }) },
    idempotencyKey(order.id, 'reauthorize'),
  );
  // Already authorized by the shopper after they were asked: the confirm's key would only replay the first refusal.
  const current = order.payment.action?.intentId === intent.intentId ? await gateway.retrieve(intent.intentId) : undefined;
  const outcome: Authorization =
    current?.status === 'requires_capture'
      ? { status: 'authorized', payment: current }
      : await gateway.confirm(intent.intentId, idempotencyKey(order.id, 'reauthorize-confirm'), { offSession: true });
  if (outcome.status === 'declined' && outcome.declineCode === 'authentication_required' && customerId !== undefined && intent.clientSecret !== undefined) {
    if (order.payment.action?.intentId !== intent.intentId) {
      const action = { type: 'confirm_payment', clientSecret: intent.clientSecret };
      await updateOrderStatus(deps, order, { type: 'require-reauthentication', intentId: intent.intentId, action }, SAGA_ACTOR);
    }
    throw new ReauthenticationRequiredError(order.id, intent.intentId);
  }
  if (outcome.status !== 'authorized') {
    await gateway.cancel(intent.intentId, idempotencyKey(order.id, 'cancel', intent.intentId));
    throw new ReauthorizationDeclinedError(order.id, amount, order.payment.authorized, outcome.status === 'declined' ? outcome.declineCode : 'authentication_required');
  }
  const next = await updateOrderStatus(deps, order, { type: 'reauthorize', intentId: intent.intentId, amount: outcome.payment.capturable }, SAGA_ACTOR);
  await gateway.cancel(oldIntent, idempotencyKey(order.id, 'cancel', oldIntent));
  return next;
}

/**
 * CapturePayment: captures what the order comes to (as ordered, or as picked), never more than the hold. Substitutes
 * still unanswered are decided first by the shopper's preferences: the saga reaches this step with some only when
 * AwaitSubstitutions timed out, i.e. at the cut-off.
 * @throws ReauthorizationDeclinedError when the pick exceeds the hold and the card refuses a new authorization
 */
export async function capturePayment(orderId: string, deps: CheckoutDeps = checkoutDeps()): Promise<{ intentId: string; amount: number } & CaptureFacts> {
  let order = await requireOrder(deps, orderId);
  if (order.payment.captured > 0) {
    if (order.status !== 'captured' && order.status !== 'completed') refuse(order, 'capture');
    return { intentId: order.payment.intentId!, amount: order.payment.captured, ...captureFacts(order) };
  }
  if (order.status !== 'confirmed' && order.status !== 'picked') refuse(order, 'capture');
  if (pendingProposals(order).length > 0) {
    await settleSubstitutionsAtCutoff(orderId, SAGA_ACTOR, deps);
    order = await requireOrder(deps, orderId);
  }
  const amount = amountDue(order);
  if (amount > order.payment.authorized) order = await reauthorize(order, amount, deps);
  const intentId = order.payment.intentId!;
  const currency = order.totals.currency;
  if (amount > 0) {
    await (await deps.gateway()).capture({ intentId, amount: { amount, currency }, authorized: { amount: order.payment.authorized, currency } }, idempotencyKey(orderId, 'capture'));
    await updateOrderStatus(deps, order, { type: 'capture', amount }, SAGA_ACTOR);
  } else {
    // Nothing could be handed over: there is nothing to capture, so the hold is voided and the order fails as unpicked.
    throw new PaymentDeclinedError(orderId, 'nothing_picked', 'none of the order could be picked');
  }
  // CommitStock takes the reservation and the picks from here rather than reading the order again.
  return { intentId, amount, ...captureFacts(order) };
}
