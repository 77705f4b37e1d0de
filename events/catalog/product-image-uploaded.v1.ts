import { z } from 'zod';
import { defineEvent } from '../contract.js';

/** An original product image is in the media bucket and waits for its thumbnails. */
export const productImageUploadedV1 = defineEvent({
  source: 'smartshelf.catalog',
  detailType: 'product.image-uploaded',
  version: 1,
  schema: z.strictObject({
    productId: z.string(),
    imageId: z.string(),
    key: z.string(),
    contentType: z.enum(['image/jpeg', 'image/png', 'image/webp']),
  }),
});
