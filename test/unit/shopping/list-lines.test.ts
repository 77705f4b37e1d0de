import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { QUANTITY_LIMITS } from '../../../shared/carts/model.js';
import type { AppError } from '../../../shared/errors.js';
import { patchLines } from '../../../shared/shopping/list-lines.js';
import { MAX_LIST_LINES, type ListLine } from '../../../shared/shopping/model.js';

const at = '2030-01-01T00:00:00.000Z';
const ids = () => {
  let n = 0;
  return () => `ID${String((n += 1)).padStart(24, '0')}`;
};
const lineOf = (lineId: string, sku: string, quantity: ListLine['quantity']): ListLine => ({ lineId, sku, productId: `P-${sku}`, quantity, addedAt: at });
const add = (sku: string, quantity: ListLine['quantity'], i = 0) => ({ sku, productId: `P-${sku}`, quantity, field: `body.add.${i}.quantity` });

describe('patchLines', () => {
  it('removes, then sets, then adds, merging a SKU already listed and keeping line ids', () => {
    const list = { id: 'L', lines: [lineOf('A', 'MILK', { count: 1 }), lineOf('B', 'TEA', { count: 1 }), lineOf('C', 'CHEESE', { grams: 200 })] };
    const lines = patchLines(list, { remove: ['B'], set: [{ lineId: 'C', quantity: { grams: 300 } }], add: [add('MILK', { count: 2 }), add('OIL', { millilitres: 500 }, 1), add('TEA', { count: 1 }, 2)] }, { newId: ids(), at });
    expect(lines.map((l) => [l.lineId, l.sku, l.quantity])).toEqual([
      ['A', 'MILK', { count: 3 }],
      ['C', 'CHEESE', { grams: 300 }],
      ['ID000000000000000000000001', 'OIL', { millilitres: 500 }],
      ['ID000000000000000000000002', 'TEA', { count: 1 }],
    ]);
  });

  it('names each line the list does not have', () => {
    const list = { id: 'L', lines: [lineOf('A', 'MILK', { count: 1 })] };
    const error = (() => {
      try {
        patchLines(list, { remove: ['X'], set: [{ lineId: 'Y', quantity: { count: 1 } }] }, { newId: ids(), at });
      } catch (e) {
        return e as AppError;
      }
      return undefined;
    })();
    expect(error?.fields).toEqual([
      { field: 'body.remove.0', message: 'the list has no line X' },
      { field: 'body.set.0.lineId', message: 'the list has no line Y' },
    ]);
  });

  it(`refuses a list past ${MAX_LIST_LINES} lines, and replaces a quantity of another kind rather than adding to it`, () => {
    const full = { id: 'L', lines: Array.from({ length: MAX_LIST_LINES }, (_, i) => lineOf(`L${i}`, `SKU-${i}`, { count: 1 })) };
    expect(() => patchLines(full, { add: [add('NEW', { count: 1 })] }, { newId: ids(), at })).toThrow(expect.objectContaining({ code: 'list-too-many-lines' }));
    const changed = patchLines({ id: 'L', lines: [lineOf('A', 'CHEESE', { count: 2 })] }, { add: [add('CHEESE', { grams: 300 })] }, { newId: ids(), at });
    expect(changed[0]!.quantity).toEqual({ grams: 300 });
  });

  it('adds counts of one SKU up to the line’s most and refuses past it, naming the field', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: QUANTITY_LIMITS.count.max }), { minLength: 1, maxLength: 6 }), (counts) => {
        const total = counts.reduce((a, b) => a + b, 0);
        const patch = { add: counts.map((count, i) => add('MILK', { count }, i)) };
        if (total <= QUANTITY_LIMITS.count.max) {
          expect(patchLines({ id: 'L', lines: [] }, patch, { newId: ids(), at })).toEqual([expect.objectContaining({ sku: 'MILK', quantity: { count: total } })]);
        } else {
          expect(() => patchLines({ id: 'L', lines: [] }, patch, { newId: ids(), at })).toThrow(expect.objectContaining({ kind: 'invalid' }));
        }
      }),
    );
  });
});
