import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertWithinSkuCaps, HOLD_LIMITS, heldSkus, holdLimitItems, skuCap } from '../../../shared/carts/hold-limits.js';
import type { LineQuantity } from '../../../shared/carts/model.js';

const quantity: fc.Arbitrary<LineQuantity> = fc.oneof(
  fc.record({ count: fc.integer({ min: 1, max: 99 }) }),
  fc.record({ grams: fc.integer({ min: 50, max: 25_000 }) }),
  fc.record({ count: fc.integer({ min: 1, max: 20 }), grams: fc.integer({ min: 50, max: 25_000 }) }),
  fc.record({ millilitres: fc.integer({ min: 50, max: 25_000 }) }),
);

describe('what a basket holds per SKU', () => {
  it('adds up lines of one SKU in its stock unit: items, grams for weighed goods (even counted ones), millilitres', () => {
    expect(
      heldSkus([
        { sku: 'MILK', quantity: { count: 2 } },
        { sku: 'BANANA', quantity: { count: 3, grams: 360 } },
        { sku: 'MILK', quantity: { count: 5 } },
        { sku: 'BANANA', quantity: { grams: 500 } },
        { sku: 'OIL', quantity: { millilitres: 750 } },
      ]),
    ).toEqual([
      { sku: 'MILK', unit: 'count', quantity: 7 },
      { sku: 'BANANA', unit: 'grams', quantity: 860 },
      { sku: 'OIL', unit: 'millilitres', quantity: 750 },
    ]);
  });

  it('keeps every unit of every line, once per SKU', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ sku: fc.constantFrom('A', 'B', 'C'), quantity }), { maxLength: 20 }), (lines) => {
        const held = heldSkus(lines);
        expect(new Set(held.map((h) => h.sku)).size).toBe(held.length);
        const stock = (q: LineQuantity) => ('grams' in q ? q.grams : 'millilitres' in q ? q.millilitres : q.count);
        expect(held.reduce((sum, h) => sum + h.quantity, 0)).toBe(lines.reduce((sum, line) => sum + stock(line.quantity), 0));
      }),
    );
  });

  it('refuses a basket asking on its own for more of a SKU than anyone may hold, and accepts one at the cap', () => {
    expect(() => assertWithinSkuCaps('store-1', [{ sku: 'MILK', unit: 'count', quantity: HOLD_LIMITS.perSku.count }])).not.toThrow();
    expect(() => assertWithinSkuCaps('store-1', [{ sku: 'MILK', unit: 'count', quantity: 25 }])).toThrow(/at most 24 items of MILK/);
    expect(() => assertWithinSkuCaps('store-1', [{ sku: 'BEEF', unit: 'grams', quantity: 12_001 }])).toThrow(/at most 12000 grams/);
    expect(skuCap('millilitres')).toBe(12_000);
  });
});

describe('the items a hold adds to its transaction', () => {
  it('adds to the counter under the limits as conditions, and claims what it added', () => {
    const [counter, claim] = holdLimitItems('table', { shopperId: 's1', storeId: 'store-1', reservationId: 'cart-1-v3' }, [{ sku: 'MILK', unit: 'count', quantity: 5 }], new Date('2030-01-01T00:00:00Z'));
    expect(counter?.Update).toMatchObject({
      Key: { pk: 'HOLD_LIMITS#s1#store-1', sk: 'HOLD_LIMITS' },
      ConditionExpression: '(attribute_not_exists(#active) OR #active < :maxHolds) AND (attribute_not_exists(#q0) OR #q0 <= :c0)',
      ExpressionAttributeNames: { '#active': 'active', '#q0': 'q#MILK' },
      ExpressionAttributeValues: expect.objectContaining({ ':maxHolds': 2, ':q0': 5, ':c0': 19 }),
    });
    expect(counter?.Update?.UpdateExpression).toMatch(/ADD #active :one, #q0 :q0$/);
    expect(claim?.Put).toMatchObject({ Item: { pk: 'HOLD_CLAIM#cart-1-v3', skus: { MILK: 5 }, shopperId: 's1', storeId: 'store-1' }, ConditionExpression: 'attribute_not_exists(pk)' });
  });
});
