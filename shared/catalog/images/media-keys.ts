import type { ImageRef } from '../model.js';

/**
 * Where product images live in the media bucket. The scheme is public (integrators build URLs
 * from it, `integration-files/catalog/IMAGES.md`), so it changes only with a new version there:
 *
 *   products/<productId>/images/<imageId>/original.<jpg|png|webp>
 *   products/<productId>/images/<imageId>/w<width>.webp
 */

export type ImageContentType = ImageRef['contentType'];

/** Thumbnail widths in pixels; each is stored as `w<width>.webp` and listed under the key `w<width>`. */
export const THUMBNAIL_WIDTHS = [160, 480] as const;

const EXTENSION: Record<ImageContentType, string> = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp' };

export function imagePrefix(productId: string, imageId: string): string {
  return `products/${productId}/images/${imageId}/`;
}

export function originalKey(productId: string, imageId: string, contentType: ImageContentType): string {
  return `${imagePrefix(productId, imageId)}original.${EXTENSION[contentType]}`;
}

export function thumbnailName(width: number): string {
  return `w${width}`;
}

export function thumbnailKey(productId: string, imageId: string, width: number): string {
  return `${imagePrefix(productId, imageId)}${thumbnailName(width)}.webp`;
}

/** Objects under these keys never change (a new upload gets a new image id), so caches may keep them forever. */
export const IMMUTABLE_CACHE_CONTROL = 'public, max-age=31536000, immutable';
