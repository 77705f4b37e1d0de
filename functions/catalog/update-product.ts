import { auditActor } from '../../shared/audit/audit-entry.js';
import { productEtag, updateProduct } from '../../shared/catalog/products.js';
import { ProductIdParams, UpdateProductRequest } from '../../shared/catalog/requests.js';
import { idempotency } from '../../shared/http/idempotency.js';
import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';

/** PATCH /products/{id}: a JSON merge patch under optimistic concurrency (`version` in the body or `If-Match`). */
export const handler = httpHandler({ params: ProductIdParams, body: UpdateProductRequest, idempotency: idempotency() })(async (input) => {
  const principal = requirePrincipal(input);
  const product = await updateProduct(input.params.id, input.body, {
    ...auditActor(principal, input.headers['x-correlation-id']),
    ifMatch: input.headers['if-match'],
  });
  return ok(product, { etag: productEtag(product) });
});
