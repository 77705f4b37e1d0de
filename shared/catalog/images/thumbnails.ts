import type { S3Client } from '@aws-sdk/client-s3';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import sharp from 'sharp';
import { keys } from '../../db/keys.js';
import { logger } from '../../observability/logger.js';
import { getObjectBytes, putObject } from '../../storage/s3.js';
import type { CatalogDeps } from '../deps.js';
import type { ImageRef } from '../model.js';
import { getProductRecord } from '../repository.js';
import { IMMUTABLE_CACHE_CONTROL, THUMBNAIL_WIDTHS, thumbnailKey, thumbnailName } from './media-keys.js';

export interface ThumbnailDeps extends CatalogDeps {
  s3: S3Client;
  mediaBucket: string;
}

/** Refuses decompression bombs: 50 megapixels is far beyond any product photo. */
const MAX_INPUT_PIXELS = 50_000_000;
/** Attempts at marking the image when other writes keep reordering the product's image list. */
const MAX_MARK_ATTEMPTS = 4;

export type ThumbnailOutcome =
  | { kind: 'ready'; image: ImageRef }
  | { kind: 'failed'; reason: string }
  | { kind: 'skipped'; reason: string };

/** The original's displayed size and one WebP per thumbnail width, EXIF orientation applied. */
async function render(original: Buffer): Promise<{ width: number; height: number; thumbnails: { width: number; height: number; data: Buffer }[] }> {
  const options = { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' as const };
  const metadata = await sharp(original, options).metadata();
  const thumbnails = await Promise.all(
    THUMBNAIL_WIDTHS.map(async (width) => {
      const { data, info } = await sharp(original, options)
        .autoOrient()
        .resize({ width, withoutEnlargement: true })
        .webp({ quality: 80 })
        .toBuffer({ resolveWithObject: true });
      return { width: info.width, height: info.height, data };
    }),
  );
  return { width: metadata.autoOrient.width, height: metadata.autoOrient.height, thumbnails };
}

/**
 * Writes the image's new state at its current position in the product's list, on condition that
 * the image is still there: the list can change between read and write (another upload), so a
 * failed condition means "read again", never "overwrite whatever is there now".
 * @returns false when the product or the image no longer exists
 */
async function markImage(deps: CatalogDeps, productId: string, imageId: string, change: Partial<ImageRef>): Promise<boolean> {
  for (let attempt = 1; attempt <= MAX_MARK_ATTEMPTS; attempt++) {
    const product = await getProductRecord(deps, productId);
    const index = product?.images.findIndex((i) => i.id === imageId) ?? -1;
    if (index < 0) return false;
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ':id': imageId, ':one': 1, ':now': deps.now().toISOString() };
    const sets = Object.entries(change).map(([field, value], i) => {
      names[`#f${i}`] = field;
      values[`:v${i}`] = value;
      return `images[${index}].#f${i} = :v${i}`;
    });
    try {
      await deps.db.send(
        new UpdateCommand({
          TableName: deps.tableName,
          Key: keys.product(productId),
          UpdateExpression: `SET ${sets.join(', ')}, version = version + :one, updatedAt = :now`,
          ConditionExpression: `images[${index}].id = :id`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
  throw new Error(`image ${imageId} of product ${productId} kept moving; giving up for this delivery`);
}

function isMissingObject(error: unknown): boolean {
  const name = (error as { name?: unknown }).name;
  return name === 'NoSuchKey' || name === 'NotFound';
}

/**
 * Makes an uploaded image's thumbnails (160 and 480 px wide WebP, never enlarged), records its
 * dimensions and marks it `ready` on the product. Safe to repeat: a ready image is left alone,
 * and a redelivery part-way through overwrites the same keys. An original that cannot be decoded
 * (or has vanished) marks the image `failed` instead of retrying forever; storage and table
 * errors are thrown so the message is retried.
 */
export async function generateThumbnails(
  input: { productId: string; imageId: string },
  deps: ThumbnailDeps,
): Promise<ThumbnailOutcome> {
  const { productId, imageId } = input;
  const product = await getProductRecord(deps, productId);
  const image = product?.images.find((i) => i.id === imageId);
  if (!product || !image) return { kind: 'skipped', reason: product ? 'the image was removed' : 'the product does not exist' };
  if (image.status !== 'processing') return { kind: 'skipped', reason: `the image is already ${image.status}` };

  let original: Buffer;
  try {
    original = await getObjectBytes(deps.s3, deps.mediaBucket, image.key);
  } catch (error) {
    if (!isMissingObject(error)) throw error;
    await markImage(deps, productId, imageId, { status: 'failed' });
    return { kind: 'failed', reason: 'the original is missing from the media bucket' };
  }

  let rendered: Awaited<ReturnType<typeof render>>;
  try {
    rendered = await render(original);
  } catch (error) {
    logger.warn('image cannot be decoded', { productId, imageId, error: error as Error });
    await markImage(deps, productId, imageId, { status: 'failed' });
    return { kind: 'failed', reason: `the image cannot be decoded: ${(error as Error).message}` };
  }

  const stored = await Promise.all(
    rendered.thumbnails.map(async (thumb, i) => {
      const width = THUMBNAIL_WIDTHS[i]!;
      const key = thumbnailKey(productId, imageId, width);
      await putObject(deps.s3, { bucket: deps.mediaBucket, key, body: thumb.data, contentType: 'image/webp', cacheControl: IMMUTABLE_CACHE_CONTROL });
      return [thumbnailName(width), { key, width: thumb.width, height: thumb.height }] as const;
    }),
  );
  const thumbnails: ImageRef['thumbnails'] = Object.fromEntries(stored);
  const change = { status: 'ready' as const, width: rendered.width, height: rendered.height, thumbnails };
  if (!(await markImage(deps, productId, imageId, change))) return { kind: 'skipped', reason: 'the image was removed meanwhile' };
  return { kind: 'ready', image: { ...image, ...change } };
}
