import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { headerProblems } from '../../../../shared/catalog/import/columns.js';
import { headerError } from '../../../../shared/catalog/import/errors.js';
import { CARD_NUMBER_CELL_MESSAGE, parseRecord, type SourceRecord } from '../../../../shared/catalog/import/parse-row.js';
import { readRecords, type ImportFormat } from '../../../../shared/catalog/import/readers.js';

const row: Record<string, unknown> = {
  product_slug: 'british-apples',
  product_name: 'British Apples',
  description: 'Crisp and sweet.',
  category_path: 'fresh-produce/fruit',
  tax_category: 'food',
  sku: 'APL-6PK',
  variant_name: 'Pack of 6',
  sold_by: 'pack',
  price: '250',
  currency: 'GBP',
  pack_size: '6',
  barcode: '4006381333931',
};

const SPELLINGS = [
  '4242424242424242',
  '4242 4242 4242 4242',
  '4242-4242-4242-4242',
  '4242.4242.4242.4242',
  '4242/4242/4242/4242',
  '4242_4242_4242_4242',
  '4242 - 4242.4242/4242',
  '3782 822463 10005',
  'call me, my card is 5555555555554444 exp 12/34',
];

async function read(format: ImportFormat, text: string): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  for await (const record of readRecords(format, Readable.from([text]))) out.push(record);
  return out;
}

describe('card numbers in import rows', () => {
  it.each(SPELLINGS)('refuses a row with %s in a cell, naming the column and never the value', (card) => {
    for (const column of ['description', 'product_name', 'variant_name', 'brand', 'tags', 'attributes']) {
      const value = column === 'attributes' ? `note=${card}` : card;
      const result = parseRecord({ row: 5, cells: { ...row, [column]: value } });
      expect(result).toEqual({
        ok: false,
        row: 5,
        slug: 'british-apples',
        sku: 'APL-6PK',
        errors: [{ row: 5, sku: 'APL-6PK', field: column, message: CARD_NUMBER_CELL_MESSAGE }],
      });
    }
  });

  it('leaves the SKU and slug out of the report when they are the card-like cells', () => {
    const result = parseRecord({ row: 3, cells: { ...row, sku: '4242-4242-4242-4242', product_slug: '4000-0025-0000-3155' } });
    expect(result).toEqual({
      ok: false,
      row: 3,
      slug: undefined,
      sku: undefined,
      errors: [
        { row: 3, field: 'product_slug', message: CARD_NUMBER_CELL_MESSAGE },
        { row: 3, field: 'sku', message: CARD_NUMBER_CELL_MESSAGE },
      ],
    });
    expect(JSON.stringify(result)).not.toMatch(/4242|4000-0025/);
  });

  it('refuses JSON rows with a card number as a number, deep in a cell, or as a column name', () => {
    const asNumber = parseRecord({ row: 1, cells: { ...row, price: 4242424242424242 } });
    expect(!asNumber.ok && asNumber.errors.map((e) => e.field)).toEqual(['price']);
    const nested = parseRecord({ row: 2, cells: { ...row, attributes: { payment: [{ pan: '4242 4242 4242 4242' }] } } });
    expect(!nested.ok && nested.errors.map((e) => e.field)).toEqual(['attributes']);
    const named = parseRecord({ row: 3, cells: { ...row, '4242424242424242': 'x' } });
    expect(!named.ok && named.errors.map((e) => e.field)).toEqual(['*']);
  });

  it('imports a row whose barcode is any GTIN with a valid check digit', () => {
    const gs1 = (payload: string) => {
      const sum = [...payload].reverse().reduce((total, d, i) => total + Number(d) * (i % 2 === 0 ? 3 : 1), 0);
      return payload + String((10 - (sum % 10)) % 10);
    };
    fc.assert(
      fc.property(fc.constantFrom(8, 12, 13, 14).chain((length) => fc.stringMatching(new RegExp(`^\\d{${length - 1}}$`)).map(gs1)), (barcode) => {
        expect(parseRecord({ row: 2, cells: { ...row, barcode } }).ok).toBe(true);
      }),
    );
  });

  it('describes a malformed or too deeply nested JSON row by where it breaks, never by what it holds', async () => {
    const ndjson = [
      JSON.stringify(row),
      `{"description": "4242 4242 4242 4242", oops}`,
      `{"attributes": ${'['.repeat(100)}"4242424242424242"${']'.repeat(100)}}`,
      `{"description": "4242424242424242`,
    ].join('\n');
    const records = await read('ndjson', ndjson);
    expect(records.slice(1)).toEqual([
      { row: 2, unreadable: 'is not valid JSON: the syntax breaks at line 1, column 40' },
      { row: 3, unreadable: 'nests objects and arrays deeper than 64 levels (line 1, column 79)' },
      { row: 4, unreadable: 'is not valid JSON: it ends before the JSON is complete' },
    ]);
  });

  it('masks a header name that is a card number', async () => {
    const error = headerError(headerProblems(['product_slug', '4242 4242 4242 4242', 'sku']));
    expect(error.message).toContain('unknown columns: *');
    expect(JSON.stringify({ message: error.message, extensions: error.extensions })).not.toContain('4242');
    await expect(read('csv', 'product_slug,4242424242424242\nx,y\n')).rejects.toThrow(/unknown columns: \*/);
  });
});
