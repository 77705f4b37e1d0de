import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';
import { getOrderFor, OrderIdParams } from '../../shared/orders/queries.js';

/** GET /orders/{id}: one order; a shopper reads only their own (another's is a 404), staff read any. */
export const handler = httpHandler({ params: OrderIdParams })(async (input) => ok(await getOrderFor(requirePrincipal(input), input.params.id)));
