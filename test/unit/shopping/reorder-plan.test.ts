import { describe, expect, it } from 'vitest';
import type { Product, Variant } from '../../../shared/catalog/model.js';
import type { OrderLine } from '../../../shared/orders/model.js';
import { fitsSoldBy, planReorder } from '../../../shared/shopping/reorder-plan.js';
import { anOrder } from '../orders/fixtures.js';

const at = '2030-01-01T00:00:00.000Z';
const variant = (sku: string, soldBy: Variant['soldBy']): Variant => ({ sku, name: sku, soldBy, price: { amount: 100, currency: 'GBP' } }) as Variant;
const product = (id: string, variants: Variant[], extra: Partial<Product> = {}): Product => ({
  id,
  slug: id.toLowerCase(),
  name: id,
  description: '',
  categoryId: 'C',
  categoryPath: 'c',
  tags: [],
  attributes: {},
  taxCategory: 'food',
  ageRestricted: false,
  variants,
  images: [],
  status: 'active',
  version: 1,
  createdAt: at,
  updatedAt: at,
  ...extra,
});
const base = anOrder().lines[0]!;
const line = (lineId: string, sku: string, productId: string, quantity: OrderLine['quantity'], extra: Partial<OrderLine> = {}): OrderLine => ({ ...base, lineId, sku, productId, name: sku, quantity, ...extra });

const products = new Map<string, Product>([
  ['MILK', product('MILK', [variant('MILK-1', 'each')])],
  ['CHEESE', product('CHEESE', [variant('CHEESE-1', 'weight')])],
  ['OLD', product('OLD', [variant('OLD-1', 'each')], { status: 'archived' })],
  ['BOX', product('BOX', [variant('BOX-1', 'each')], { bundle: { components: [{ sku: 'MILK-1', quantity: 2 }, { sku: 'CHEESE-1', quantity: 200 }] } })],
]);

describe('planReorder', () => {
  it('keeps each line it can add as ordered and gives every other its reason, in the order’s line order', () => {
    const available = new Map([
      ['MILK-1', 10],
      ['CHEESE-1', 300],
    ]);
    const lines = [
      line('L1', 'MILK-1', 'MILK', { count: 2 }, { substitution: 'best-match' }),
      line('L2', 'CHEESE-1', 'CHEESE', { grams: 500 }),
      line('L3', 'OLD-1', 'OLD', { count: 1 }),
      line('L4', 'MILK-2', 'MILK', { count: 1 }),
      line('L5', 'GONE-1', 'GONE', { count: 1 }),
      line('L6', 'MILK-1', 'MILK', { grams: 500 }),
      line('L7', 'BOX-1', 'BOX', { count: 1 }),
      line('L8', 'BOX-1', 'BOX', { count: 2 }),
    ];
    const { candidates, skipped } = planReorder(lines, { products, available, usableSubstitutes: new Set() });
    expect(candidates).toEqual([
      { orderLineId: 'L1', line: { sku: 'MILK-1', productId: 'MILK', quantity: { count: 2 }, substitution: 'best-match' } },
      { orderLineId: 'L7', line: { sku: 'BOX-1', productId: 'BOX', quantity: { count: 1 }, substitution: 'none' } },
    ]);
    expect(skipped.map((s) => [s.orderLineId, s.reason])).toEqual([
      ['L2', 'out-of-stock'],
      ['L3', 'product-archived'],
      ['L4', 'variant-gone'],
      ['L5', 'variant-gone'],
      ['L6', 'sold-differently'],
      // Two boxes need 400 g of cheese; the store has 300 g.
      ['L8', 'out-of-stock'],
    ]);
  });

  it('skips what the store does not stock, a bundle when any component is not stocked there', () => {
    const available = new Map([['MILK-1', 10]]);
    const { skipped } = planReorder([line('L1', 'CHEESE-1', 'CHEESE', { grams: 100 }), line('L2', 'BOX-1', 'BOX', { count: 1 })], { products, available, usableSubstitutes: new Set() });
    expect(skipped.map((s) => s.reason)).toEqual(['not-stocked-here', 'not-stocked-here']);
  });

  it('keeps a chosen substitute that can still stand in, and drops one that cannot (the line goes in as none)', () => {
    const available = new Map([['CHEESE-1', 5_000]]);
    const lines = [
      line('L1', 'CHEESE-1', 'CHEESE', { grams: 100 }, { substitution: 'specific', substituteSku: 'GOUDA-1' }),
      line('L2', 'CHEESE-1', 'CHEESE', { grams: 200 }, { substitution: 'specific', substituteSku: 'BRIE-1' }),
    ];
    const { candidates } = planReorder(lines, { products, available, usableSubstitutes: new Set(['GOUDA-1']) });
    expect(candidates.map((c) => [c.line.substitution, c.line.substituteSku])).toEqual([
      ['specific', 'GOUDA-1'],
      ['none', undefined],
    ]);
  });
});

describe('fitsSoldBy', () => {
  it('matches each kind of quantity to the ways of selling that take it', () => {
    expect(fitsSoldBy('each', { count: 1 })).toBe(true);
    expect(fitsSoldBy('pack', { count: 1, grams: 100 })).toBe(false);
    expect(fitsSoldBy('weight', { count: 3, grams: 360 })).toBe(true);
    expect(fitsSoldBy('weight', { count: 3 })).toBe(false);
    expect(fitsSoldBy('volume', { millilitres: 500 })).toBe(true);
    expect(fitsSoldBy('volume', { grams: 500 })).toBe(false);
  });
});
