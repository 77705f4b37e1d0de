import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';
import { ListPromotionsQuery } from '../../shared/promotions/model.js';
import { listPromotions } from '../../shared/promotions/promotions.js';

/** GET /promotions: newest start first, cursor-paginated; `active=true` keeps those running now; a store manager sees their stores' only. */
export const handler = httpHandler({ query: ListPromotionsQuery })(async (input) => ok(await listPromotions(input.query, requirePrincipal(input))));
