import { auditActor } from '../../shared/audit/audit-entry.js';
import { idempotency } from '../../shared/http/idempotency.js';
import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { CreatePromotionRequest } from '../../shared/promotions/model.js';
import { createPromotion, promotionEtag } from '../../shared/promotions/promotions.js';

/**
 * POST /promotions: adds a promotion and claims its coupon code; 409 `coupon-code-taken` when another promotion holds it,
 * 403 `store-forbidden` for one beyond the caller's stores (chain-wide, for a store manager).
 */
export const handler = httpHandler({ body: CreatePromotionRequest, idempotency: idempotency() })(async (input) => {
  const principal = requirePrincipal(input);
  const promotion = await createPromotion(input.body, { ...auditActor(principal, input.headers['x-correlation-id']), stores: principal.stores });
  return { status: 201, body: promotion, headers: { location: `/promotions/${promotion.id}`, etag: promotionEtag(promotion) } };
});
