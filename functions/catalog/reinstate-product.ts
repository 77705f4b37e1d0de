import { auditActor } from '../../shared/audit/audit-entry.js';
import { productEtag, reinstateProduct } from '../../shared/catalog/products.js';
import { ProductIdParams } from '../../shared/catalog/requests.js';
import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';

/** POST /products/{id}/reinstate: puts a retired product back on sale. */
export const handler = httpHandler({ params: ProductIdParams })(async (input) => {
  const principal = requirePrincipal(input);
  const product = await reinstateProduct(input.params.id, auditActor(principal, input.headers['x-correlation-id']));
  return ok(product, { etag: productEtag(product) });
});
