import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';
import { ListOrdersQuery, listOrdersFor } from '../../shared/orders/queries.js';

/** GET /orders: a shopper's own orders, or for staff one store's orders of one day, cursor-paginated, newest first. */
export const handler = httpHandler({ query: ListOrdersQuery })(async (input) => ok(await listOrdersFor(requirePrincipal(input), input.query)));
