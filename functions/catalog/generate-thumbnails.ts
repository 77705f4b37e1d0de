import { productImageUploadedV1 } from '../../events/catalog/product-image-uploaded.v1.js';
import { config } from '../../shared/config/config.js';
import { catalogDeps } from '../../shared/catalog/deps.js';
import { generateThumbnails } from '../../shared/catalog/images/thumbnails.js';
import { eventConsumer } from '../../shared/events/consumer.js';
import { logger } from '../../shared/observability/logger.js';
import { s3 } from '../../shared/storage/s3.js';

/**
 * SQS consumer of `catalog-thumbnails`, fed by the `product.image-uploaded` rule: makes each
 * image's thumbnails and marks it ready; a redelivery of a finished image does nothing.
 */
export const handler = eventConsumer(productImageUploadedV1, async ({ productId, imageId }) => {
  const outcome = await generateThumbnails({ productId, imageId }, { ...catalogDeps(), s3, mediaBucket: config.mediaBucket });
  logger.info('thumbnails', { productId, imageId, outcome: outcome.kind, ...('reason' in outcome ? { reason: outcome.reason } : {}) });
});
