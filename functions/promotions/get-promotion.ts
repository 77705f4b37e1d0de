import { httpHandler } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';
import { PromotionIdParams } from '../../shared/promotions/model.js';
import { getPromotion, promotionEtag } from '../../shared/promotions/promotions.js';

/** GET /promotions/{id}: one promotion with its status and redemptions; the ETag feeds `If-Match` on PATCH. */
export const handler = httpHandler({ params: PromotionIdParams })(async ({ params }) => {
  const promotion = await getPromotion(params.id);
  return ok(promotion, { etag: promotionEtag(promotion) });
});
