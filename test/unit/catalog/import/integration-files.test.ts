import { createReadStream, readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { COLUMNS } from '../../../../shared/catalog/import/columns.js';
import { parseRecord, type SourceRecord } from '../../../../shared/catalog/import/parse-row.js';
import { readRecords } from '../../../../shared/catalog/import/readers.js';
import { ImportRow } from '../../../../shared/catalog/import/row-schema.js';

const DIR = 'integration-files/catalog';

async function recordsOf(file: string): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  for await (const record of readRecords('csv', createReadStream(`${DIR}/${file}`))) out.push(record);
  return out;
}

describe('the published import files', () => {
  it('sample-import.csv has the documented header and only valid rows', async () => {
    const header = readFileSync(`${DIR}/sample-import.csv`, 'utf8').split('\n')[0]!.split(',');
    expect(header).toEqual([...COLUMNS]);
    const records = await recordsOf('sample-import.csv');
    expect(records.length).toBeGreaterThan(0);
    for (const record of records) {
      const result = parseRecord(record);
      expect(result.ok ? [] : result.errors, `row ${record.row}`).toEqual([]);
    }
  });

  it('import-row.schema.json is the input side of the zod row schema', () => {
    const published = JSON.parse(readFileSync(`${DIR}/import-row.schema.json`, 'utf8')) as unknown;
    expect(published).toEqual(z.toJSONSchema(ImportRow, { io: 'input' }));
  });

  it('the JSON Schema and the zod schema agree on sample rows, valid and not', async () => {
    const validate = new Ajv2020({ strict: false }).compile(JSON.parse(readFileSync(`${DIR}/import-row.schema.json`, 'utf8')) as object);
    const records = await recordsOf('sample-import.csv');
    const rows = records.flatMap((r) => ('cells' in r ? [r.cells] : []));
    const withoutBlanks = rows.map((cells) => Object.fromEntries(Object.entries(cells).filter(([, v]) => v !== '')));
    for (const row of withoutBlanks) expect(validate(row), JSON.stringify(validate.errors)).toBe(true);
    const first = withoutBlanks[0]!;
    for (const bad of [{ ...first, price: '2.50' }, { ...first, colour: 'red' }, { ...first, tax_category: 'groceries' }, { ...first, price: 3.5 }]) {
      expect(validate(bad)).toBe(false);
      expect(ImportRow.safeParse(bad).success).toBe(false);
    }
    expect(validate({ ...first, price: 250, age_restricted: true })).toBe(true);
  });
});
