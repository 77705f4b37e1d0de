import { httpHandler } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';
import { SkuParams } from '../../shared/inventory/requests.js';
import { getSkuInventory } from '../../shared/inventory/stock-queries.js';

/** GET /inventory/{sku}: every store's stock of a SKU (a bundle's derived from its components); staff only. */
export const handler = httpHandler({ params: SkuParams })(async ({ params }) => ok(await getSkuInventory(params.sku)));
