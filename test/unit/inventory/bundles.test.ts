import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../shared/errors.js';
import { bundleAvailability, expandLines, mergeLines, stockUnit, type CatalogSku } from '../../../shared/inventory/bundles.js';
import { MAX_QUANTITY } from '../../../shared/inventory/model.js';

const plain = (sku: string): CatalogSku => ({ sku, productId: `P-${sku}`, soldBy: 'each' });
const bundleOf = (sku: string, components: { sku: string; quantity: number }[]): CatalogSku => ({ ...plain(sku), components });
const catalogOf = (...entries: CatalogSku[]) => new Map(entries.map((e) => [e.sku, e]));

function thrown(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error('expected a ValidationError');
}

describe('expandLines', () => {
  it('merges duplicate SKUs, keeping the order they first appear in', () => {
    const catalog = catalogOf(plain('A'), plain('B'));
    expect(expandLines([{ sku: 'B', quantity: 1 }, { sku: 'A', quantity: 2 }, { sku: 'B', quantity: 3 }], catalog)).toEqual({
      requested: [{ sku: 'B', quantity: 4 }, { sku: 'A', quantity: 2 }],
      stocked: [{ sku: 'B', quantity: 4 }, { sku: 'A', quantity: 2 }],
    });
  });

  it('holds a bundle as its components times its quantity, merged with the same SKUs bought alone', () => {
    const catalog = catalogOf(plain('A'), plain('B'), bundleOf('BOX', [{ sku: 'A', quantity: 1 }, { sku: 'B', quantity: 2 }]));
    expect(expandLines([{ sku: 'BOX', quantity: 3 }, { sku: 'B', quantity: 1 }], catalog)).toEqual({
      requested: [{ sku: 'BOX', quantity: 3 }, { sku: 'B', quantity: 1 }],
      stocked: [{ sku: 'A', quantity: 3 }, { sku: 'B', quantity: 7 }],
    });
  });

  it('expands bundles of bundles, and refuses nesting deeper than three', () => {
    const inner = bundleOf('INNER', [{ sku: 'A', quantity: 2 }]);
    const outer = bundleOf('OUTER', [{ sku: 'INNER', quantity: 3 }]);
    expect(expandLines([{ sku: 'OUTER', quantity: 2 }], catalogOf(plain('A'), inner, outer)).stocked).toEqual([{ sku: 'A', quantity: 12 }]);

    const loop = catalogOf(bundleOf('X', [{ sku: 'Y', quantity: 1 }]), bundleOf('Y', [{ sku: 'X', quantity: 1 }]));
    expect(thrown(() => expandLines([{ sku: 'X', quantity: 1 }], loop)).fields).toEqual([{ field: 'lines.0.sku', message: 'bundles nest more than 3 deep at Y' }]);
  });

  it('names every unknown SKU and missing component by its line', () => {
    const catalog = catalogOf(plain('A'), bundleOf('BOX', [{ sku: 'GONE', quantity: 1 }]));
    const error = thrown(() => expandLines([{ sku: 'A', quantity: 1 }, { sku: 'NOPE', quantity: 1 }, { sku: 'BOX', quantity: 1 }], catalog, 'body.lines'));
    expect(error.fields).toEqual([
      { field: 'body.lines.1.sku', message: 'no product has the SKU NOPE' },
      { field: 'body.lines.2.sku', message: 'bundle component GONE is not in the catalog' },
    ]);
  });

  it('refuses a bundle whose expansion exceeds the largest quantity', () => {
    const catalog = catalogOf(plain('A'), bundleOf('BOX', [{ sku: 'A', quantity: 100 }]));
    expect(thrown(() => expandLines([{ sku: 'BOX', quantity: MAX_QUANTITY }], catalog)).fields?.[0]?.field).toBe('lines.0.quantity');
  });

  it('holds exactly the components’ quantities that the lines imply (property)', () => {
    const components = fc.uniqueArray(fc.constantFrom('A', 'B', 'C', 'D'), { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(
        fc.array(fc.record({ bundle: components, quantities: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 4, maxLength: 4 }) }), { minLength: 1, maxLength: 4 }),
        fc.array(fc.record({ sku: fc.constantFrom('A', 'B', 'C', 'D', 'K0', 'K1', 'K2', 'K3'), quantity: fc.integer({ min: 1, max: 50 }) }), { minLength: 1, maxLength: 12 }),
        (bundles, rawLines) => {
          const entries = [plain('A'), plain('B'), plain('C'), plain('D')];
          bundles.forEach((b, i) => entries.push(bundleOf(`K${i}`, b.bundle.map((sku, j) => ({ sku, quantity: b.quantities[j]! })))));
          const catalog = catalogOf(...entries);
          const lines = rawLines.filter((l) => catalog.has(l.sku));
          fc.pre(lines.length > 0);
          const { stocked } = expandLines(lines, catalog);
          const expected = new Map<string, number>();
          for (const line of lines) {
            for (const c of catalog.get(line.sku)!.components ?? [{ sku: line.sku, quantity: 1 }]) expected.set(c.sku, (expected.get(c.sku) ?? 0) + line.quantity * c.quantity);
          }
          expect(new Map(stocked.map((l) => [l.sku, l.quantity]))).toEqual(expected);
          expect(stocked.every((l) => !catalog.get(l.sku)!.components)).toBe(true);
        },
      ),
    );
  });
});

describe('mergeLines', () => {
  it('keeps the total quantity per SKU (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ sku: fc.constantFrom('A', 'B', 'C'), quantity: fc.integer({ min: 1, max: 1000 }) })), (lines) => {
        const merged = mergeLines(lines);
        expect(new Set(merged.map((l) => l.sku)).size).toBe(merged.length);
        for (const { sku, quantity } of merged) expect(quantity).toBe(lines.filter((l) => l.sku === sku).reduce((sum, l) => sum + l.quantity, 0));
      }),
    );
  });
});

describe('bundleAvailability', () => {
  it('is the fewest whole bundles the components allow', () => {
    const components = [
      { sku: 'A', quantity: 1 },
      { sku: 'B', quantity: 2 },
    ];
    expect(bundleAvailability(components, new Map([['A', 10], ['B', 7]]))).toBe(3);
    expect(bundleAvailability(components, new Map([['A', 10]]))).toBe(0);
    expect(bundleAvailability([], new Map())).toBe(0);
  });

  it('never promises more than the components hold, and one more bundle would be short of some component (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ quantity: fc.integer({ min: 1, max: 10 }), available: fc.integer({ min: 0, max: 500 }) }), { minLength: 1, maxLength: 6 }),
        (parts) => {
          const components = parts.map((p, i) => ({ sku: `C${i}`, quantity: p.quantity }));
          const available = new Map(parts.map((p, i) => [`C${i}`, p.available]));
          const n = bundleAvailability(components, available);
          expect(components.every((c) => n * c.quantity <= available.get(c.sku)!)).toBe(true);
          expect(components.some((c) => (n + 1) * c.quantity > available.get(c.sku)!)).toBe(true);
        },
      ),
    );
  });
});

describe('stockUnit', () => {
  it('counts weighed goods in grams and goods sold by volume in millilitres', () => {
    expect([stockUnit('each'), stockUnit('pack'), stockUnit('weight'), stockUnit('volume')]).toEqual(['item', 'pack', 'g', 'ml']);
  });
});
