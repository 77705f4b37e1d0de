import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';
import { SkuParams } from '../../shared/inventory/requests.js';
import { getSkuInventory } from '../../shared/inventory/stock-queries.js';

/** GET /inventory/{sku}: the SKU's stock at each store the caller works at (a bundle's derived from its components). */
export const handler = httpHandler({ params: SkuParams })(async (input) => ok(await getSkuInventory(input.params.sku, requirePrincipal(input))));
