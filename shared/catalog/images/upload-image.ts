import type { S3Client } from '@aws-sdk/client-s3';
import { productImageUploadedV1 } from '../../../events/catalog/product-image-uploaded.v1.js';
import { keys } from '../../db/keys.js';
import { TransactionCancelled, transactWrite } from '../../db/transact.js';
import { AppError, ConflictError, NotFoundError } from '../../errors.js';
import { deleteObject, putObject } from '../../storage/s3.js';
import type { Actor, CatalogDeps } from '../deps.js';
import { catalogEvent } from '../events.js';
import { ImageRef } from '../model.js';
import { getProductRecord } from '../repository.js';
import { toImageView, type ImageView } from '../views.js';
import { ACCEPTED_IMAGE_TYPES, sniffImageType } from './image-type.js';
import { IMMUTABLE_CACHE_CONTROL, originalKey } from './media-keys.js';

/** Largest accepted image: big enough for any product photo, small enough for one Lambda payload. */
export const MAX_IMAGE_BYTES = 5 * 1024 * 1024;
/** The model allows 20 images per product. */
export const MAX_IMAGES_PER_PRODUCT = 20;

export interface MediaDeps extends CatalogDeps {
  s3: S3Client;
  mediaBucket: string;
  mediaBaseUrl: string;
}

/** The uploaded file as the multipart parser hands it over. */
export interface UploadedFile {
  content: Buffer;
  filename?: string;
  mimetype?: string;
}

function tooMany(productId: string): ConflictError {
  return new ConflictError('too-many-images', `Product ${productId} already has ${MAX_IMAGES_PER_PRODUCT} images, the most it may have.`, {
    extensions: { maxImages: MAX_IMAGES_PER_PRODUCT },
  });
}

/**
 * Checks an upload: present, not empty, at most 5 MB, and by its content a JPEG, PNG or WebP
 * (a text file renamed `.png` is refused whatever its name or declared type says).
 * @returns the type its bytes show
 */
export function checkUpload(file: UploadedFile | undefined): ImageRef['contentType'] {
  if (!file || !Buffer.isBuffer(file.content)) {
    throw new AppError('invalid', 'file-required', 'Send the image as a multipart/form-data file part named "file".');
  }
  if (file.content.length === 0) throw new AppError('invalid', 'file-empty', 'The uploaded file is empty.');
  if (file.content.length > MAX_IMAGE_BYTES) {
    throw new AppError('too-large', 'image-too-large', `The image is ${file.content.length} bytes; at most ${MAX_IMAGE_BYTES} (5 MB) are accepted.`, {
      extensions: { maxBytes: MAX_IMAGE_BYTES },
    });
  }
  const type = sniffImageType(file.content);
  if (!type) {
    throw new AppError(
      'unsupported-media-type',
      'unsupported-image-type',
      `The file is not a JPEG, PNG or WebP image (judged by its content, not its name or declared type). Accepted: ${ACCEPTED_IMAGE_TYPES.join(', ')}.`,
      { extensions: { acceptedTypes: ACCEPTED_IMAGE_TYPES } },
    );
  }
  return type;
}

/**
 * Adds an image to a product: stores the original in the media bucket, then appends it to the
 * product as `processing` (conditionally: the product exists and has room) in one transaction with
 * `product.image-uploaded`, which sends `catalog-generate-thumbnails` to make its thumbnails. If
 * that transaction fails the stored original is removed again, so a refused upload leaves nothing behind.
 * @throws AppError 400/413/415 for a missing, oversize or non-image file; NotFoundError (404); ConflictError (409, too many images)
 */
export async function uploadProductImage(productId: string, file: UploadedFile | undefined, who: Actor, deps: MediaDeps): Promise<ImageView> {
  const contentType = checkUpload(file);
  const product = await getProductRecord(deps, productId);
  if (!product) throw new NotFoundError('Product', productId);
  if (product.images.length >= MAX_IMAGES_PER_PRODUCT) throw tooMany(productId);

  const imageId = deps.newId();
  const now = deps.now().toISOString();
  const image = ImageRef.parse({
    id: imageId,
    contentType,
    key: originalKey(productId, imageId, contentType),
    status: 'processing',
    thumbnails: {},
    uploadedAt: now,
  } satisfies ImageRef);

  await putObject(deps.s3, {
    bucket: deps.mediaBucket,
    key: image.key,
    body: file!.content,
    contentType,
    cacheControl: IMMUTABLE_CACHE_CONTROL,
  });
  try {
    await transactWrite(deps, [
      {
        Update: {
          TableName: deps.tableName,
          Key: keys.product(productId),
          UpdateExpression: 'SET images = list_append(images, :image), version = version + :one, updatedAt = :now',
          ConditionExpression: 'attribute_exists(pk) AND size(images) < :max',
          ExpressionAttributeValues: { ':image': [image], ':one': 1, ':now': now, ':max': MAX_IMAGES_PER_PRODUCT },
        },
      },
      catalogEvent(deps, productImageUploadedV1, { productId, imageId, key: image.key, contentType }, who, imageId),
    ]);
  } catch (error) {
    await deleteObject(deps.s3, deps.mediaBucket, image.key);
    if (!(error instanceof TransactionCancelled) || !error.failedConditions().includes(0)) throw error;
    if (!(await getProductRecord(deps, productId))) throw new NotFoundError('Product', productId);
    throw tooMany(productId);
  }
  return toImageView(image, deps.mediaBaseUrl);
}
