import { describe, expect, it } from 'vitest';
import { fieldErrors } from '../../../shared/http/validate.js';
import { TaxRateTable } from '../../../shared/pricing/tax.js';
import { DEFAULT_TAX_RATES, ReplaceTaxRatesRequest, taxRatesEtag, versionFromIfMatch } from '../../../shared/tax/rates.js';

describe('the default tax rate table', () => {
  it('is a valid table with the documented rates', () => {
    expect(TaxRateTable.parse(DEFAULT_TAX_RATES)).toEqual({
      GB: { food: 0, 'non-food': 2000, alcohol: 2000 },
      IE: { food: 0, 'non-food': 2300, alcohol: 2300 },
      'US-NY': { food: 0, 'non-food': 888, alcohol: 888 },
    });
  });
});

describe('ReplaceTaxRatesRequest', () => {
  const errors = (input: unknown) => fieldErrors('body', ReplaceTaxRatesRequest.safeParse(input).error!);

  it('accepts a whole table', () => {
    expect(ReplaceTaxRatesRequest.parse({ rates: DEFAULT_TAX_RATES })).toEqual({ rates: DEFAULT_TAX_RATES });
  });

  it('refuses an empty table and jurisdictions that are not ISO 3166 codes', () => {
    expect(errors({ rates: {} })).toEqual([{ field: 'body.rates', message: 'must name at least one jurisdiction' }]);
    expect(errors({ rates: { gb: DEFAULT_TAX_RATES.GB } })).toEqual([{ field: 'body.rates.gb', message: 'must be an ISO 3166 code such as GB or US-NY' }]);
  });

  it('refuses a missing category, a fraction of a basis point, a rate over 100 % and unknown fields', () => {
    const fields = errors({
      rates: { GB: { food: 0, 'non-food': 2000 }, IE: { food: 0.5, 'non-food': 2300, alcohol: 10_001 } },
      note: 'x',
    }).map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['body.rates.GB.alcohol', 'body.rates.IE.food', 'body.rates.IE.alcohol', 'body']));
  });
});

describe('If-Match for the tax rate table', () => {
  it('reads a strong tag, "0" naming the built-in default', () => {
    expect(versionFromIfMatch('"0"')).toBe(0);
    expect(versionFromIfMatch(' "12" ')).toBe(12);
    expect(taxRatesEtag({ version: 12 })).toBe('"12"');
  });

  it('refuses a missing, weak or malformed tag with a 400 naming the header', () => {
    for (const header of [undefined, 'W/"1"', '1', '"01"', '"-1"', '*']) {
      expect(() => versionFromIfMatch(header), String(header)).toThrowError(
        expect.objectContaining({ kind: 'invalid', fields: [expect.objectContaining({ field: 'header.if-match' })] }),
      );
    }
  });
});
