import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { readRecords } from '../../../shared/catalog/import/readers.js';
import { COLUMNS } from '../../../shared/catalog/import/columns.js';
import { Readable } from 'node:stream';

/**
 * Everything published under `integration-files/` is something integrators copy: each file must be
 * a JSON Schema, a JSON document that names its schema with `$schema`, a CSV in the import format,
 * a Markdown guide whose links resolve, or the OpenAPI document and its generator (checked in
 * `openapi-document.test.ts`). A new kind of file fails here until it gets a check.
 */
const ROOT = 'integration-files';
const files = (function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
})(ROOT).map((f) => relative(ROOT, f));

const OPENAPI = ['openapi/openapi.json', 'openapi/build-openapi.ts', 'openapi/write-openapi.ts'];
/** The billing contract and its samples are checked against each other in `billing-contract.test.ts`. */
const BILLING = files.filter((f) => f.startsWith('billing/') && f.endsWith('.json'));
/** The courier contract and its samples are checked against each other in `courier-contract.test.ts`. */
const COURIERS = files.filter((f) => f.startsWith('couriers/') && f.endsWith('.json'));
const schemas = files.filter((f) => f.endsWith('.schema.json'));
const documents = files.filter((f) => f.endsWith('.json') && !f.endsWith('.schema.json') && !OPENAPI.includes(f) && !BILLING.includes(f) && !COURIERS.includes(f));
/** A template is the import header alone, to fill in; a sample is rows to import. */
const templates = files.filter((f) => f.endsWith('-template.csv'));
const csvs = files.filter((f) => f.endsWith('.csv') && !templates.includes(f));
const guides = files.filter((f) => f.endsWith('.md'));
const read = (file: string) => JSON.parse(readFileSync(join(ROOT, file), 'utf8')) as Record<string, unknown>;

function ajv() {
  const instance = new Ajv2020({ allErrors: true, strict: false });
  addFormats.default(instance);
  return instance;
}

describe('integration-files', () => {
  it('holds only files that one of the contract checks covers', () => {
    const covered = [...OPENAPI, ...BILLING, ...COURIERS, ...schemas, ...documents, ...templates, ...csvs, ...guides];
    expect(files.filter((f) => !covered.includes(f))).toEqual([]);
    expect(schemas.length).toBeGreaterThan(0);
    expect(documents.length).toBeGreaterThan(0);
  });

  it.each(schemas)('%s is a valid JSON Schema 2020-12', (file) => {
    const instance = ajv();
    expect(instance.validateSchema(read(file)), JSON.stringify(instance.errors)).toBe(true);
    expect(() => instance.compile(read(file))).not.toThrow();
  });

  it.each(documents)('%s names a schema beside it and validates against it', (file) => {
    const document = read(file);
    expect(typeof document.$schema, 'a $schema member').toBe('string');
    const schemaFile = join(file, '..', document.$schema as string);
    expect(schemas).toContain(schemaFile);
    const validate = ajv().compile(read(schemaFile));
    expect(validate(document), JSON.stringify(validate.errors?.slice(0, 5))).toBe(true);
  });

  it.each(csvs)('%s reads as import rows that validate against import-row.schema.json', async (file) => {
    const validate = ajv().compile(read('catalog/import-row.schema.json'));
    let rows = 0;
    for await (const record of readRecords('csv', Readable.from([readFileSync(join(ROOT, file), 'utf8')]))) {
      expect('cells' in record, `row ${record.row} is readable`).toBe(true);
      if (!('cells' in record)) continue;
      const cells = Object.fromEntries(Object.entries(record.cells).filter(([, value]) => value !== ''));
      expect(validate(cells), `row ${record.row}: ${JSON.stringify(validate.errors)}`).toBe(true);
      rows += 1;
    }
    expect(rows).toBeGreaterThan(0);
  });

  it.each(templates)('%s is the import header alone', (file) => {
    expect(readFileSync(join(ROOT, file), 'utf8')).toBe(`${COLUMNS.join(',')}\n`);
  });

  it.each(guides)('%s links only to files that exist', (file) => {
    const text = readFileSync(join(ROOT, file), 'utf8');
    const targets = [...text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)].map((m) => m[1]!).filter((t) => !/^[a-z]+:/i.test(t));
    for (const target of targets) expect(existsSync(join(ROOT, file, '..', target)), `${file} → ${target}`).toBe(true);
  });
});
