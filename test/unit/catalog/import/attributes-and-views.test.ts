import { describe, expect, it } from 'vitest';
import { typeAttributes } from '../../../../shared/catalog/import/categories.js';
import { toImportJobView, type ImportJob } from '../../../../shared/catalog/import/job.js';
import type { AttributeDefinition } from '../../../../shared/catalog/model.js';

const definitions: AttributeDefinition[] = [
  { name: 'servings', type: 'number', required: false },
  { name: 'organic', type: 'boolean', required: false },
  { name: 'allergens', type: 'multi-enum', values: ['milk', 'soya'], required: false },
  { name: 'storage', type: 'enum', values: ['ambient', 'chilled'], required: false },
  { name: 'origin', type: 'string', required: true },
];

describe('typing attribute cells by the category', () => {
  it('parses numbers, booleans and comma-separated multi-enums, and keeps strings and enums as text', () => {
    expect(
      typeAttributes({ servings: '2.5', organic: 'Yes', allergens: 'milk, soya,', storage: 'chilled', origin: '42' }, definitions),
    ).toEqual({ servings: 2.5, organic: true, allergens: ['milk', 'soya'], storage: 'chilled', origin: '42' });
  });

  it('leaves values that do not parse, and undefined names, as text for the catalog to reject', () => {
    expect(typeAttributes({ servings: 'two', organic: 'maybe', colour: 'red' }, definitions)).toEqual({
      servings: 'two',
      organic: 'maybe',
      colour: 'red',
    });
  });
});

const job: ImportJob = {
  id: '01J0000000000000000000000A',
  status: 'running',
  format: 'csv',
  sourceKey: 'imports/01J0000000000000000000000A/source.csv',
  sizeBytes: 1000,
  expectedRows: 2000,
  createdBy: 'u1',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:05.000Z',
  startedAt: '2026-01-01T00:00:01.000Z',
  total: 1500,
  created: 1000,
  updated: 200,
  unchanged: 100,
  failed: 200,
  errorsStored: 150,
  checkpointRow: 1501,
  runToken: 'secret-run-token',
  attempts: 1,
};

describe('the job view', () => {
  it('shows progress as a fraction of the rows counted at upload, and flags errors beyond those stored', () => {
    const view = toImportJobView(job, []);
    expect(view.progress).toEqual({ processedRows: 1500, expectedRows: 2000, percent: 75 });
    expect(view.counts).toEqual({ total: 1500, created: 1000, updated: 200, unchanged: 100, failed: 200 });
    expect(view.errorsTruncated).toBe(true);
    expect(view).not.toHaveProperty('runToken');
    expect(view).not.toHaveProperty('checkpointRow');
  });

  it('says 100% only once the job has completed', () => {
    expect(toImportJobView({ ...job, total: 2000 }, []).progress.percent).toBe(99);
    expect(toImportJobView({ ...job, total: 2000, status: 'completed' }, []).progress.percent).toBe(100);
    expect(toImportJobView({ ...job, failed: 150 }, []).errorsTruncated).toBe(false);
  });
});
