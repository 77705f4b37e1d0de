import { z } from 'zod';
import { ValidationError } from '../errors.js';
import { keys } from '../db/keys.js';
import { Id } from './model.js';

/**
 * Pagination cursors: the DynamoDB `LastEvaluatedKey` of a page, as base64url JSON. They are
 * opaque to callers but not trusted: a decoded cursor must be a well-formed key of the listing
 * it is handed back to, or the request is a 400 rather than a DynamoDB validation error (a 500).
 */

const MAX_CURSOR_LENGTH = 2048;

/** The key of a product in the `PRODUCTS` listing of gsi1, which is what a products cursor holds. */
export const ProductListingKey = z
  .strictObject({ pk: z.string(), sk: z.literal('PRODUCT'), gsi1pk: z.literal('PRODUCTS'), gsi1sk: z.string() })
  .refine(
    (key) => {
      const id = key.pk.startsWith('PRODUCT#') ? key.pk.slice('PRODUCT#'.length) : '';
      return Id.safeParse(id).success && key.gsi1sk.endsWith(`#${id}`) && key.gsi1sk.length > id.length + 1;
    },
    { message: 'does not name a product of this listing' },
  );
export type ProductListingKey = z.infer<typeof ProductListingKey>;

/** Encodes a page's last evaluated key as an opaque cursor. */
export function encodeCursor(key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

const invalid = (message: string) => new ValidationError([{ field: 'query.cursor', message }], 'The cursor is not valid.');

/**
 * Decodes a cursor and checks it against the key shape of its listing.
 * @throws ValidationError (400) on anything that was not produced by `encodeCursor` for this listing
 */
export function decodeCursor<T>(cursor: string, shape: z.ZodType<T>): T {
  if (cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) {
    throw invalid('is not a cursor returned by this API');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid('is not a cursor returned by this API');
  }
  const result = shape.safeParse(parsed);
  if (!result.success) throw invalid('is not a cursor returned by this API');
  return result.data;
}

/** The listing key of a product, as it is stored on the item and as a cursor carries it. */
export function productListingKey(product: { id: string; categoryPath: string }): Record<string, string> {
  return { ...keys.product(product.id), ...keys.productListing(product.categoryPath, product.id) };
}
