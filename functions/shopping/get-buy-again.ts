import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';
import { buyAgain } from '../../shared/shopping/buy-again.js';
import { BuyAgainQuery } from '../../shared/shopping/requests.js';

/** GET /me/buy-again: the caller's most bought items that are still sold, at today's price (capped at `limit`, not paged). */
export const handler = httpHandler({ query: BuyAgainQuery })(async (input) => {
  const list = await buyAgain(requirePrincipal(input).subject, input.query);
  return ok(list);
});
