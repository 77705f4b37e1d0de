import { applyWebhookEvent, type StripeWebhookMessage, type WebhookOutcome } from '../payments/payment-records.js';
import { settleAuthentication, type AuthenticationOutcome } from './authentication.js';
import { checkoutDeps, type CheckoutDeps } from './deps.js';

/** What a PaymentIntent event tells a checkout waiting on 3-D Secure, if anything. */
function authenticationOutcome(event: StripeWebhookMessage): AuthenticationOutcome | undefined {
  const intent = event.data.object as { last_payment_error?: { decline_code?: string; code?: string; message?: string } | null };
  switch (event.type) {
    case 'payment_intent.amount_capturable_updated':
      return { outcome: 'authorized' };
    case 'payment_intent.payment_failed':
    case 'payment_intent.canceled': {
      const failure = intent.last_payment_error ?? undefined;
      // An off-session re-authorization the bank wants authenticated: the saga is about to ask the shopper, not to give up.
      if (event.type === 'payment_intent.payment_failed' && (failure?.decline_code || failure?.code) === 'authentication_required') return undefined;
      return {
        outcome: 'declined',
        declineCode: failure?.decline_code || failure?.code || (event.type === 'payment_intent.canceled' ? 'canceled' : 'authentication_failed'),
        message: failure?.message ?? 'The payment was not authorized.',
      };
    }
    default:
      return undefined;
  }
}

/**
 * A verified Stripe event: the intent's record moves forward (once per event id, never backwards), and a checkout
 * waiting on this intent's 3-D Secure is resumed. The resume runs on every delivery, duplicates included, because it
 * is harmless to repeat and a delivery that failed half-way must still be able to finish it.
 */
export async function handlePaymentEvent(event: StripeWebhookMessage, deps: CheckoutDeps = checkoutDeps()): Promise<{ record: WebhookOutcome; checkout: string }> {
  const record = await applyWebhookEvent(event, deps);
  const outcome = authenticationOutcome(event);
  const intentId = typeof event.data.object.id === 'string' ? event.data.object.id : undefined;
  const checkout = outcome && intentId ? await settleAuthentication(intentId, outcome, deps) : 'none';
  return { record, checkout };
}
