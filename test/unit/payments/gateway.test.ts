import Stripe from 'stripe';
import { describe, expect, it, vi } from 'vitest';
import { IdempotencyMismatchError, PaymentError, PermanentPaymentError, TransientPaymentError, idempotencyKey } from '../../../shared/payments/gateway.js';
import { StripeGateway, toPaymentError } from '../../../shared/payments/stripe-gateway.js';

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
    const steps = ['authorize', 'confirm', 'reauthorize', 'reauthorize-confirm'] as const;
    expect(new Set(steps.map((step) => idempotencyKey('01JD8ORDER', step))).size).toBe(steps.length);
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
    expect(mapped({ statusCode: 402, type: 'card_error', code: 'incorrect_cvc' })).toMatchObject({ kind: 'permanent', code: 'incorrect_cvc' });
    expect(mapped({ statusCode: 400, type: 'invalid_request_error', code: 'amount_too_large' })).toMatchObject({ kind: 'permanent', code: 'amount_too_large' });
    expect(mapped({ statusCode: 401, type: 'invalid_request_error' })).toMatchObject({ kind: 'permanent' });
    expect(mapped({ statusCode: 400, type: 'idempotency_error' })).toBeInstanceOf(IdempotencyMismatchError);
  });

  it('passes errors that are not Stripe’s through unchanged', () => {
    const bug = new TypeError('undefined is not a function');
    expect(toPaymentError(bug)).toBe(bug);
  });
});

/** A PaymentIntent as Stripe answers it, with only the fields the adapter reads. */
function intent(fields: Partial<Stripe.PaymentIntent> & { id: string; status: Stripe.PaymentIntent.Status }): Stripe.PaymentIntent {
  return { amount: 1000, currency: 'gbp', amount_capturable: 0, amount_received: 0, client_secret: `${fields.id}_secret_x`, next_action: null, last_payment_error: null, ...fields } as Stripe.PaymentIntent;
}

const stripeError = (raw: Omit<RawError, 'message'>) => Stripe.errors.StripeError.generate({ message: 'from Stripe', ...raw });
const unexpectedState = () => stripeError({ statusCode: 400, type: 'invalid_request_error', code: 'payment_intent_unexpected_state' });

/** The adapter over a stand-in for stripe-node's PaymentIntents resource. */
function adapter() {
  const paymentIntents = { create: vi.fn(), confirm: vi.fn(), capture: vi.fn(), cancel: vi.fn(), retrieve: vi.fn() };
  return { paymentIntents, gateway: new StripeGateway({ paymentIntents } as unknown as Stripe) };
}

const gbp = (amount: number) => ({ amount, currency: 'GBP' });
const request = { orderId: 'o1', amount: gbp(1000), paymentMethod: 'pm_card_visa' };

describe('StripeGateway.createIntent', () => {
  it('creates an unconfirmed manual-capture intent that holds nothing, with the order in its metadata', async () => {
    const { paymentIntents, gateway } = adapter();
    paymentIntents.create.mockResolvedValue(intent({ id: 'pi_1', status: 'requires_confirmation' }));
    expect(await gateway.createIntent(request, 'k1')).toEqual({ intentId: 'pi_1', status: 'requires_confirmation', amount: gbp(1000), capturable: 0, captured: 0, clientSecret: 'pi_1_secret_x' });
    expect(paymentIntents.create).toHaveBeenCalledWith(
      {
        amount: 1000,
        currency: 'gbp',
        capture_method: 'manual',
        confirm: false,
        payment_method: 'pm_card_visa',
        automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
        metadata: { orderId: 'o1' },
      },
      { idempotencyKey: 'k1' },
    );
  });

  it('allows redirects only with a return URL, which Stripe takes on confirm, and refuses one off session', async () => {
    const { paymentIntents, gateway } = adapter();
    paymentIntents.create.mockResolvedValue(intent({ id: 'pi_1', status: 'requires_confirmation' }));
    await gateway.createIntent({ ...request, returnUrl: 'https://shop.example/r', customerId: 'cus_1' }, 'k1');
    const [params] = paymentIntents.create.mock.calls[0] as [Stripe.PaymentIntentCreateParams];
    expect(params).toMatchObject({ customer: 'cus_1', automatic_payment_methods: { allow_redirects: 'always' } });
    expect(params).not.toHaveProperty('return_url');
    await expect(gateway.createIntent({ ...request, returnUrl: 'https://shop.example/r', offSession: true }, 'k2')).rejects.toThrow(RangeError);
    expect(paymentIntents.create).toHaveBeenCalledTimes(1);
  });

  it('maps a refused create to the saga’s errors', async () => {
    const { paymentIntents, gateway } = adapter();
    paymentIntents.create.mockRejectedValue(stripeError({ statusCode: 400, type: 'invalid_request_error', code: 'resource_missing' }));
    await expect(gateway.createIntent(request, 'k1')).rejects.toMatchObject({ kind: 'permanent', code: 'resource_missing' });
  });
});

describe('StripeGateway.confirm', () => {
  it('is authorized when the hold is placed, passing off_session and return_url only when asked', async () => {
    const { paymentIntents, gateway } = adapter();
    paymentIntents.confirm.mockResolvedValue(intent({ id: 'pi_1', status: 'requires_capture', amount_capturable: 1000 }));
    expect(await gateway.confirm('pi_1', 'k1')).toEqual({ status: 'authorized', payment: expect.objectContaining({ intentId: 'pi_1', capturable: 1000 }) });
    expect(paymentIntents.confirm).toHaveBeenLastCalledWith('pi_1', {}, { idempotencyKey: 'k1' });
    await gateway.confirm('pi_1', 'k2', { offSession: true });
    expect(paymentIntents.confirm).toHaveBeenLastCalledWith('pi_1', { off_session: true }, { idempotencyKey: 'k2' });
    await gateway.confirm('pi_1', 'k3', { returnUrl: 'https://shop.example/r' });
    expect(paymentIntents.confirm).toHaveBeenLastCalledWith('pi_1', { return_url: 'https://shop.example/r' }, { idempotencyKey: 'k3' });
  });

  it('hands back the client secret and next action when the customer must authenticate', async () => {
    const { paymentIntents, gateway } = adapter();
    paymentIntents.confirm.mockResolvedValue(
      intent({ id: 'pi_1', status: 'requires_action', next_action: { type: 'redirect_to_url', redirect_to_url: { url: 'https://3ds.example', return_url: 'https://shop.example/r' } } }),
    );
    expect(await gateway.confirm('pi_1', 'k1')).toMatchObject({ status: 'requires_action', clientSecret: 'pi_1_secret_x', nextAction: 'redirect_to_url', redirectUrl: 'https://3ds.example' });
  });

  it('is a decline, not an error, for a card error (off-session authentication included) and for a failed intent', async () => {
    const { paymentIntents, gateway } = adapter();
    paymentIntents.confirm.mockRejectedValueOnce(
      stripeError({ statusCode: 402, type: 'card_error', code: 'authentication_required', decline_code: 'authentication_required', payment_intent: intent({ id: 'pi_1', status: 'requires_payment_method' }) }),
    );
    expect(await gateway.confirm('pi_1', 'k1', { offSession: true })).toMatchObject({ status: 'declined', intentId: 'pi_1', declineCode: 'authentication_required' });
    paymentIntents.confirm.mockRejectedValueOnce(stripeError({ statusCode: 402, type: 'card_error', code: 'expired_card' }));
    expect(await gateway.confirm('pi_2', 'k2')).toMatchObject({ status: 'declined', intentId: 'pi_2', declineCode: 'expired_card' });
    paymentIntents.confirm.mockResolvedValueOnce(
      intent({ id: 'pi_3', status: 'requires_payment_method', last_payment_error: { type: 'card_error', decline_code: 'insufficient_funds', message: 'No funds.' } as Stripe.PaymentIntent.LastPaymentError }),
    );
    expect(await gateway.confirm('pi_3', 'k3')).toEqual({ status: 'declined', intentId: 'pi_3', declineCode: 'insufficient_funds', message: 'No funds.' });
  });

  it('maps other failures to the saga’s errors', async () => {
    const { paymentIntents, gateway } = adapter();
    paymentIntents.confirm.mockRejectedValueOnce(stripeError({ statusCode: 500, type: 'api_error' }));
    await expect(gateway.confirm('pi_1', 'k1')).rejects.toBeInstanceOf(TransientPaymentError);
    paymentIntents.confirm.mockRejectedValueOnce(unexpectedState());
    await expect(gateway.confirm('pi_1', 'k1')).rejects.toMatchObject({ kind: 'permanent', code: 'payment_intent_unexpected_state' });
    paymentIntents.confirm.mockResolvedValueOnce(intent({ id: 'pi_1', status: 'processing' }));
    await expect(gateway.confirm('pi_1', 'k1')).rejects.toMatchObject({ code: 'unexpected_status' });
  });
});

describe('StripeGateway.cancel and capture after the fact', () => {
  it('returns an intent that is already canceled instead of failing, and refuses to cancel a captured one', async () => {
    const { paymentIntents, gateway } = adapter();
    paymentIntents.cancel.mockRejectedValue(unexpectedState());
    paymentIntents.retrieve.mockResolvedValueOnce(intent({ id: 'pi_1', status: 'canceled' }));
    expect(await gateway.cancel('pi_1', 'k2')).toMatchObject({ intentId: 'pi_1', status: 'canceled', capturable: 0 });
    paymentIntents.retrieve.mockResolvedValueOnce(intent({ id: 'pi_1', status: 'succeeded', amount_received: 1000 }));
    await expect(gateway.cancel('pi_1', 'k3')).rejects.toMatchObject({ kind: 'permanent', code: 'payment_intent_unexpected_state' });
  });

  it('does not retrieve for failures that say nothing about the intent’s status', async () => {
    const { paymentIntents, gateway } = adapter();
    paymentIntents.cancel.mockRejectedValue(stripeError({ statusCode: 400, type: 'invalid_request_error', code: 'resource_missing' }));
    await expect(gateway.cancel('pi_x', 'k1')).rejects.toMatchObject({ code: 'resource_missing' });
    expect(paymentIntents.retrieve).not.toHaveBeenCalled();
  });

  it('returns an intent already captured for the same amount, and refuses one captured for another', async () => {
    const { paymentIntents, gateway } = adapter();
    paymentIntents.capture.mockRejectedValue(unexpectedState());
    paymentIntents.retrieve.mockResolvedValue(intent({ id: 'pi_1', status: 'succeeded', amount_received: 850 }));
    const capture = (amount: number) => gateway.capture({ intentId: 'pi_1', amount: gbp(amount), authorized: gbp(1000) }, 'k2');
    expect(await capture(850)).toMatchObject({ status: 'succeeded', captured: 850 });
    const other = await capture(900).catch((e: unknown) => e);
    expect(other).toBeInstanceOf(PermanentPaymentError);
    expect(other).toMatchObject({ code: 'payment_intent_unexpected_state' });
    paymentIntents.retrieve.mockResolvedValue(intent({ id: 'pi_1', status: 'canceled' }));
    await expect(capture(850)).rejects.toBeInstanceOf(PermanentPaymentError);
  });
});
