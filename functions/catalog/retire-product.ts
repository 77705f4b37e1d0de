import { auditActor } from '../../shared/audit/audit-entry.js';
import { productEtag, retireProduct } from '../../shared/catalog/products.js';
import { ProductIdParams } from '../../shared/catalog/requests.js';
import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';

/** POST /products/{id}/retire: takes a product off sale; 409 `product-in-bundle` while an active bundle lists it. */
export const handler = httpHandler({ params: ProductIdParams })(async (input) => {
  const principal = requirePrincipal(input);
  const product = await retireProduct(input.params.id, auditActor(principal, input.headers['x-correlation-id']));
  return ok(product, { etag: productEtag(product) });
});
