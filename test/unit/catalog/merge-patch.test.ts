import { describe, expect, it } from 'vitest';
import { applyMergePatch, jsonEqual } from '../../../shared/catalog/merge-patch.js';

const product = {
  name: 'Beans',
  brand: 'Acme',
  attributes: { dietary: ['vegan'], organic: false },
  variants: [{ sku: 'A1', price: 100 }, { sku: 'A2', price: 200 }],
};

describe('applyMergePatch', () => {
  it('leaves absent members alone and replaces present ones', () => {
    expect(applyMergePatch(product, { name: 'Baked Beans' })).toEqual({ ...product, name: 'Baked Beans' });
  });

  it('removes a member patched to null', () => {
    expect(applyMergePatch(product, { brand: null })).not.toHaveProperty('brand');
  });

  it('merges nested objects member by member, so one attribute can change or go', () => {
    expect(applyMergePatch(product, { attributes: { organic: true, dietary: null, origin: 'GB' } })).toEqual({
      ...product,
      attributes: { organic: true, origin: 'GB' },
    });
  });

  it('replaces arrays whole: a variants patch is the new list, not an element-wise merge', () => {
    const patched = applyMergePatch(product, { variants: [{ sku: 'A2', price: 250 }] }) as typeof product;
    expect(patched.variants).toEqual([{ sku: 'A2', price: 250 }]);
  });

  it('does not mutate the target or the patch', () => {
    const target = structuredClone(product);
    const patch = { attributes: { organic: true } };
    applyMergePatch(target, patch);
    expect(target).toEqual(product);
    expect(patch).toEqual({ attributes: { organic: true } });
  });

  it('replaces the whole target when the patch is not an object', () => {
    expect(applyMergePatch(product, ['x'])).toEqual(['x']);
    expect(applyMergePatch({ a: 'b' }, { a: { c: 'd' } })).toEqual({ a: { c: 'd' } });
  });
});

describe('jsonEqual', () => {
  it('compares by content, ignoring member order and undefined members', () => {
    expect(jsonEqual({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1, d: undefined })).toBe(true);
  });

  it('tells apart arrays of different order or length, and objects from arrays', () => {
    expect(jsonEqual([1, 2], [2, 1])).toBe(false);
    expect(jsonEqual([1], [1, 1])).toBe(false);
    expect(jsonEqual({ 0: 1 }, [1])).toBe(false);
    expect(jsonEqual({ price: { amount: 1 } }, { price: { amount: 2 } })).toBe(false);
  });
});
