import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { IdempotencyMismatchError, PaymentError, idempotencyKey } from '../../../shared/payments/gateway.js';
import { toPaymentError } from '../../../shared/payments/stripe-gateway.js';

type RawError = Parameters<typeof Stripe.errors.StripeError.generate>[0];

function mapped(raw: Omit<RawError, 'message'>): PaymentError {
  const error = toPaymentError(Stripe.errors.StripeError.generate({ message: 'from Stripe', ...raw }));
  expect(error).toBeInstanceOf(PaymentError);
  return error as PaymentError;
}

describe('idempotencyKey', () => {
  it('is the same for the same order and step, and differs between steps and discriminators', () => {
    expect(idempotencyKey('01JD8ORDER', 'authorize')).toBe('order:01JD8ORDER:authorize');
    expect(idempotencyKey('01JD8ORDER', 'authorize')).toBe(idempotencyKey('01JD8ORDER', 'authorize'));
    expect(idempotencyKey('01JD8ORDER', 'capture')).not.toBe(idempotencyKey('01JD8ORDER', 'authorize'));
    expect(idempotencyKey('01JD8ORDER', 'refund', 'r1')).toBe('order:01JD8ORDER:refund:r1');
    expect(idempotencyKey('01JD8ORDER', 'refund', 'r2')).not.toBe(idempotencyKey('01JD8ORDER', 'refund', 'r1'));
  });

  it('refuses parts that could make two calls share a key, and keys longer than Stripe allows', () => {
    expect(() => idempotencyKey('', 'capture')).toThrow(RangeError);
    expect(() => idempotencyKey('a:b', 'capture')).toThrow(/must match/);
    expect(() => idempotencyKey('o1', 'refund', '')).toThrow(RangeError);
    expect(() => idempotencyKey('x'.repeat(250), 'capture')).toThrow(/255/);
  });
});

describe('toPaymentError', () => {
  it('makes unreachable, rate-limited, conflicting and failing providers transient', () => {
    expect(toPaymentError(new Stripe.errors.StripeConnectionError({ message: 'socket hang up' }))).toMatchObject({ kind: 'transient' });
    expect(mapped({ statusCode: 429, type: 'invalid_request_error', code: 'rate_limit' })).toMatchObject({ kind: 'transient', code: 'rate_limit' });
    expect(mapped({ statusCode: 409, type: 'idempotency_error', code: 'idempotency_key_in_use' })).toMatchObject({ kind: 'transient' });
    expect(mapped({ statusCode: 500, type: 'api_error' })).toMatchObject({ kind: 'transient', code: 'api_error' });
    expect(mapped({ statusCode: 503, type: 'api_error' })).toMatchObject({ kind: 'transient' });
  });

  it('makes declines, bad requests, bad keys and reused idempotency keys permanent, with the decline code', () => {
    expect(mapped({ statusCode: 402, type: 'card_error', code: 'card_declined', decline_code: 'insufficient_funds' })).toMatchObject({
      kind: 'permanent',
      code: 'insufficient_funds',
    });
    expect(mapped({ statusCode: 400, type: 'invalid_request_error', code: 'amount_too_large' })).toMatchObject({ kind: 'permanent', code: 'amount_too_large' });
    expect(mapped({ statusCode: 401, type: 'invalid_request_error' })).toMatchObject({ kind: 'permanent' });
    expect(mapped({ statusCode: 400, type: 'idempotency_error' })).toBeInstanceOf(IdempotencyMismatchError);
  });

  it('passes errors that are not Stripe’s through unchanged', () => {
    const bug = new TypeError('undefined is not a function');
    expect(toPaymentError(bug)).toBe(bug);
  });
});
