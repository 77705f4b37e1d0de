import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';
import { PromotionIdParams } from '../../shared/promotions/model.js';
import { getPromotion, promotionEtag } from '../../shared/promotions/promotions.js';

/**
 * GET /promotions/{id}: one promotion with its status and redemptions; the ETag feeds `If-Match` on PATCH. Another
 * store's promotion is a 404 to a store manager, like a missing one.
 */
export const handler = httpHandler({ params: PromotionIdParams })(async (input) => {
  const promotion = await getPromotion(input.params.id, requirePrincipal(input));
  return ok(promotion, { etag: promotionEtag(promotion) });
});
