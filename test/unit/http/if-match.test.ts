import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../shared/errors.js';
import { versionNamed, versionRequired } from '../../../shared/http/if-match.js';

const fieldsOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    if (error instanceof ValidationError) return error.fields;
    throw error;
  }
  throw new Error('expected a ValidationError');
};

describe('versionNamed', () => {
  it('reads the version from the body, the ETag, or both when they agree', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 999_999_999 }), (v) => {
        expect(versionNamed(v, undefined, 'profile')).toBe(v);
        expect(versionNamed(undefined, `"${v}"`, 'profile')).toBe(v);
        expect(versionNamed(v, ` "${v}" `, 'profile')).toBe(v);
      }),
    );
    expect(versionNamed(undefined, undefined, 'profile')).toBeUndefined();
  });

  it('refuses an ETag that is not one of ours, naming the entity', () => {
    for (const bad of ['3', 'W/"3"', '"0"', '"03"', '"abc"', '*']) {
      expect(fieldsOf(() => versionNamed(undefined, bad, 'address'))).toEqual([{ field: 'header.if-match', message: 'must be the address\'s ETag, such as "3"' }]);
    }
  });

  it('refuses a body and a header that disagree', () => {
    expect(fieldsOf(() => versionNamed(2, '"3"', 'product'))).toEqual([{ field: 'body.version', message: 'is 2 but If-Match says 3' }]);
  });
});

describe('versionRequired', () => {
  it('requires one of them', () => {
    expect(versionRequired(4, undefined, 'promotion')).toBe(4);
    expect(fieldsOf(() => versionRequired(undefined, undefined, 'promotion'))).toEqual([{ field: 'body.version', message: 'is required unless an If-Match header carries the ETag' }]);
  });
});
