import { describe, expect, it } from 'vitest';
import { ListProductsQuery, UpdateProductRequest } from '../../../shared/catalog/requests.js';
import { fieldErrors } from '../../../shared/http/validate.js';

describe('ListProductsQuery', () => {
  it('gathers attr.<name> parameters and applies the defaults', () => {
    expect(ListProductsQuery.parse({ 'attr.dietary': 'vegan', 'attr.origin': 'GB', tag: 'bbq' })).toEqual({
      tag: 'bbq',
      status: 'active',
      limit: 24,
      attr: { dietary: 'vegan', origin: 'GB' },
    });
  });

  it('reads limit from its query-string text and bounds it to 1..100', () => {
    expect(ListProductsQuery.parse({ limit: '100' })).toMatchObject({ limit: 100 });
    for (const limit of ['0', '101', '2.5', 'ten']) {
      const result = ListProductsQuery.safeParse({ limit });
      expect(result.success, `limit=${limit}`).toBe(false);
    }
  });

  it('names each unknown parameter while still allowing attribute filters', () => {
    const result = ListProductsQuery.safeParse({ colour: 'red', sort: 'price', 'attr.dietary': 'vegan' });
    expect(result.success).toBe(false);
    const errors = fieldErrors('query', result.error!);
    expect(errors).toEqual([{ field: 'query', message: 'unknown fields: colour, sort' }]);
  });

  it('refuses attribute filters that name no valid attribute', () => {
    expect(ListProductsQuery.safeParse({ 'attr.': 'x' }).success).toBe(false);
    expect(ListProductsQuery.safeParse({ 'attr.Bad-Name': 'x' }).success).toBe(false);
  });
});

describe('UpdateProductRequest', () => {
  it('accepts null for removable fields and single attributes', () => {
    expect(UpdateProductRequest.safeParse({ version: 2, brand: null, bundle: null, attributes: { organic: null } }).success).toBe(true);
  });

  it('refuses null for fields that cannot be removed', () => {
    const result = UpdateProductRequest.safeParse({ version: 2, name: null, variants: null });
    expect(fieldErrors('body', result.error!).map((e) => e.field).sort()).toEqual(['body.name', 'body.variants']);
  });

  it('refuses a patch that changes nothing but names a version', () => {
    const result = UpdateProductRequest.safeParse({ version: 2 });
    expect(fieldErrors('body', result.error!)).toEqual([{ field: 'body', message: 'must change at least one field' }]);
  });
});
