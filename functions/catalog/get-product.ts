import { getProduct } from '../../shared/catalog/product-queries.js';
import { productEtag } from '../../shared/catalog/products.js';
import { ProductIdParams } from '../../shared/catalog/requests.js';
import { httpHandler } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';

/** GET /products/{id}: one product with unit prices and image URLs; its ETag feeds `If-Match` on PATCH. */
export const handler = httpHandler({ params: ProductIdParams })(async ({ params }) => {
  const product = await getProduct(params.id);
  return ok(product, { etag: productEtag(product) });
});
