import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Order, OrderLine } from '../../../shared/orders/model.js';
import { rankPurchases } from '../../../shared/shopping/purchase-ranking.js';
import { anOrder } from '../orders/fixtures.js';

const base = anOrder().lines[0]!;
const lineOf = (sku: string, picked?: OrderLine['picked']): OrderLine => ({ ...base, lineId: `${sku}-line`, sku, productId: `P-${sku}`, ...(picked ? { picked } : {}) });
const orderOf = (createdAt: string, skus: string[], status: Order['status'] = 'completed') => ({ status, createdAt, lines: skus.map((sku) => lineOf(sku)) });

describe('rankPurchases', () => {
  it('ranks by orders containing the SKU, then by the latest of them, then by SKU', () => {
    const ranked = rankPurchases([
      orderOf('2030-01-01T00:00:00.000Z', ['MILK', 'EGGS', 'TEA']),
      orderOf('2030-01-02T00:00:00.000Z', ['MILK', 'MILK', 'TEA']),
      orderOf('2030-01-03T00:00:00.000Z', ['EGGS', 'BREAD']),
      orderOf('2030-01-04T00:00:00.000Z', ['BREAD', 'JAM']),
    ]);
    expect(ranked.map((p) => [p.sku, p.timesBought, p.lastBoughtAt.slice(0, 10)])).toEqual([
      ['BREAD', 2, '2030-01-04'],
      ['EGGS', 2, '2030-01-03'],
      ['MILK', 2, '2030-01-02'],
      ['TEA', 2, '2030-01-02'],
      ['JAM', 1, '2030-01-04'],
    ]);
  });

  it('counts only orders the shopper received, and what a line handed over', () => {
    const ranked = rankPurchases([
      orderOf('2030-01-01T00:00:00.000Z', ['MILK'], 'failed'),
      orderOf('2030-01-02T00:00:00.000Z', ['MILK'], 'cancelled'),
      orderOf('2030-01-03T00:00:00.000Z', ['MILK'], 'picking'),
      orderOf('2030-01-04T00:00:00.000Z', ['TEA'], 'partially-refunded'),
      {
        status: 'completed',
        createdAt: '2030-01-05T00:00:00.000Z',
        lines: [
          lineOf('EGGS', { total: 0, tax: 0 }),
          lineOf('CHEDDAR', { quantity: { grams: 400 }, substitute: { sku: 'GOUDA', productId: 'P-GOUDA', name: 'Gouda' }, total: 1, tax: 0 }),
          lineOf('BREAD', { quantity: { count: 1 }, total: 1, tax: 0 }),
        ],
      },
    ]);
    expect(ranked.map((p) => [p.sku, p.productId])).toEqual([
      ['BREAD', 'P-BREAD'],
      ['GOUDA', 'P-GOUDA'],
      ['TEA', 'P-TEA'],
    ]);
  });

  it('never counts a SKU more often than the orders received, and answers in a total order', () => {
    const sku = fc.constantFrom('A', 'B', 'C', 'D', 'E');
    const order = fc.record({
      status: fc.constantFrom<Order['status']>('completed', 'partially-refunded', 'failed', 'picking'),
      day: fc.integer({ min: 1, max: 28 }),
      skus: fc.array(sku, { minLength: 1, maxLength: 8 }),
    });
    fc.assert(
      fc.property(fc.array(order, { maxLength: 20 }), (orders) => {
        const built = orders.map((o) => orderOf(`2030-01-${String(o.day).padStart(2, '0')}T00:00:00.000Z`, o.skus, o.status));
        const received = built.filter((o) => o.status === 'completed' || o.status === 'partially-refunded');
        const ranked = rankPurchases(built);
        for (const p of ranked) {
          const containing = received.filter((o) => o.lines.some((l) => l.sku === p.sku));
          expect(p.timesBought).toBe(containing.length);
          expect(p.lastBoughtAt).toBe(containing.map((o) => o.createdAt).sort().at(-1));
        }
        expect(new Set(ranked.map((p) => p.sku)).size).toBe(ranked.length);
        for (let i = 1; i < ranked.length; i++) {
          const [a, b] = [ranked[i - 1]!, ranked[i]!];
          expect(a.timesBought > b.timesBought || (a.timesBought === b.timesBought && (a.lastBoughtAt > b.lastBoughtAt || (a.lastBoughtAt === b.lastBoughtAt && a.sku < b.sku)))).toBe(true);
        }
        expect(rankPurchases([...built].reverse())).toEqual(ranked);
      }),
    );
  });
});
