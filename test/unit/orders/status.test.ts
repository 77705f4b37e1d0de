import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../shared/errors.js';
import { ORDER_STATUSES, Order, type OrderStatus } from '../../../shared/orders/model.js';
import {
  CaptureExceedsAuthorizationError,
  InvalidTransitionError,
  RefundExceedsCaptureError,
  TERMINAL_STATUSES,
  TRANSITIONS,
  cancellationPlan,
  transition,
  type OrderEvent,
  type OrderEventType,
} from '../../../shared/orders/status.js';
import { AT, anOrder } from './fixtures.js';

const EVENT_TYPES: OrderEventType[] = ['reserve', 'require-action', 'authorize', 'confirm', 'start-picking', 'record-pick', 'decide-substitutions', 'reauthorize', 'require-reauthentication', 'capture', 'complete', 'refund', 'fail', 'cancel'];
const BEFORE_CAPTURE: OrderStatus[] = ['pending', 'reserved', 'payment-pending', 'authorized', 'confirmed', 'picking', 'picked'];

/** The state machine as the issue describes it, written out independently of the implementation's table. */
const ALLOWED: [OrderStatus, OrderEventType, OrderStatus][] = [
  ['pending', 'reserve', 'reserved'],
  ['reserved', 'authorize', 'authorized'],
  ['reserved', 'require-action', 'payment-pending'],
  ['payment-pending', 'authorize', 'authorized'],
  ['authorized', 'confirm', 'confirmed'],
  ['confirmed', 'capture', 'captured'],
  ['confirmed', 'start-picking', 'picking'],
  ['picking', 'record-pick', 'picked'],
  ['picked', 'decide-substitutions', 'picked'],
  ['picked', 'reauthorize', 'picked'],
  ['picked', 'require-reauthentication', 'picked'],
  ['picked', 'capture', 'captured'],
  ['captured', 'complete', 'completed'],
  ['captured', 'refund', 'partially-refunded'],
  ['captured', 'refund', 'refunded'],
  ['completed', 'refund', 'partially-refunded'],
  ['completed', 'refund', 'refunded'],
  ['partially-refunded', 'refund', 'partially-refunded'],
  ['partially-refunded', 'refund', 'refunded'],
  ...[...BEFORE_CAPTURE, 'captured' as const].map((from): [OrderStatus, OrderEventType, OrderStatus] => [from, 'fail', 'failed']),
  ...[...BEFORE_CAPTURE, 'captured' as const].map((from): [OrderStatus, OrderEventType, OrderStatus] => [from, 'cancel', 'cancelled']),
];

/** An order in `status` with the money that status implies: authorized from `authorized` on, captured from `captured` on. */
function orderIn(status: OrderStatus): Order {
  const authorizedOn = ['authorized', 'confirmed', 'picking', 'picked', 'captured', 'completed', 'partially-refunded'].includes(status);
  const capturedOn = ['captured', 'completed', 'partially-refunded'].includes(status);
  return anOrder({
    status,
    payment: {
      ...(authorizedOn ? { intentId: 'pi_1' } : {}),
      authorized: authorizedOn ? 1090 : 0,
      captured: capturedOn ? 1000 : 0,
      refunded: status === 'partially-refunded' ? 100 : 0,
      status: status === 'partially-refunded' ? 'partially-refunded' : capturedOn ? 'captured' : authorizedOn ? 'authorized' : 'none',
    },
  });
}

function eventFor(order: Order, type: OrderEventType, to?: OrderStatus): OrderEvent {
  switch (type) {
    case 'reserve':
      return { type, reservationId: 'res-1' };
    case 'require-action':
      return { type, intentId: 'pi_1', action: { type: 'use_stripe_sdk', clientSecret: 'pi_1_secret_x' } };
    case 'require-reauthentication':
      return { type, intentId: 'pi_2', action: { type: 'confirm_payment', clientSecret: 'pi_2_secret_x' } };
    case 'authorize':
    case 'reauthorize':
      return { type, intentId: 'pi_1', amount: 1090 };
    case 'record-pick':
      return { type, picks: [{ lineId: order.lines[1]!.lineId, quantity: { grams: 520 }, total: 624, tax: 0 }] };
    case 'decide-substitutions':
      return { type, decisions: [], by: 'cut-off' };
    case 'capture':
      return { type, amount: 1000 };
    case 'refund':
      return { type, amount: to === 'refunded' ? order.payment.captured - order.payment.refunded : 50 };
    case 'fail':
      return { type, reason: 'card declined', code: 'payment-declined' };
    default:
      return { type };
  }
}

describe('order state machine', () => {
  it('allows exactly the transitions of the design, no more', () => {
    const key = ([from, on, to]: [string, string, string]) => `${from} --${on}--> ${to}`;
    expect(TRANSITIONS.map((t) => key([t.from, t.on, t.to])).sort()).toEqual(ALLOWED.map(key).sort());
  });

  it.each(ALLOWED)('moves %s on %s to %s, recording who, when and the new version', (from, on, to) => {
    const order = orderIn(from);
    const next = transition(order, eventFor(order, on, to), AT, 'saga');
    expect(next.status).toBe(to);
    expect(next.version).toBe(order.version + 1);
    expect(next.statusHistory.at(-1)).toMatchObject({ from, to, event: on, at: AT.toISOString(), actor: 'saga' });
    expect(Order.parse(next)).toEqual(next);
  });

  it('is drawn in docs/orders.md exactly as the table has it', () => {
    const diagram = /```mermaid\n([\s\S]*?)```/.exec(readFileSync('docs/orders.md', 'utf8'))![1]!;
    const drawn = [...diagram.matchAll(/^\s*([a-z_-]+) --> ([a-z_-]+): ([a-z-]+)/gm)].map(([, from, to, on]) => `${from!.replace(/_/g, '-')} --${on}--> ${to!.replace(/_/g, '-')}`);
    expect(drawn.sort()).toEqual(TRANSITIONS.map((t) => `${t.from} --${t.on}--> ${t.to}`).sort());
  });

  const forbidden = ORDER_STATUSES.flatMap((from) =>
    EVENT_TYPES.filter((on) => !ALLOWED.some(([f, o]) => f === from && o === on)).map((on): [OrderStatus, OrderEventType] => [from, on]),
  );

  it.each(forbidden)('refuses %s on %s with a 409 invalid-order-transition', (from, on) => {
    const order = orderIn(from);
    let error: unknown;
    try {
      transition(order, eventFor(order, on), AT, 'saga');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InvalidTransitionError);
    expect(error).toMatchObject({ kind: 'conflict', code: 'invalid-order-transition', extensions: { orderId: order.id, from, event: on } });
  });

  it('names the status and the target in the refusal', () => {
    expect(() => transition(orderIn('completed'), { type: 'cancel' }, AT, 'staff')).toThrow(
      'Order 01JBQ8Y0000000000000000001 is completed; cancel would move it to cancelled, which is not allowed from completed.',
    );
  });

  it('refuses to capture more than is authorized and to refund more than is left of the capture', () => {
    expect(() => transition(orderIn('picked'), { type: 'capture', amount: 1091 }, AT, 'saga')).toThrow(CaptureExceedsAuthorizationError);
    expect(() => transition(orderIn('partially-refunded'), { type: 'refund', amount: 901 }, AT, 'staff')).toThrow(RefundExceedsCaptureError);
    expect(() => transition(orderIn('captured'), { type: 'refund', amount: 0 }, AT, 'staff')).toThrow('The amount is not a valid amount.');
  });

  it('records picks on their lines and refuses picks of lines the order does not have', () => {
    const picked = transition(orderIn('picking'), eventFor(orderIn('picking'), 'record-pick'), AT, 'picker');
    expect(picked.lines[1]!.picked).toEqual({ quantity: { grams: 520 }, total: 624, tax: 0 });
    expect(picked.lines[0]!.picked).toBeUndefined();
    expect(() =>
      transition(orderIn('picking'), { type: 'record-pick', picks: [{ lineId: '01JBQ8Y00000000000000000ZZ', quantity: { count: 1 }, total: 1, tax: 0 }] }, AT, 'picker'),
    ).toThrow('The picks name lines the order does not have.');
  });

  it('voids the hold on a cancel before capture, refunds it after, and keeps the failure reason', () => {
    expect(transition(orderIn('picked'), { type: 'cancel', reason: 'shopper asked' }, AT, 'staff').payment).toMatchObject({ authorized: 1090, captured: 0, status: 'voided' });
    expect(transition(orderIn('captured'), { type: 'cancel' }, AT, 'staff').payment).toMatchObject({ captured: 1000, refunded: 1000, status: 'refunded' });
    const failed = transition(orderIn('reserved'), { type: 'fail', reason: 'card declined', code: 'payment-declined' }, AT, 'saga');
    expect([failed.failureReason, failed.statusHistory.at(-1)?.reason, failed.payment.status]).toEqual(['card declined', 'card declined', 'none']);
  });

  it('plans the compensations of a cancel at each stage', () => {
    expect(Object.fromEntries(ORDER_STATUSES.map((s) => [s, cancellationPlan(s)]))).toEqual({
      pending: [],
      reserved: ['release-reservation'],
      'payment-pending': ['release-reservation', 'void-payment'],
      authorized: ['release-reservation', 'void-payment'],
      confirmed: ['release-reservation', 'void-payment'],
      picking: ['release-reservation', 'void-payment'],
      picked: ['release-reservation', 'void-payment'],
      captured: ['release-reservation', 'refund-payment'],
      completed: undefined,
      'partially-refunded': undefined,
      refunded: undefined,
      failed: undefined,
      cancelled: undefined,
    });
  });

  it('has a cancellation plan exactly where cancel is allowed', () => {
    for (const status of ORDER_STATUSES) {
      expect(cancellationPlan(status) !== undefined, status).toBe(ALLOWED.some(([from, on]) => from === status && on === 'cancel'));
    }
  });
});

/** An event of `type` whose amount (where it has one) is `amount`, which may be invalid. */
function eventWith(type: OrderEventType, amount: number): OrderEvent {
  switch (type) {
    case 'authorize':
      return { type, intentId: 'pi_1', amount };
    case 'capture':
    case 'refund':
      return { type, amount };
    case 'record-pick':
      return { type, picks: [{ lineId: '01JBQ8Y00000000000000000A2', quantity: { grams: 500 }, total: Math.abs(amount), tax: 0 }] };
    default:
      return eventFor(anOrder(), type);
  }
}

/**
 * One step of a random run: mostly an event that moves the current status onward (so runs get past checkout into
 * capture and refunds), otherwise any event at all, fail and cancel included; amounts are random, so captures and refunds are often too large.
 */
const aStep = fc.record({
  guided: fc.integer({ min: 0, max: 3 }).map((n) => n > 0),
  pick: fc.nat(),
  type: fc.constantFrom(...EVENT_TYPES),
  amount: fc.integer({ min: -5, max: 3000 }),
});

describe('order state machine properties', () => {
  it('under any event sequence visits only allowed transitions, never leaves a terminal status and keeps refunded ≤ captured ≤ authorized', () => {
    const reached = new Set<OrderStatus>();
    fc.assert(
      fc.property(fc.array(aStep, { maxLength: 40 }), (steps) => {
        let order = anOrder();
        for (const step of steps) {
          const onward = [...new Set(TRANSITIONS.filter((t) => t.from === order.status && t.on !== 'fail' && t.on !== 'cancel').map((t) => t.on))];
          const type = step.guided && onward.length > 0 ? onward[step.pick % onward.length]! : step.type;
          // An exact full refund is too unlikely to draw at random; a third of refunds ask for what is left.
          const amount = type === 'refund' && step.pick % 3 === 0 ? order.payment.captured - order.payment.refunded : step.amount;
          const event = eventWith(type, amount);
          let next: Order;
          try {
            next = transition(order, event, AT, 'fuzz');
          } catch (error) {
            expect(error).toBeInstanceOf(AppError);
            continue;
          }
          expect(TERMINAL_STATUSES).not.toContain(order.status);
          expect(TRANSITIONS.some((t) => t.from === order.status && t.on === event.type && t.to === next.status)).toBe(true);
          order = next;
          reached.add(order.status);
          expect(order.payment.captured).toBeLessThanOrEqual(order.payment.authorized);
          expect(order.payment.refunded).toBeLessThanOrEqual(order.payment.captured);
          expect(order.version).toBe(order.statusHistory.length + 1);
        }
      }),
      { numRuns: 500 },
    );
    expect([...reached].sort()).toEqual(ORDER_STATUSES.filter((s) => s !== 'pending').sort());
  });
});
