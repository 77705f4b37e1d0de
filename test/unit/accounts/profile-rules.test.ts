import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Profile, ProfilePatch } from '../../../shared/accounts/model.js';
import { applyProfileChange, isEmptyChange, nextConsent, profileChange } from '../../../shared/accounts/rules.js';

const T0 = '2026-12-01T10:00:00.000Z';
const T1 = '2026-12-02T10:00:00.000Z';
const T2 = '2026-12-03T10:00:00.000Z';

const base: Profile = { shopperId: 's1', marketingConsent: { granted: false, at: null }, createdAt: T0, updatedAt: T0, version: 1 };

describe('marketing consent', () => {
  it('records the time of the first answer, even a no', () => {
    expect(nextConsent({ granted: false, at: null }, false, T1)).toEqual({ granted: false, at: T1 });
    expect(nextConsent({ granted: false, at: null }, true, T1)).toEqual({ granted: true, at: T1 });
  });

  it('keeps the time when the answer repeats, and moves it when the answer changes', () => {
    const given = { granted: true, at: T1 };
    expect(nextConsent(given, true, T2)).toBe(given);
    expect(nextConsent(given, undefined, T2)).toBe(given);
    expect(nextConsent(given, false, T2)).toEqual({ granted: false, at: T2 });
  });
});

describe('a profile merge patch', () => {
  it('sets values, removes with null, and leaves absent fields alone', () => {
    const current: Profile = { ...base, givenName: 'Ada', phone: '+447700900123' };
    const change = profileChange(current, { givenName: null, familyName: 'Lovelace' }, T1);
    expect(change).toEqual({ set: { familyName: 'Lovelace' }, remove: ['givenName'] });
    const next = applyProfileChange(current, change, T1);
    expect(next).toEqual({ ...base, familyName: 'Lovelace', phone: '+447700900123', updatedAt: T1, version: 2 });
  });

  it('is empty when it changes nothing: same values, null for an absent field, the same consent', () => {
    const current: Profile = { ...base, givenName: 'Ada', marketingConsent: { granted: true, at: T0 } };
    expect(isEmptyChange(profileChange(current, { givenName: 'Ada', phone: null, marketingConsent: { granted: true } }, T1))).toBe(true);
  });

  const name = fc.option(fc.constantFrom('Ada', 'Grace', 'Alan'), { nil: undefined });
  const patchArb: fc.Arbitrary<ProfilePatch> = fc.record(
    {
      givenName: fc.option(fc.constantFrom('Ada', 'Grace'), { nil: null }),
      displayName: fc.option(fc.constantFrom('A.', 'G.'), { nil: null }),
      phone: fc.option(fc.constantFrom('+447700900123', '+14155550100'), { nil: null }),
      marketingConsent: fc.record({ granted: fc.boolean() }),
    },
    { requiredKeys: [] },
  );

  it('applied twice, changes nothing the second time, and bumps the version by one at most', () => {
    fc.assert(
      fc.property(name, patchArb, (givenName, patch) => {
        const current: Profile = givenName === undefined ? base : { ...base, givenName };
        const change = profileChange(current, patch, T1);
        const once = isEmptyChange(change) ? current : applyProfileChange(current, change, T1);
        expect(once.version - current.version).toBeLessThanOrEqual(1);
        expect(isEmptyChange(profileChange(once, patch, T2))).toBe(true);
      }),
    );
  });
});
