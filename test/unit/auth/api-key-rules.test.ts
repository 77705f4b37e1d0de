import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkKeyGrant, keyScopes, lastFour, OVERLAP_HOURS, overlapEnd, stillWorks } from '../../../shared/auth/api-key-rules.js';
import { ROLES, scopesForRoles, type Role } from '../../../shared/auth/roles.js';
import { AppError } from '../../../shared/errors.js';

const role = fc.constantFrom(...ROLES.filter((r) => r !== 'shopper'));
const code = (fn: () => void) => {
  try {
    fn();
    return undefined;
  } catch (error) {
    return error instanceof AppError ? error.code : String(error);
  }
};

describe('what an API key may hold', () => {
  it('holds its roles’ scopes, or only those it names of them: a scope narrows and never widens', () => {
    fc.assert(
      fc.property(fc.array(role, { minLength: 1, maxLength: 3 }), fc.array(fc.constantFrom(...scopesForRoles(['admin', 'pos', 'stock-feed'])), { maxLength: 5 }), (roles, named) => {
        const held = keyScopes(roles, named);
        const conferred = scopesForRoles(roles);
        expect(held.every((s) => conferred.includes(s))).toBe(true);
        if (named.length === 0) expect(held).toEqual(conferred);
        else expect(held.every((s) => named.includes(s))).toBe(true);
      }),
    );
  });

  it('refuses a scope its roles do not confer, naming it', () => {
    expect(code(() => checkKeyGrant({ roles: ['catalog-feed'], scopes: ['catalog:write', 'orders:refund'] }))).toBe('scope-beyond-roles');
    expect(code(() => checkKeyGrant({ roles: ['catalog-feed'], scopes: ['catalog:write'] }))).toBeUndefined();
  });

  it('refuses the shopper role: shoppers sign in', () => {
    expect(code(() => checkKeyGrant({ roles: ['shopper'] }))).toBe('api-key-role-refused');
  });

  it('wants stores exactly for store-bound roles without a chain-wide one', () => {
    const cases: [Role[], string[], string | undefined][] = [
      [['pos'], [], 'stores-required'],
      [['pos'], ['camden'], undefined],
      [['stock-feed'], ['*'], undefined],
      [['pos', 'admin'], [], undefined],
      [['pos', 'admin'], ['camden'], 'stores-not-applicable'],
      [['catalog-feed'], ['camden'], 'stores-not-applicable'],
      [['catalog-feed'], [], undefined],
    ];
    for (const [roles, stores, expected] of cases) expect(code(() => checkKeyGrant({ roles, stores })), `${roles.join('+')} at ${stores.join(',')}`).toBe(expected);
  });
});

describe('a rotated key’s overlap', () => {
  it('ends exactly overlapHours after the rotation (to the second), and the old key works until then and not after', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2040-01-01T00:00:00Z'), noInvalidDate: true }),
        fc.integer({ min: OVERLAP_HOURS.min, max: OVERLAP_HOURS.max }),
        (rotatedAt, hours) => {
          const ends = overlapEnd(rotatedAt, hours);
          const seconds = ends.getTime() / 1000;
          expect(Number.isInteger(seconds)).toBe(true);
          expect(seconds - Math.floor(rotatedAt.getTime() / 1000)).toBe(hours * 3600);
          expect(stillWorks(seconds, rotatedAt)).toBe(true);
          expect(stillWorks(seconds, new Date(ends.getTime() - 1))).toBe(true);
          expect(stillWorks(seconds, ends)).toBe(false);
        },
      ),
    );
  });

  it('refuses an overlap outside 1..168 whole hours', () => {
    for (const hours of [0, 169, 1.5, -1]) expect(() => overlapEnd(new Date(), hours)).toThrow(RangeError);
  });

  it('leaves a key without an end working', () => {
    expect(stillWorks(undefined, new Date('2100-01-01T00:00:00Z'))).toBe(true);
  });

  it('shows four characters of a key, no more', () => {
    expect(lastFour('ssk_abcdefgh1234')).toBe('1234');
  });
});
