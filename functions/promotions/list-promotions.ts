import { httpHandler } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';
import { ListPromotionsQuery } from '../../shared/promotions/model.js';
import { listPromotions } from '../../shared/promotions/promotions.js';

/** GET /promotions: newest start first, cursor-paginated; `active=true` keeps those running now. */
export const handler = httpHandler({ query: ListPromotionsQuery })(async ({ query }) => ok(await listPromotions(query)));
