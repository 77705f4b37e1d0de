import { startPaymentMethodSetup } from '../../shared/accounts/payment-methods.js';
import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { idempotency } from '../../shared/http/idempotency.js';
import { requireIdempotencyKey } from '../../shared/http/idempotency-key.js';
import { ok } from '../../shared/http/responses.js';

/**
 * POST /me/payment-methods/setup: a SetupIntent on the caller's payment Customer (made on first use), whose client
 * secret the app confirms with Stripe.js to save a card; the card never passes through us. The same Idempotency-Key
 * (required) gives the same SetupIntent.
 */
export const handler = httpHandler({ idempotency: idempotency() })(async (input) => {
  const key = requireIdempotencyKey(input.headers);
  const setup = await startPaymentMethodSetup(requirePrincipal(input).subject, key);
  return ok(setup);
});
