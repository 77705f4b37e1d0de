import { describe, expect, it } from 'vitest';
import { check, describeCheck } from '../lib/results.js';
import { formatTable } from '../lib/table.js';

describe('check', () => {
  it('judges each comparison', () => {
    expect(check('a', 1.2, '<=', 1.25, 'x').met).toBe(true);
    expect(check('a', 1.3, '<=', 1.25, 'x').met).toBe(false);
    expect(check('b', 0.7, '>=', 0.7, 'x').met).toBe(true);
    expect(check('c', 300, '<', 300, ' MB').met).toBe(false);
  });

  it('leaves an unmeasured figure unjudged rather than passing or failing it', () => {
    const result = check('a', Number.NaN, '<=', 1.25, 'x');
    expect(result.met).toBeNull();
    expect(describeCheck(result)).toContain('NOT MEASURED');
  });
});

describe('formatTable', () => {
  it('aligns columns and prints notes under the table', () => {
    const text = formatTable({ title: 'T', columns: ['name', 'ms'], rows: [['a', '1.0'], ['long name', '10.5']], notes: ['note'] });
    expect(text.split('\n')).toEqual(['## T', 'name         ms', '---------  ----', 'a           1.0', 'long name  10.5', '  note']);
  });
});
