import { config } from '../../shared/config/config.js';
import { catalogDeps } from '../../shared/catalog/deps.js';
import { uploadProductImage, type UploadedFile } from '../../shared/catalog/images/upload-image.js';
import { ProductIdParams } from '../../shared/catalog/requests.js';
import { idempotency } from '../../shared/http/idempotency.js';
import { multipartBody } from '../../shared/http/multipart.js';
import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { accepted } from '../../shared/http/responses.js';
import { s3 } from '../../shared/storage/s3.js';

/**
 * POST /products/{id}/images: a multipart/form-data upload with one `file` part (JPEG, PNG or
 * WebP by content, at most 5 MB). 202 with the image, still `processing`; its thumbnails follow
 * from `catalog-generate-thumbnails` and show on the product once ready.
 */
export const handler = httpHandler({ params: ProductIdParams, multipart: multipartBody(), idempotency: idempotency() })(async (input) => {
  const principal = requirePrincipal(input);
  const parts = (input.body ?? {}) as Record<string, unknown>;
  const image = await uploadProductImage(
    input.params.id,
    parts.file as UploadedFile | undefined,
    { actor: principal.subject, correlationId: input.headers['x-correlation-id'] },
    { ...catalogDeps(), s3, mediaBucket: config.mediaBucket, mediaBaseUrl: config.mediaBaseUrl },
  );
  return accepted(image, `/products/${input.params.id}`);
});
