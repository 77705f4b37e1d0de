import { cartActor } from '../../shared/carts/deps.js';
import { holdCart } from '../../shared/carts/hold.js';
import { CartIdParams } from '../../shared/carts/requests.js';
import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';
import { RATE_LIMITS, takeRate } from '../../shared/limits/rate-limiter.js';

/**
 * POST /carts/{id}/hold: holds every line's stock and the slot in one transaction, or nothing; a repeat returns the same
 * hold. 429 `too-many-requests` with Retry-After past 10 a minute per shopper.
 */
export const handler = httpHandler({ params: CartIdParams })(async (input) => {
  const actor = cartActor(requirePrincipal(input), input.headers);
  await takeRate(RATE_LIMITS.cartHold, actor.subject);
  return ok(await holdCart(input.params.id, actor));
});
