import { ConflictError, ValidationError } from '../errors.js';
import type { Order, OrderPayment, OrderStatus, PickedLine, StatusChange, SubstitutionDecider } from './model.js';
import { decideSubstitutions, type SubstitutionDecision } from './substitutions.js';

/** What the customer must do to authenticate a payment (3-D Secure). */
export type PaymentAction = NonNullable<OrderPayment['action']>;

/**
 * The order's one state machine. Every status change goes through `transition`, which consults
 * `TRANSITIONS` and nothing else, and keeps the money invariant `refunded ≤ captured ≤ authorized`.
 * It is pure: the repository writes its result under a condition on the version and status it was
 * computed from. docs/orders.md draws the diagram from this table.
 */

/** What moves an order, with what each needs to say. */
export type OrderEvent =
  | { type: 'reserve'; reservationId: string }
  | { type: 'require-action'; intentId: string; action: PaymentAction }
  | { type: 'authorize'; intentId: string; amount: number }
  | { type: 'confirm' }
  | { type: 'start-picking' }
  | { type: 'record-pick'; picks: readonly (PickedLine & { lineId: string })[] }
  | { type: 'decide-substitutions'; decisions: readonly SubstitutionDecision[]; by: SubstitutionDecider }
  | { type: 'reauthorize'; intentId: string; amount: number }
  | { type: 'require-reauthentication'; intentId: string; action: PaymentAction }
  | { type: 'capture'; amount: number }
  | { type: 'complete' }
  | { type: 'refund'; amount: number; tax?: number; reason?: string }
  | { type: 'fail'; reason: string; code: string }
  | { type: 'cancel'; reason?: string };
export type OrderEventType = OrderEvent['type'];

export interface Transition {
  from: OrderStatus;
  on: OrderEventType;
  to: OrderStatus;
}

/** Before capture the money is only held: a failure or a cancel releases the stock and voids the hold. */
const BEFORE_CAPTURE: readonly OrderStatus[] = ['pending', 'reserved', 'payment-pending', 'authorized', 'confirmed', 'picking', 'picked'];

/** Every allowed status change and the event that causes it; anything not listed is a 409. */
export const TRANSITIONS: readonly Transition[] = [
  { from: 'pending', on: 'reserve', to: 'reserved' },
  { from: 'reserved', on: 'authorize', to: 'authorized' },
  { from: 'reserved', on: 'require-action', to: 'payment-pending' },
  { from: 'payment-pending', on: 'authorize', to: 'authorized' },
  { from: 'authorized', on: 'confirm', to: 'confirmed' },
  // Orders with no weighed lines may be captured as soon as they are confirmed, when the shop is set to.
  { from: 'confirmed', on: 'capture', to: 'captured' },
  { from: 'confirmed', on: 'start-picking', to: 'picking' },
  { from: 'picking', on: 'record-pick', to: 'picked' },
  // The shopper answers a substitute the picker proposed, or the cut-off decides it; always before capture.
  { from: 'picked', on: 'decide-substitutions', to: 'picked' },
  // A pick above the hold: a new authorization for the final amount replaces the first before anything is captured.
  { from: 'picked', on: 'reauthorize', to: 'picked' },
  // The bank wants the shopper to authenticate that new authorization: the order asks them, its first hold still held.
  { from: 'picked', on: 'require-reauthentication', to: 'picked' },
  { from: 'picked', on: 'capture', to: 'captured' },
  { from: 'captured', on: 'complete', to: 'completed' },
  ...(['captured', 'completed', 'partially-refunded'] as const).flatMap((from) => [
    { from, on: 'refund' as const, to: 'partially-refunded' as const },
    { from, on: 'refund' as const, to: 'refunded' as const },
  ]),
  // A captured order fails when a step after capture cannot finish (the stock cannot be committed): the capture is refunded.
  ...[...BEFORE_CAPTURE, 'captured' as const].map((from) => ({ from, on: 'fail' as const, to: 'failed' as const })),
  ...[...BEFORE_CAPTURE, 'captured' as const].map((from) => ({ from, on: 'cancel' as const, to: 'cancelled' as const })),
];

/** Statuses nothing leaves. */
export const TERMINAL_STATUSES: readonly OrderStatus[] = ['failed', 'cancelled', 'refunded'];

/** Whether an order in `status` can never change again. */
export function isTerminal(status: OrderStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

/** What the caller must undo when an order is cancelled or fails. */
export type Compensation = 'release-reservation' | 'void-payment' | 'refund-payment';

/**
 * What cancelling (or failing) an order in `status` obliges the caller to run, in order: before capture the held stock
 * is released and the authorization voided; once captured, the stock (not yet committed) is released and the capture
 * refunded in full. `undefined` when the order cannot be cancelled: it is completed (refund it instead) or finished.
 */
export function cancellationPlan(status: OrderStatus): readonly Compensation[] | undefined {
  switch (status) {
    case 'pending':
      return [];
    case 'reserved':
      return ['release-reservation'];
    case 'payment-pending':
    case 'authorized':
    case 'confirmed':
    case 'picking':
    case 'picked':
      return ['release-reservation', 'void-payment'];
    case 'captured':
      return ['release-reservation', 'refund-payment'];
    case 'completed':
    case 'partially-refunded':
    case 'refunded':
    case 'failed':
    case 'cancelled':
      return undefined;
  }
}

/** The statuses `on` can lead to from anywhere, for naming the target of a refused transition. */
function targetsOf(on: OrderEventType): OrderStatus[] {
  return [...new Set(TRANSITIONS.filter((t) => t.on === on).map((t) => t.to))];
}

/** A status change the state machine does not allow. */
export class InvalidTransitionError extends ConflictError {
  override readonly name: string = 'InvalidTransitionError';
  constructor(orderId: string, from: OrderStatus, event: OrderEventType) {
    const to = targetsOf(event).join(' or ');
    super('invalid-order-transition', `Order ${orderId} is ${from}; ${event} would move it to ${to}, which is not allowed from ${from}.`, {
      extensions: { orderId, from, to, event },
    });
  }
}

/** A capture larger than what is authorized; the caller must re-authorize or ask the customer, never capture silently. */
export class CaptureExceedsAuthorizationError extends ConflictError {
  override readonly name: string = 'CaptureExceedsAuthorizationError';
  constructor(orderId: string, amount: number, authorized: number) {
    super('capture-exceeds-authorization', `Order ${orderId} cannot capture ${amount}: only ${authorized} is authorized.`, {
      extensions: { orderId, amount, authorized },
    });
  }
}

/** A refund larger than what is left of the capture. */
export class RefundExceedsCaptureError extends ConflictError {
  override readonly name: string = 'RefundExceedsCaptureError';
  constructor(orderId: string, amount: number, refundable: number) {
    super('refund-exceeds-capture', `Order ${orderId} cannot refund ${amount}: only ${refundable} of the capture is left to refund.`, {
      extensions: { orderId, amount, refundable },
    });
  }
}

function positiveAmount(field: string, amount: number): void {
  if (!Number.isSafeInteger(amount) || amount <= 0) {
    throw new ValidationError([{ field, message: 'must be a positive whole number of minor units' }], `The ${field} is not a valid amount.`);
  }
}

/** The payment after an event, and the target when the event's rows leave a choice (refunds). */
function applyMoney(order: Order, event: OrderEvent): { payment: OrderPayment; to?: OrderStatus } {
  const { payment } = order;
  switch (event.type) {
    case 'require-action':
      return { payment: { ...payment, intentId: event.intentId, action: event.action, status: 'requires-action' } };
    case 'require-reauthentication':
      return { payment: { ...payment, action: { ...event.action, intentId: event.intentId }, status: 'requires-action' } };
    case 'authorize':
    case 'reauthorize': {
      positiveAmount('amount', event.amount);
      const { action: _done, ...rest } = payment;
      return { payment: { ...rest, intentId: event.intentId, authorized: event.amount, status: 'authorized' } };
    }
    case 'capture':
      positiveAmount('amount', event.amount);
      if (event.amount > payment.authorized) throw new CaptureExceedsAuthorizationError(order.id, event.amount, payment.authorized);
      return { payment: { ...payment, captured: event.amount, status: 'captured' } };
    case 'refund': {
      positiveAmount('amount', event.amount);
      const refundable = payment.captured - payment.refunded;
      if (event.amount > refundable) throw new RefundExceedsCaptureError(order.id, event.amount, refundable);
      const full = event.amount === refundable;
      const refundedTax = event.tax === undefined ? {} : { refundedTax: (payment.refundedTax ?? 0) + event.tax };
      return {
        payment: { ...payment, refunded: payment.refunded + event.amount, ...refundedTax, status: full ? 'refunded' : 'partially-refunded' },
        to: full ? 'refunded' : 'partially-refunded',
      };
    }
    case 'fail':
    case 'cancel':
      if (payment.captured > 0) return { payment: { ...payment, refunded: payment.captured, status: 'refunded' } };
      return { payment: payment.status === 'none' ? payment : { ...payment, status: 'voided' } };
    default:
      return { payment };
  }
}

function withPicks(order: Order, event: Extract<OrderEvent, { type: 'record-pick' }>): Order['lines'] {
  const picks = new Map(event.picks.map(({ lineId, ...picked }) => [lineId, picked]));
  const unknown = [...picks.keys()].filter((id) => !order.lines.some((line) => line.lineId === id));
  if (unknown.length > 0) {
    throw new ValidationError(
      unknown.map((id) => ({ field: 'picks', message: `line ${id} is not a line of order ${order.id}` })),
      'The picks name lines the order does not have.',
    );
  }
  return order.lines.map((line) => {
    const picked = picks.get(line.lineId);
    return picked === undefined ? line : { ...line, picked };
  });
}

function reasonOf(event: OrderEvent): string | undefined {
  return 'reason' in event ? event.reason : undefined;
}

/**
 * The order after `event`: the next status by `TRANSITIONS`, one more history entry, the version moved on, and the
 * payment amounts, picks, reservation or failure reason the event carries. Pure.
 *
 * @throws InvalidTransitionError (409) when the table has no row for the order's status and the event
 * @throws CaptureExceedsAuthorizationError (409) when a capture exceeds the authorization
 * @throws RefundExceedsCaptureError (409) when a refund exceeds what is left of the capture
 * @throws ValidationError (400) for a non-positive amount or picks of lines the order does not have
 * @throws NotFoundError (404), NoSubstitutionProposedError or SubstitutionDecidedError (409) from `decideSubstitutions`,
 *   for a decision on a line that has no proposal waiting for one
 */
export function transition(order: Order, event: OrderEvent, at: Date, actor: string): Order {
  const rows = TRANSITIONS.filter((t) => t.from === order.status && t.on === event.type);
  if (rows.length === 0) throw new InvalidTransitionError(order.id, order.status, event.type);
  const money = applyMoney(order, event);
  const to = money.to ?? rows[0]!.to;
  const reason = reasonOf(event);
  const when = at.toISOString();
  const change: StatusChange = { from: order.status, to, event: event.type, at: when, actor, ...(reason === undefined ? {} : { reason }) };
  return {
    ...order,
    status: to,
    payment: money.payment,
    ...(event.type === 'reserve' ? { reservationId: event.reservationId } : {}),
    ...(event.type === 'record-pick' ? { lines: withPicks(order, event) } : {}),
    ...(event.type === 'decide-substitutions' ? { lines: decideSubstitutions(order, event.decisions, event.by, when) } : {}),
    ...(event.type === 'fail' ? { failureReason: event.reason, failureCode: event.code } : {}),
    statusHistory: [...order.statusHistory, change],
    version: order.version + 1,
    updatedAt: when,
  };
}
