import { cartActor } from '../../shared/carts/deps.js';
import { CheckoutRequest, startCheckout } from '../../shared/checkout/start.js';
import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { requireIdempotencyKey } from '../../shared/http/idempotency-key.js';
import { accepted } from '../../shared/http/responses.js';

/**
 * POST /checkout: freezes the cart into an order and starts the checkout saga (execution name = order id); answers 202
 * once the stock is reserved, 409 when it cannot be. The same Idempotency-Key returns the same order.
 */
export const handler = httpHandler({ body: CheckoutRequest })(async (input) => {
  const key = requireIdempotencyKey(input.headers);
  const order = await startCheckout(input.body, key, cartActor(requirePrincipal(input), input.headers));
  return accepted(order, `/orders/${order.id}`);
});
