import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';
import { SkuParams } from '../../shared/inventory/requests.js';
import { ListAdjustmentsQuery, listStockAdjustments } from '../../shared/inventory/store-stock.js';

/**
 * GET /inventory/{sku}/adjustments?store=: the SKU's stock changes at the store, newest first, with reason, delta and
 * who made them, from the audit trail. Store-bound staff read only their stores: another is a 404 like a missing one.
 */
export const handler = httpHandler({ params: SkuParams, query: ListAdjustmentsQuery })(async (input) =>
  ok(await listStockAdjustments(input.params.sku, input.query, requirePrincipal(input))),
);
