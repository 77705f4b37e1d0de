import { auditActor } from '../../shared/audit/audit-entry.js';
import { idempotency } from '../../shared/http/idempotency.js';
import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { created } from '../../shared/http/responses.js';
import { adjustStock } from '../../shared/inventory/adjustments.js';
import { AdjustStockRequest } from '../../shared/inventory/requests.js';

/** POST /inventory/adjustments: a staff change to one SKU's stock at one of their stores, with its reason; audited. */
export const handler = httpHandler({ body: AdjustStockRequest, idempotency: idempotency() })(async (input) => {
  const principal = requirePrincipal(input);
  const adjustment = await adjustStock(input.body, { ...auditActor(principal, input.headers['x-correlation-id']), stores: principal.stores });
  return created(adjustment, `/inventory/${encodeURIComponent(adjustment.sku)}`);
});
