import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';
import { orderAccessOf } from '../../shared/orders/access.js';
import { OrderIdParams } from '../../shared/orders/queries.js';
import { listReturns } from '../../shared/orders/return-actions.js';
import { returnView } from '../../shared/orders/returns.js';

/** GET /orders/{id}/returns: the order's returns, for its shopper and its store's staff. */
export const handler = httpHandler({ params: OrderIdParams })(async (input) => {
  const access = orderAccessOf(requirePrincipal(input));
  return ok({ items: (await listReturns(input.params.id, access)).map((ret) => returnView(ret, access)) });
});
