import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { packTransactions, type PackLimits, type Weight } from '../../../../shared/catalog/import/pack.js';

const LIMITS: PackLimits = { items: 100, products: 10, bytes: 2 * 1024 * 1024 };
const weightOf = (w: Weight) => w;
const total = (batch: readonly Weight[], key: keyof Weight) => batch.reduce((n, w) => n + w[key], 0);

const weights = fc.array(fc.record({ items: fc.integer({ min: 1, max: 120 }), bytes: fc.integer({ min: 100, max: 600_000 }) }), { maxLength: 60 });
const limits = fc.record({ items: fc.integer({ min: 1, max: 100 }), products: fc.integer({ min: 1, max: 12 }), bytes: fc.integer({ min: 1_000, max: 4_000_000 }) });

describe('packing products into shared transactions', () => {
  it('puts two 50-variant new products (52 items each) in transactions of their own, and 2-variant ones ten to a transaction', () => {
    const big = Array.from({ length: 3 }, () => ({ items: 52, bytes: 12_000 }));
    expect(packTransactions(big, weightOf, LIMITS).map((b) => b.length)).toEqual([1, 1, 1]);
    const small = Array.from({ length: 25 }, () => ({ items: 4, bytes: 1_500 }));
    expect(packTransactions(small, weightOf, LIMITS).map((b) => b.length)).toEqual([10, 10, 5]);
  });

  it('keeps every product exactly once and in order', () => {
    fc.assert(
      fc.property(weights, limits, (ws, l) => {
        expect(packTransactions(ws, weightOf, l).flat()).toEqual(ws);
      }),
    );
  });

  it('stays within every limit, except a product that alone exceeds one, which gets a transaction of its own', () => {
    fc.assert(
      fc.property(weights, limits, (ws, l) => {
        for (const batch of packTransactions(ws, weightOf, l)) {
          if (batch.length === 1) continue;
          expect(batch.length).toBeLessThanOrEqual(l.products);
          expect(total(batch, 'items')).toBeLessThanOrEqual(l.items);
          expect(total(batch, 'bytes')).toBeLessThanOrEqual(l.bytes);
        }
      }),
    );
  });

  it('uses the fewest transactions a greedy order allows: no transaction could have taken the next one\'s first product', () => {
    fc.assert(
      fc.property(weights, limits, (ws, l) => {
        const batches = packTransactions(ws, weightOf, l);
        for (let i = 0; i + 1 < batches.length; i++) {
          const grown = [...batches[i]!, batches[i + 1]![0]!];
          const fits = grown.length <= l.products && total(grown, 'items') <= l.items && total(grown, 'bytes') <= l.bytes;
          expect(fits).toBe(false);
        }
      }),
    );
  });
});
