import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeJsonTextProblem, jsonTextProblem, MAX_JSON_DEPTH } from '../../../shared/http/json-text.js';

const parses = (text: string): boolean => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};

const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

describe('jsonTextProblem', () => {
  it('agrees with JSON.parse on what is valid, for JSON and for JSON with a character changed, dropped or added', () => {
    const edit = fc.tuple(fc.nat(), fc.constantFrom(...' \t\n,:{}[]"\\0123456789.-+eEtrufalsn\u0000x'.split('')), fc.constantFrom('replace', 'drop', 'insert'));
    fc.assert(
      fc.property(fc.json(), edit, (text, [at, char, how]) => {
        expect(jsonTextProblem(text, 1000)).toBeUndefined();
        const i = text.length === 0 ? 0 : at % text.length;
        const edited = how === 'drop' ? text.slice(0, i) + text.slice(i + 1) : text.slice(0, i) + char + text.slice(how === 'replace' ? i + 1 : i);
        expect(jsonTextProblem(edited, 1000) === undefined).toBe(parses(edited));
      }),
      { numRuns: 2000 },
    );
  });

  it('says where the syntax breaks by line and column, and when the text stops early', () => {
    expect(jsonTextProblem('[1,2,]')).toEqual({ kind: 'malformed', line: 1, column: 6 });
    expect(jsonTextProblem('{\n  "a": tru\n}')).toEqual({ kind: 'malformed', line: 2, column: 8 });
    expect(jsonTextProblem('{"card": "4242 4242 4242 4242"')).toEqual({ kind: 'incomplete' });
    expect(jsonTextProblem('')).toEqual({ kind: 'incomplete' });
    expect(jsonTextProblem('{"a": 1} x')).toEqual({ kind: 'malformed', line: 1, column: 10 });
  });

  it('refuses nesting deeper than the limit without recursing, and accepts it up to the limit', () => {
    expect(jsonTextProblem(nested(MAX_JSON_DEPTH))).toBeUndefined();
    expect(jsonTextProblem(nested(MAX_JSON_DEPTH + 1))).toEqual({ kind: 'too-deep', line: 1, column: MAX_JSON_DEPTH + 1 });
    expect(jsonTextProblem(`{"a":${nested(1_000_000)}}`)?.kind).toBe('too-deep');
    expect(jsonTextProblem('"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["')).toBeUndefined();
  });
});

describe('describeJsonTextProblem', () => {
  it('describes where, never what', () => {
    const text = '{"card": 4242424242424242x}';
    const detail = describeJsonTextProblem(jsonTextProblem(text)!);
    expect(detail).toBe('is not valid JSON: the syntax breaks at line 1, column 26');
    expect(detail).not.toContain('4242');
    expect(describeJsonTextProblem({ kind: 'too-deep', line: 1, column: 65 })).toBe('nests objects and arrays deeper than 64 levels (line 1, column 65)');
    expect(describeJsonTextProblem({ kind: 'incomplete' })).toBe('is not valid JSON: it ends before the JSON is complete');
  });
});
