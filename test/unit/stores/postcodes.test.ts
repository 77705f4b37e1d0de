import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError, ValidationError } from '../../../shared/errors.js';
import { compactPostcode, isRefusal, parsePostcode, requirePostcode, SUPPORTED_COUNTRIES } from '../../../shared/stores/postcodes.js';

const ok = (raw: string, country: string) => {
  const parsed = parsePostcode(raw, country);
  if (isRefusal(parsed)) throw new Error(`${raw} (${country}) refused: ${parsed.reason}`);
  return parsed;
};

describe('parsePostcode', () => {
  it('normalises a GB postcode typed in lower case without its space', () => {
    expect(ok('sw1a1aa', 'GB')).toEqual({ normalised: 'SW1A 1AA', compact: 'SW1A1AA', district: 'SW1A' });
    expect(ok('  se16   4ab ', 'GB')).toEqual({ normalised: 'SE16 4AB', compact: 'SE164AB', district: 'SE16' });
    expect(ok('M1 1FT', 'GB').district).toBe('M1');
    expect(ok('EH6 6LX', 'GB').district).toBe('EH6');
  });

  it('refuses malformed GB postcodes with an example', () => {
    for (const bad of ['SW1A', '1AA SW1', 'SW1A 1A', 'QA1 1AA', 'SE1 2CI', 'SE1-2TF-X', '']) {
      expect(parsePostcode(bad, 'GB'), bad).toMatchObject({ reason: 'malformed', country: 'GB', example: 'SW1A 1AA' });
    }
  });

  it('reads US ZIP and ZIP+4, with the five digits as district', () => {
    expect(ok('10001', 'US')).toMatchObject({ normalised: '10001', district: '10001' });
    expect(ok('100011234', 'US')).toMatchObject({ normalised: '10001-1234', district: '10001' });
    expect(ok('10001-1234', 'US').normalised).toBe('10001-1234');
    expect(isRefusal(parsePostcode('1000', 'US'))).toBe(true);
    expect(isRefusal(parsePostcode('10001-12', 'US'))).toBe(true);
  });

  it('reads Irish Eircodes, Dutch, German and French postcodes', () => {
    expect(ok('d02x285', 'IE')).toMatchObject({ normalised: 'D02 X285', district: 'D02' });
    expect(ok('D6W 1234', 'IE').district).toBe('D6W');
    expect(isRefusal(parsePostcode('B02 X285', 'IE'))).toBe(true);
    expect(ok('1011ab', 'NL')).toMatchObject({ normalised: '1011 AB', district: '1011' });
    expect(isRefusal(parsePostcode('1011 SS', 'NL'))).toBe(true);
    expect(isRefusal(parsePostcode('0123 AB', 'NL'))).toBe(true);
    expect(ok('10115', 'DE').normalised).toBe('10115');
    expect(ok('75001', 'FR').normalised).toBe('75001');
    expect(isRefusal(parsePostcode('7500', 'FR'))).toBe(true);
  });

  it('refuses a country whose postcodes we do not know as not served', () => {
    expect(parsePostcode('12345', 'ZZ')).toEqual({ reason: 'unsupported-country', country: 'ZZ' });
    expect(SUPPORTED_COUNTRIES).toContain('GB');
  });

  it('is idempotent: a normalised postcode reads back as itself', () => {
    const gbOutward = fc.constantFrom('SW1A', 'SE1', 'SE16', 'M1', 'EH6', 'E1W', 'EC4', 'W1A', 'B33', 'CR2');
    const inward = fc.tuple(fc.integer({ min: 0, max: 9 }), fc.constantFrom(...'ABDEFGHJLNPQRSTUWXYZ'), fc.constantFrom(...'ABDEFGHJLNPQRSTUWXYZ')).map(([d, a, b]) => `${d}${a}${b}`);
    fc.assert(
      fc.property(gbOutward, inward, fc.boolean(), (outward, tail, lower) => {
        const typed = lower ? `${outward}${tail}`.toLowerCase() : `${outward} ${tail}`;
        const first = ok(typed, 'GB');
        expect(first.district).toBe(outward);
        expect(ok(first.normalised, 'GB')).toEqual(first);
        expect(first.compact).toBe(compactPostcode(typed));
      }),
    );
  });
});

describe('requirePostcode', () => {
  it('is a 400 naming the field for a malformed postcode, a 422 for a country we do not deliver to', () => {
    expect(() => requirePostcode('nope', 'GB', 'body.postcode')).toThrow(ValidationError);
    try {
      requirePostcode('nope', 'GB', 'body.postcode');
    } catch (error) {
      expect((error as ValidationError).fields).toEqual([{ field: 'body.postcode', message: 'is not a GB postcode (for example SW1A 1AA)' }]);
    }
    try {
      requirePostcode('12345', 'ZZ', 'body.postcode');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(AppError);
      expect(error).toMatchObject({ kind: 'unprocessable', code: 'country-not-served', message: 'We do not deliver to ZZ.' });
    }
  });
});
