import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { COLUMNS, headerProblems } from '../../../../shared/catalog/import/columns.js';
import { ImportFileError } from '../../../../shared/catalog/import/errors.js';
import { jsonArrayElements, MAX_ELEMENT_CHARS } from '../../../../shared/catalog/import/json-array.js';
import type { SourceRecord } from '../../../../shared/catalog/import/parse-row.js';
import { readRecords, type ImportFormat } from '../../../../shared/catalog/import/readers.js';

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** The text split into small pieces, as a network stream would deliver it. */
function chunked(text: string, size = 7): Readable {
  const pieces: Buffer[] = [];
  const bytes = Buffer.from(text);
  for (let i = 0; i < bytes.length; i += size) pieces.push(bytes.subarray(i, i + size));
  return Readable.from(pieces);
}

function read(format: ImportFormat, text: string, size?: number): Promise<SourceRecord[]> {
  return collect(readRecords(format, chunked(text, size)));
}

const HEADER = 'product_slug,product_name,category_path,tax_category,sku,variant_name,sold_by,price,currency';

describe('checking a header', () => {
  it('accepts every documented column in any order', () => {
    expect(headerProblems([...COLUMNS].reverse())).toEqual({ missing: [], unknown: [], duplicated: [] });
  });

  it('names missing required columns, unknown columns and repeated ones', () => {
    expect(headerProblems(['product_slug', 'sku', 'sku', 'colour', 'price'])).toEqual({
      missing: ['product_name', 'category_path', 'tax_category', 'variant_name', 'sold_by', 'currency'],
      unknown: ['colour'],
      duplicated: ['sku'],
    });
  });
});

describe('reading CSV', () => {
  it('streams rows as cells keyed by header, numbered by their line in the file', async () => {
    const csv = `${HEADER}\r\napples,Apples,fruit,food,APL-1,Each,each,30,GBP\r\n\r\npears,"Pears, Conference",fruit,food,PR-1,Each,each,35,GBP\r\n`;
    const rows = await read('csv', csv, 5);
    expect(rows).toEqual([
      { row: 2, cells: expect.objectContaining({ product_slug: 'apples', sku: 'APL-1', price: '30' }) },
      { row: 4, cells: expect.objectContaining({ product_name: 'Pears, Conference', sku: 'PR-1' }) },
    ]);
  });

  it('strips a UTF-8 byte order mark and skips rows whose cells are all blank', async () => {
    const rows = await read('csv', `\uFEFF${HEADER}\n,,,,,,,,\napples,Apples,fruit,food,APL-1,Each,each,30,GBP\n`);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ row: 3 });
  });

  it('reports a row with the wrong number of cells and carries on', async () => {
    const rows = await read('csv', `${HEADER}\napples,Apples\npears,Pears,fruit,food,PR-1,Each,each,35,GBP\n`);
    expect(rows[0]).toEqual({ row: 2, unreadable: 'has 2 cells; the header has 9' });
    expect(rows[1]).toMatchObject({ row: 3, cells: { sku: 'PR-1' } });
  });

  it('fails the file when the header misses required columns, naming them', async () => {
    const error = await read('csv', 'product_slug,sku,colour\nx,y,z\n').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImportFileError);
    expect((error as ImportFileError).message).toBe(
      'The header is not valid: missing required columns: product_name, category_path, tax_category, variant_name, sold_by, price, currency; unknown columns: colour.',
    );
    expect((error as ImportFileError).extensions).toMatchObject({ missingColumns: expect.arrayContaining(['price']), unknownColumns: ['colour'] });
  });

  it('fails an empty file and an unclosed quote as unreadable files', async () => {
    await expect(read('csv', '')).rejects.toThrow('The file is empty');
    await expect(read('csv', `${HEADER}\n"apples,Apples,fruit,food,APL-1,Each,each,30,GBP\n`)).rejects.toThrow(/^The CSV cannot be read: /);
  });
});

describe('reading a JSON array', () => {
  it('streams each element, numbered from 1, however the text is split', async () => {
    const json = ' [ {"sku": "A-1", "name": "a, [b] {c}"}, {"sku":"B-2","note":"quote \\" and \\\\"} ,{"sku":"C-3"} ]\n';
    for (const size of [1, 3, 1000]) {
      const rows = await read('json', json, size);
      expect(rows).toEqual([
        { row: 1, cells: { sku: 'A-1', name: 'a, [b] {c}' } },
        { row: 2, cells: { sku: 'B-2', note: 'quote " and \\' } },
        { row: 3, cells: { sku: 'C-3' } },
      ]);
    }
  });

  it('reads an empty array as no rows', async () => {
    expect(await read('json', '[]')).toEqual([]);
  });

  it('reports an element that is not an object, or not valid JSON, as that row only', async () => {
    const rows = await read('json', '[1, {"sku": }, {"sku":"OK-1"}]');
    expect(rows[0]).toEqual({ row: 1, unreadable: 'must be a JSON object with one field per column' });
    expect(rows[1]).toMatchObject({ row: 2, unreadable: expect.stringMatching(/^is not valid JSON: /) });
    expect(rows[2]).toEqual({ row: 3, cells: { sku: 'OK-1' } });
  });

  it.each([
    ['{"sku":"A"}', 'A JSON import must be an array of rows: the body does not start with [.'],
    ['[{"sku":"A"}', 'The JSON array is not closed: the body ends inside it (after row 0).'],
    ['[{"sku":"A"},', 'The JSON array is not closed: the body ends inside it (after row 1).'],
    ['[{"sku":"A"},]', 'The JSON is malformed: a comma after row 1 is followed by ].'],
    ['[{"sku":"A"}] x', 'The JSON is malformed: unexpected content after the closing ] of the array.'],
    ['[{"sku":"A"}}]', 'The JSON is malformed: unexpected } after row 0.'],
    ['', 'The body is empty: send a JSON array of rows.'],
  ])('fails the file for a broken array: %s', async (json, message) => {
    await expect(read('json', json)).rejects.toThrow(new ImportFileError(message));
  });

  it('stops on a single element larger than any catalog row instead of buffering it', async () => {
    async function* huge() {
      yield '[{"description":"';
      for (let i = 0; i <= MAX_ELEMENT_CHARS / 65536; i++) yield 'x'.repeat(65536);
    }
    await expect(collect(jsonArrayElements(huge()))).rejects.toThrow(/^Row 1 is longer than/);
  });
});

describe('reading newline-delimited JSON', () => {
  it('numbers rows by line and skips blank lines', async () => {
    const rows = await read('ndjson', '{"sku":"A-1"}\n\n{"sku":"B-2"}\r\nnot json\n', 4);
    expect(rows[0]).toEqual({ row: 1, cells: { sku: 'A-1' } });
    expect(rows[1]).toEqual({ row: 3, cells: { sku: 'B-2' } });
    expect(rows[2]).toMatchObject({ row: 4, unreadable: expect.stringMatching(/^is not valid JSON/) });
  });
});

describe('a CSV that breaks off', () => {
  it('hands on every row before an unclosed quote, however the stream is split, then fails the file', async () => {
    const csv = `${HEADER}\napples,Apples,fruit,food,APL-1,Each,each,30,GBP\npears,Pears,fruit,food,PR-1,Each,each,35,GBP\n"unclosed,quote\n`;
    for (const size of [3, 10_000]) {
      const seen: SourceRecord[] = [];
      const error = await (async () => {
        for await (const record of readRecords('csv', chunked(csv, size))) seen.push(record);
      })().catch((e: unknown) => e);
      expect(seen.map((r) => r.row)).toEqual([2, 3]);
      expect(error).toBeInstanceOf(ImportFileError);
      expect((error as Error).message).toMatch(/^The CSV cannot be read: Quote Not Closed/);
    }
  });

  it('fails at once on a cell that swallows more than 64 KB', async () => {
    const csv = `${HEADER}\n"${'x'.repeat(70_000)}\n`;
    await expect(read('csv', csv, 8192)).rejects.toThrow(/^The CSV cannot be read: Max Record Size/);
  });
});
