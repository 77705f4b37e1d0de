import { describe, expect, it } from 'vitest';
import { LineNotFoundError, TooManyLinesError } from '../../../shared/carts/errors.js';
import { addLine, removeLine, updateLine } from '../../../shared/carts/lines.js';
import { MAX_LINES, type CartLine } from '../../../shared/carts/model.js';
import { ValidationError } from '../../../shared/errors.js';

const at = '2026-11-26T10:00:00.000Z';
const productId = '01JPRODUCT0000000000000000';
const id = (n: number) => `01JLINE${String(n).padStart(19, '0')}`;
const line = (n: number, extra: Partial<CartLine> = {}): CartLine => ({
  lineId: id(n),
  sku: `SKU-${n}`,
  productId,
  quantity: { count: 1 },
  substitution: 'none',
  addedAt: at,
  ...extra,
});
const cartWith = (lines: CartLine[]) => ({ id: '01JCART0000000000000000000', lines });

describe('addLine', () => {
  it('adds a new line with the fresh id when the SKU is not in the cart', () => {
    const change = addLine(cartWith([line(1)]), { sku: 'SKU-2', productId, quantity: { count: 2 }, substitution: 'best-match' }, { lineId: id(2), at });
    expect(change.merged).toBe(false);
    expect(change.lines.map((l) => l.lineId)).toEqual([id(1), id(2)]);
    expect(change.line).toEqual({ lineId: id(2), sku: 'SKU-2', productId, quantity: { count: 2 }, substitution: 'best-match', addedAt: at });
  });

  it('merges the same SKU with the same substitution into the existing line, keeping its id and position', () => {
    const change = addLine(cartWith([line(1, { quantity: { count: 2 } }), line(2)]), { sku: 'SKU-1', productId, quantity: { count: 3 }, substitution: 'none' }, { lineId: id(9), at });
    expect(change.merged).toBe(true);
    expect(change.lines.map((l) => [l.lineId, l.quantity])).toEqual([
      [id(1), { count: 5 }],
      [id(2), { count: 1 }],
    ]);
  });

  it('keeps the same SKU with another substitution as a line of its own', () => {
    const change = addLine(cartWith([line(1)]), { sku: 'SKU-1', productId, quantity: { count: 1 }, substitution: 'same-brand' }, { lineId: id(2), at });
    expect(change.merged).toBe(false);
    expect(change.lines).toHaveLength(2);
  });

  it('merges a specific preference only into a line that chose the same substitute SKU', () => {
    const cart = cartWith([line(1, { substitution: 'specific', substituteSku: 'OAT-1' })]);
    const same = addLine(cart, { sku: 'SKU-1', productId, quantity: { count: 1 }, substitution: 'specific', substituteSku: 'OAT-1' }, { lineId: id(2), at });
    expect(same.merged).toBe(true);
    const other = addLine(cart, { sku: 'SKU-1', productId, quantity: { count: 1 }, substitution: 'specific', substituteSku: 'SOY-1' }, { lineId: id(2), at });
    expect(other.merged).toBe(false);
    expect(other.line).toEqual({ lineId: id(2), sku: 'SKU-1', productId, quantity: { count: 1 }, substitution: 'specific', substituteSku: 'SOY-1', addedAt: at });
  });

  it(`refuses a ${MAX_LINES + 1}st line but still merges into one of the ${MAX_LINES}`, () => {
    const full = cartWith(Array.from({ length: MAX_LINES }, (_, i) => line(i)));
    expect(() => addLine(full, { sku: 'NEW', productId, quantity: { count: 1 }, substitution: 'none' }, { lineId: id(99), at })).toThrow(TooManyLinesError);
    expect(addLine(full, { sku: 'SKU-3', productId, quantity: { count: 1 }, substitution: 'none' }, { lineId: id(99), at }).line.quantity).toEqual({ count: 2 });
  });

  it('refuses a merge that passes the line limit', () => {
    expect(() =>
      addLine(cartWith([line(1, { quantity: { count: 98 } })]), { sku: 'SKU-1', productId, quantity: { count: 2 }, substitution: 'none' }, { lineId: id(2), at }),
    ).toThrow(ValidationError);
  });
});

describe('updateLine and removeLine', () => {
  it('replaces quantity and substitution independently and never merges', () => {
    const cart = cartWith([line(1), line(2, { sku: 'SKU-1', substitution: 'best-match' })]);
    const change = updateLine(cart, id(2), { substitution: 'none' });
    expect(change.lines.map((l) => [l.lineId, l.sku, l.substitution])).toEqual([
      [id(1), 'SKU-1', 'none'],
      [id(2), 'SKU-1', 'none'],
    ]);
    expect(updateLine(cart, id(1), { quantity: { count: 7 } }).line).toMatchObject({ quantity: { count: 7 }, substitution: 'none' });
  });

  it('replaces a preference whole: a line that stops being specific forgets its chosen SKU, a quantity change keeps it', () => {
    const cart = cartWith([line(1, { substitution: 'specific', substituteSku: 'OAT-1' })]);
    expect(updateLine(cart, id(1), { substitution: 'best-match' }).line).not.toHaveProperty('substituteSku');
    expect(updateLine(cart, id(1), { quantity: { count: 3 } }).line).toMatchObject({ quantity: { count: 3 }, substitution: 'specific', substituteSku: 'OAT-1' });
    expect(updateLine(cart, id(1), { substitution: 'specific', substituteSku: 'SOY-1' }).line.substituteSku).toBe('SOY-1');
  });

  it('removes a line and reports the line as it was', () => {
    const change = removeLine(cartWith([line(1), line(2)]), id(1));
    expect(change.lines.map((l) => l.lineId)).toEqual([id(2)]);
    expect(change.line.lineId).toBe(id(1));
  });

  it('answers an unknown line with LineNotFoundError', () => {
    expect(() => updateLine(cartWith([line(1)]), id(5), { substitution: 'best-match' })).toThrow(LineNotFoundError);
    expect(() => removeLine(cartWith([]), id(5))).toThrow(LineNotFoundError);
  });
});
