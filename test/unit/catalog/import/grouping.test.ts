import { describe, expect, it } from 'vitest';
import { chunkGroups, groupLines, type ProductGroup } from '../../../../shared/catalog/import/group.js';
import { parseRecord, type LineResult } from '../../../../shared/catalog/import/parse-row.js';

function row(n: number, cells: Record<string, unknown>): LineResult {
  return parseRecord({
    row: n,
    cells: {
      product_name: `Product ${String(cells.product_slug)}`,
      category_path: 'pantry',
      tax_category: 'food',
      variant_name: 'Each',
      sold_by: 'each',
      price: '100',
      currency: 'GBP',
      ...cells,
    },
  });
}

async function* from<T>(items: T[]): AsyncGenerator<T> {
  for (const item of items) yield item;
}

async function groups(results: LineResult[]): Promise<ProductGroup[]> {
  const out: ProductGroup[] = [];
  for await (const g of groupLines(from(results))) out.push(g);
  return out;
}

describe('grouping rows into products', () => {
  it('makes one product of consecutive rows with the same slug', async () => {
    const out = await groups([
      row(2, { product_slug: 'beans', sku: 'BN-1' }),
      row(3, { product_slug: 'beans', sku: 'BN-4' }),
      row(4, { product_slug: 'rice', sku: 'RC-1' }),
    ]);
    expect(out.map((g) => [g.slug, g.firstRow, g.lastRow, g.rowCount, g.lines.map((l) => l.variant.sku)])).toEqual([
      ['beans', 2, 3, 2, ['BN-1', 'BN-4']],
      ['rice', 4, 4, 1, ['RC-1']],
    ]);
  });

  it('keeps an invalid row with its product, so a bad row does not split it', async () => {
    const out = await groups([
      row(2, { product_slug: 'beans', sku: 'BN-1' }),
      row(3, { product_slug: 'beans', sku: 'BN-4', price: 'free' }),
      parseRecord({ row: 4, unreadable: 'has 2 cells; the header has 9' }),
      row(5, { product_slug: 'beans', sku: 'BN-6' }),
    ]);
    expect(out).toHaveLength(1);
    expect(out[0]!.rowCount).toBe(4);
    expect(out[0]!.lines.map((l) => l.row)).toEqual([2, 5]);
    expect(out[0]!.errors.map((e) => [e.row, e.field])).toEqual([
      [3, 'price'],
      [4, 'row'],
    ]);
  });

  it('rejects rows of a product that reappears after another one', async () => {
    const out = await groups([
      row(2, { product_slug: 'beans', sku: 'BN-1' }),
      row(3, { product_slug: 'rice', sku: 'RC-1' }),
      row(4, { product_slug: 'beans', sku: 'BN-4' }),
    ]);
    expect(out[2]!.lines).toEqual([]);
    expect(out[2]!.errors).toEqual([
      { row: 4, sku: 'BN-4', field: 'product_slug', message: 'the rows of product beans must follow each other; it already appeared at row 2' },
    ]);
  });

  it('rejects a SKU that already appeared earlier in the file', async () => {
    const out = await groups([row(2, { product_slug: 'beans', sku: 'BN-1' }), row(3, { product_slug: 'rice', sku: 'BN-1' })]);
    expect(out[1]!.errors).toEqual([{ row: 3, sku: 'BN-1', field: 'sku', message: 'SKU BN-1 already appears at row 2' }]);
  });

  it("rejects a row whose product columns differ from the product's first row, per column", async () => {
    const out = await groups([
      row(2, { product_slug: 'beans', sku: 'BN-1', tags: 'tinned' }),
      row(3, { product_slug: 'beans', sku: 'BN-4', tags: 'tinned', product_name: 'Other', tax_category: 'non-food' }),
      row(4, { product_slug: 'beans', sku: 'BN-6', tags: 'tinned' }),
    ]);
    expect(out[0]!.lines.map((l) => l.row)).toEqual([2, 4]);
    expect(out[0]!.errors.map((e) => [e.row, e.field, e.message])).toEqual([
      [3, 'product_name', 'differs from row 2: every row of product beans must give the same product_name'],
      [3, 'tax_category', 'differs from row 2: every row of product beans must give the same tax_category'],
    ]);
  });
});

describe('chunking products', () => {
  it('packs whole products into chunks of about the given number of rows', async () => {
    const results = [
      ...[2, 3, 4].map((n) => row(n, { product_slug: 'a', sku: `A-${n}` })),
      ...[5, 6].map((n) => row(n, { product_slug: 'b', sku: `B-${n}` })),
      row(7, { product_slug: 'c', sku: 'C-7' }),
    ];
    const chunks: string[][] = [];
    for await (const chunk of chunkGroups(groupLines(from(results)), 4)) chunks.push(chunk.map((g) => g.slug));
    expect(chunks).toEqual([['a'], ['b', 'c']]);
  });
});

describe('a file that breaks off', () => {
  it('hands on the rows read before the break, then raises the error', async () => {
    async function* breaking(): AsyncGenerator<LineResult> {
      yield row(2, { product_slug: 'a', sku: 'A-2' });
      yield row(3, { product_slug: 'b', sku: 'B-3' });
      throw new Error('unclosed quote');
    }
    const seen: string[][] = [];
    const error = await (async () => {
      for await (const chunk of chunkGroups(groupLines(breaking()), 100)) seen.push(chunk.map((g) => g.slug));
    })().catch((e: unknown) => e);
    expect(seen).toEqual([['a', 'b']]);
    expect((error as Error).message).toBe('unclosed quote');
  });
});
