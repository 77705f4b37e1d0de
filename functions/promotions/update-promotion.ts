import { auditActor } from '../../shared/audit/audit-entry.js';
import { idempotency } from '../../shared/http/idempotency.js';
import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';
import { PromotionIdParams, UpdatePromotionRequest } from '../../shared/promotions/model.js';
import { promotionEtag, updatePromotion } from '../../shared/promotions/promotions.js';

/** PATCH /promotions/{id}: ends a promotion earlier or disables it, under optimistic concurrency (`version` or `If-Match`); 404 for another store's. */
export const handler = httpHandler({ params: PromotionIdParams, body: UpdatePromotionRequest, idempotency: idempotency() })(async (input) => {
  const principal = requirePrincipal(input);
  const promotion = await updatePromotion(input.params.id, input.body, {
    ...auditActor(principal, input.headers['x-correlation-id']),
    stores: principal.stores,
    ifMatch: input.headers['if-match'],
  });
  return ok(promotion, { etag: promotionEtag(promotion) });
});
