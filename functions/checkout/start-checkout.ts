import { cartActor } from '../../shared/carts/deps.js';
import { CheckoutRequest, startCheckout } from '../../shared/checkout/start.js';
import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { requireIdempotencyKey } from '../../shared/http/idempotency-key.js';
import { accepted } from '../../shared/http/responses.js';
import { orderView } from '../../shared/orders/views.js';
import { RATE_LIMITS, takeRate } from '../../shared/limits/rate-limiter.js';

/**
 * POST /checkout: freezes the cart into an order and starts the checkout saga (execution name = order id); answers 202
 * once the stock is reserved, 409 when it cannot be. The same Idempotency-Key returns the same order. 429
 * `too-many-requests` with Retry-After past 10 a minute per shopper, repeats included.
 */
export const handler = httpHandler({ body: CheckoutRequest })(async (input) => {
  const key = requireIdempotencyKey(input.headers);
  const actor = cartActor(requirePrincipal(input), input.headers);
  await takeRate(RATE_LIMITS.checkout, actor.subject);
  const order = await startCheckout(input.body, key, actor);
  return accepted(orderView(order, { kind: 'shopper', subject: actor.subject }), `/orders/${order.id}`);
});
