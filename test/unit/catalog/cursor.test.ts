import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, ProductListingKey, productListingKey } from '../../../shared/catalog/cursor.js';
import { ValidationError } from '../../../shared/errors.js';

const id = '01JABCDEFGHJKMNPQRSTVWXYZ0';
const key = productListingKey({ id, categoryPath: 'fresh-produce/fruit' });

function rejection(cursor: string): ValidationError {
  try {
    decodeCursor(cursor, ProductListingKey);
  } catch (error) {
    return error as ValidationError;
  }
  throw new Error(`cursor ${cursor} was accepted`);
}

describe('product listing cursors', () => {
  it('round-trips a listing key through an opaque URL-safe string', () => {
    const cursor = encodeCursor(key);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor, ProductListingKey)).toEqual({
      pk: `PRODUCT#${id}`,
      sk: 'PRODUCT',
      gsi1pk: 'PRODUCTS',
      gsi1sk: `fresh-produce/fruit#${id}`,
    });
  });

  it('rejects text that is not base64url JSON as a 400 on query.cursor', () => {
    for (const bad of ['not a cursor!', encodeCursor(key).slice(0, 10), '', 'x'.repeat(5000)]) {
      const error = rejection(bad);
      expect(error).toBeInstanceOf(ValidationError);
      expect(error.kind).toBe('invalid');
      expect(error.fields?.[0]?.field).toBe('query.cursor');
    }
  });

  it('rejects a tampered key: another index, extra attributes, or an id that does not match the listing key', () => {
    const tampered = [
      { ...key, gsi1pk: 'CATEGORIES' },
      { ...key, admin: true },
      { ...key, pk: 'PRODUCT#01JZZZZZZZZZZZZZZZZZZZZZZZ' },
      { ...key, pk: 'IMPORT#x' },
      { pk: key.pk, sk: key.sk },
      [key],
    ];
    for (const value of tampered) {
      expect(rejection(encodeCursor(value as Record<string, unknown>)).fields?.[0]?.field).toBe('query.cursor');
    }
  });
});
