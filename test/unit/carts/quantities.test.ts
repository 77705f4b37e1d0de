import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { QUANTITY_LIMITS } from '../../../shared/carts/model.js';
import { addQuantities, resolveQuantity, stockQuantity, type SellingUnit } from '../../../shared/carts/quantities.js';
import { ValidationError } from '../../../shared/errors.js';

const each: SellingUnit = { sku: 'MILK-1L', soldBy: 'each' };
const pack: SellingUnit = { sku: 'EGGS-6', soldBy: 'pack' };
const bananas: SellingUnit = { sku: 'BANANA-LOOSE', soldBy: 'weight', averageWeightGrams: 120 };
const cheese: SellingUnit = { sku: 'CHEDDAR-DELI', soldBy: 'weight' };
const olives: SellingUnit = { sku: 'OIL-REFILL', soldBy: 'volume' };

function fieldsOf(run: () => unknown): { field: string; message: string }[] {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).fields ?? [];
  }
  throw new Error('expected a ValidationError');
}

describe('resolveQuantity', () => {
  it('takes a count for items and packs', () => {
    expect(resolveQuantity(each, { count: 3 })).toEqual({ count: 3 });
    expect(resolveQuantity(pack, { count: 2 })).toEqual({ count: 2 });
  });

  it('refuses grams or millilitres for an item sold each, naming the field and the SKU', () => {
    expect(fieldsOf(() => resolveQuantity(each, { grams: 500 }))).toEqual([
      { field: 'body.quantity', message: 'MILK-1L is sold by the item: send a whole count' },
    ]);
    expect(fieldsOf(() => resolveQuantity(pack, { millilitres: 500 }))[0]?.message).toBe('EGGS-6 is sold by the pack: send a whole count');
  });

  it('takes grams for weighed goods, or converts a count with the average weight and keeps both', () => {
    expect(resolveQuantity(bananas, { grams: 750 })).toEqual({ grams: 750 });
    expect(resolveQuantity(bananas, { count: 6 })).toEqual({ count: 6, grams: 720 });
  });

  it('refuses a count of a weighed good that has no average weight', () => {
    expect(fieldsOf(() => resolveQuantity(cheese, { count: 2 }))).toEqual([
      { field: 'body.quantity.count', message: 'CHEDDAR-DELI is sold by weight and has no average item weight: send grams' },
    ]);
  });

  it('refuses a count whose converted weight passes the line limit', () => {
    const melons: SellingUnit = { sku: 'MELON', soldBy: 'weight', averageWeightGrams: 1500 };
    expect(fieldsOf(() => resolveQuantity(melons, { count: 20 }))).toEqual([
      { field: 'body.quantity.count', message: 'must come to between 50 and 25000 grams (20 × 1500 g), not 30000' },
    ]);
  });

  it('takes millilitres for goods sold by volume and nothing else', () => {
    expect(resolveQuantity(olives, { millilitres: 750 })).toEqual({ millilitres: 750 });
    expect(fieldsOf(() => resolveQuantity(olives, { count: 1 }))[0]?.message).toBe('OIL-REFILL is sold by volume: send millilitres');
    expect(fieldsOf(() => resolveQuantity(bananas, { millilitres: 100 }))[0]?.message).toBe('BANANA-LOOSE is sold by weight: send grams or a count');
  });

  it('reports the field path the caller gives', () => {
    expect(fieldsOf(() => resolveQuantity(each, { grams: 100 }, 'body.lines.2.quantity'))[0]?.field).toBe('body.lines.2.quantity');
  });

  it('always yields whole grams within the limits for any valid count of a weighed good', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 99 }), fc.integer({ min: 1, max: 100_000 }), (count, average) => {
        const unit: SellingUnit = { sku: 'W', soldBy: 'weight', averageWeightGrams: average };
        const grams = count * average;
        if (grams < QUANTITY_LIMITS.grams.min || grams > QUANTITY_LIMITS.grams.max) {
          expect(() => resolveQuantity(unit, { count })).toThrow(ValidationError);
        } else {
          const quantity = resolveQuantity(unit, { count });
          expect(quantity).toEqual({ count, grams });
          expect(Number.isInteger(stockQuantity(quantity))).toBe(true);
        }
      }),
    );
  });
});

describe('addQuantities', () => {
  it('adds counts, grams and millilitres of the same kind', () => {
    expect(addQuantities({ count: 2 }, { count: 3 })).toEqual({ count: 5 });
    expect(addQuantities({ grams: 200 }, { grams: 300 })).toEqual({ grams: 500 });
    expect(addQuantities({ millilitres: 500 }, { millilitres: 250 })).toEqual({ millilitres: 750 });
  });

  it('keeps a weighed count only while both sides are counts', () => {
    expect(addQuantities({ count: 2, grams: 240 }, { count: 1, grams: 120 })).toEqual({ count: 3, grams: 360 });
    expect(addQuantities({ count: 2, grams: 240 }, { grams: 100 })).toEqual({ grams: 340 });
    expect(addQuantities({ grams: 100 }, { count: 2, grams: 240 })).toEqual({ grams: 340 });
  });

  it('refuses a sum past the line limit, saying what is already there', () => {
    expect(fieldsOf(() => addQuantities({ count: 90 }, { count: 10 }))).toEqual([
      { field: 'body.quantity', message: 'together with the 90 items already in the cart this comes to 100; a line takes at most 99' },
    ]);
    expect(() => addQuantities({ grams: 20_000 }, { grams: 5_001 })).toThrow(ValidationError);
    expect(() => addQuantities({ count: 50, grams: 6_000 }, { count: 50, grams: 6_000 })).toThrow(ValidationError);
  });

  it('never mixes kinds: a count of items and grams cannot be added', () => {
    expect(() => addQuantities({ count: 1 }, { grams: 100 })).toThrow(/different kinds/);
  });
});

describe('stockQuantity', () => {
  it('reserves items, grams (the estimate for a counted weighed good) or millilitres', () => {
    expect(stockQuantity({ count: 4 })).toBe(4);
    expect(stockQuantity({ count: 3, grams: 360 })).toBe(360);
    expect(stockQuantity({ grams: 500 })).toBe(500);
    expect(stockQuantity({ millilitres: 750 })).toBe(750);
  });
});
