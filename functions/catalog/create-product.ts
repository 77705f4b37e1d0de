import { createProduct, productEtag } from '../../shared/catalog/products.js';
import { CreateProductRequest } from '../../shared/catalog/requests.js';
import { idempotency } from '../../shared/http/idempotency.js';
import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';

/** POST /products: adds a product and claims its SKUs; 409 `sku-taken` names any SKU already in use. */
export const handler = httpHandler({ body: CreateProductRequest, idempotency: idempotency() })(async (input) => {
  const principal = requirePrincipal(input);
  const product = await createProduct(input.body, { actor: principal.subject, correlationId: input.headers['x-correlation-id'] });
  return { status: 201, body: product, headers: { location: `/products/${product.id}`, etag: productEtag(product) } };
});
