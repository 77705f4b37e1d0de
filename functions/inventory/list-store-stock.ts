import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';
import { ListStoreStockQuery, listStoreStock } from '../../shared/inventory/store-stock.js';
import { StoreIdParams } from '../../shared/stores/model.js';

/**
 * GET /stores/{id}/stock: the store's stock lines by SKU (on hand, reserved, committed, available), paged, optionally
 * only SKUs starting with `skuPrefix`. Store-bound staff read only their stores: another is a 404 like a missing one.
 */
export const handler = httpHandler({ params: StoreIdParams, query: ListStoreStockQuery })(async (input) =>
  ok(await listStoreStock(input.params.id, input.query, requirePrincipal(input))),
);
