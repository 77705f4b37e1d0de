import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { productImageUploadedV1 } from '../../events/catalog/product-image-uploaded.v1.js';
import { config } from '../../shared/config/config.js';
import { catalogDeps } from '../../shared/catalog/deps.js';
import { generateThumbnails } from '../../shared/catalog/images/thumbnails.js';
import { logger } from '../../shared/observability/index.js';
import { s3 } from '../../shared/storage/s3.js';

const processor = new BatchProcessor(EventType.SQS);

/** What the EventBridge rule delivers to the queue: the event, with SmartShelf's envelope as `detail`. */
const Delivered = z.object({
  'detail-type': z.literal(productImageUploadedV1.detailType),
  detail: z.object({ data: productImageUploadedV1.schema }),
});

async function processRecord(record: SQSRecord): Promise<void> {
  const parsed = Delivered.safeParse(JSON.parse(record.body));
  if (!parsed.success) {
    // A message of the wrong shape can never succeed; retrying would only delay it to the DLQ.
    logger.error('thumbnail message ignored: not a product.image-uploaded event', { body: record.body });
    return;
  }
  const { productId, imageId } = parsed.data.detail.data;
  const outcome = await generateThumbnails({ productId, imageId }, { ...catalogDeps(), s3, mediaBucket: config.mediaBucket });
  logger.info('thumbnails', { productId, imageId, outcome: outcome.kind, ...('reason' in outcome ? { reason: outcome.reason } : {}) });
}

/**
 * SQS consumer of `catalog-thumbnails`, fed by the `product.image-uploaded` rule: makes each
 * image's thumbnails and marks it ready. A record that fails (storage or table trouble) is
 * reported alone, so SQS retries just that one.
 */
export const handler = async (event: SQSEvent, context: Context) =>
  processPartialResponse(event, processRecord, processor, { context, throwOnFullBatchFailure: false });
