import { describe, expect, it } from 'vitest';
import { normalizeCells, parseRecord, type LineResult } from '../../../../shared/catalog/import/parse-row.js';

const good: Record<string, unknown> = {
  product_slug: 'british-apples',
  product_name: 'British Apples',
  brand: 'Orchard Co',
  description: 'Crisp and sweet.',
  category_path: 'fresh-produce/fruit',
  tags: 'british|seasonal',
  attributes: 'origin=UK|organic=false',
  tax_category: 'food',
  age_restricted: 'false',
  sku: 'APL-6PK',
  variant_name: 'Pack of 6',
  sold_by: 'pack',
  price: '250',
  currency: 'GBP',
  net_quantity: '',
  net_unit: '',
  pack_size: '6',
  average_weight_grams: '',
  barcode: '05012345678900',
};

function parse(cells: Record<string, unknown>, row = 2): LineResult {
  return parseRecord({ row, cells });
}

function errorsOf(cells: Record<string, unknown>) {
  const result = parse(cells);
  if (result.ok) throw new Error('expected the row to be rejected');
  return result.errors.map((e) => [e.field, e.message]);
}

describe('parsing an import row', () => {
  it('turns a valid CSV row into the product fields and a catalog variant', () => {
    const result = parse(good, 7);
    expect(result).toEqual({
      ok: true,
      row: 7,
      slug: 'british-apples',
      sku: 'APL-6PK',
      line: {
        row: 7,
        product: {
          slug: 'british-apples',
          name: 'British Apples',
          brand: 'Orchard Co',
          description: 'Crisp and sweet.',
          categoryPath: 'fresh-produce/fruit',
          tags: ['british', 'seasonal'],
          attributes: { origin: 'UK', organic: 'false' },
          taxCategory: 'food',
          ageRestricted: false,
        },
        variant: {
          sku: 'APL-6PK',
          name: 'Pack of 6',
          soldBy: 'pack',
          price: { amount: 250, currency: 'GBP' },
          packSize: 6,
          barcode: '05012345678900',
        },
      },
    });
  });

  it('accepts JSON numbers and booleans where a CSV has digits and yes/no', () => {
    const result = parse({ ...good, price: 250, pack_size: 6, age_restricted: true });
    expect(result.ok && result.line.variant.price.amount).toBe(250);
    expect(result.ok && result.line.product.ageRestricted).toBe(true);
  });

  it('trims cells and treats blank, whitespace-only and null cells as absent', () => {
    expect(normalizeCells({ a: '  x ', b: '   ', c: null, d: 0, e: false })).toEqual({ a: 'x', d: 0, e: false });
    const result = parse({ ...good, brand: '  ', description: null, product_name: '  British Apples ' });
    expect(result.ok && result.line.product).toMatchObject({ name: 'British Apples', description: '' });
    expect(result.ok && 'brand' in result.line.product).toBe(false);
  });

  it('defaults age_restricted to true for alcohol and false otherwise', () => {
    const beer = parse({ ...good, tax_category: 'alcohol', age_restricted: '' });
    const apples = parse({ ...good, age_restricted: '' });
    expect(beer.ok && beer.line.product.ageRestricted).toBe(true);
    expect(apples.ok && apples.line.product.ageRestricted).toBe(false);
  });

  it.each([
    ['yes', true],
    ['Y', true],
    ['1', true],
    ['TRUE', true],
    ['no', false],
    ['0', false],
    ['False', false],
  ])('reads age_restricted %s as %s', (cell, expected) => {
    const result = parse({ ...good, age_restricted: cell });
    expect(result.ok && result.line.product.ageRestricted).toBe(expected);
  });

  it('reports every missing required column of a row at once', () => {
    const { product_name: _n, category_path: _c, price: _p, ...rest } = good;
    expect(errorsOf(rest)).toEqual([
      ['product_name', 'is required'],
      ['category_path', 'is required'],
      ['price', 'is required'],
    ]);
  });

  it.each([
    ['product_slug', 'British Apples', 'must be lower-case words joined by hyphens'],
    ['product_name', 'x'.repeat(161), 'must be at most 160 characters'],
    ['brand', 'x'.repeat(81), 'must be at most 80 characters'],
    ['description', 'x'.repeat(4001), 'must be at most 4000 characters'],
    ['category_path', 'Fresh Produce', 'must be category slugs joined by /, e.g. fresh-produce/fruit'],
    ['category_path', 'fresh-produce//fruit', 'must be category slugs joined by /, e.g. fresh-produce/fruit'],
    ['tags', 'x'.repeat(41), 'each tag must be at most 40 characters'],
    ['tags', Array.from({ length: 31 }, (_, i) => `t${i}`).join('|'), 'must list at most 30 tags'],
    ['tags', '|||', 'must list at least one tag, or be left blank'],
    ['attributes', 'origin', '"origin" must be name=value'],
    ['attributes', 'Origin=UK', 'attribute name "Origin" must be camelCase, e.g. countryOfOrigin'],
    ['attributes', 'origin=UK|origin=FR', 'attribute origin is given twice'],
    ['attributes', `origin=${'x'.repeat(201)}`, 'attribute origin must be at most 200 characters'],
    ['tax_category', 'groceries', 'must be one of food, non-food, alcohol'],
    ['age_restricted', 'maybe', 'must be true or false (yes/no, 1/0 also work)'],
    ['sku', 'apl 6', 'must be 2–64 characters of A–Z, 0–9, - and _, starting with a letter or digit'],
    ['variant_name', 'x'.repeat(121), 'must be at most 120 characters'],
    ['sold_by', 'bunch', 'must be one of each, pack, weight, volume'],
    ['price', '2.50', 'must be a whole number from 0 to 100000000'],
    ['price', '-1', 'must be a whole number from 0 to 100000000'],
    ['price', '100000001', 'must be a whole number from 0 to 100000000'],
    ['price', 2.5, 'must be a whole number from 0 to 100000000'],
    ['currency', 'gbp', 'must be an ISO 4217 code such as GBP'],
    ['pack_size', '1', 'must be a whole number from 2 to 1000'],
    ['barcode', '5.01235E+12', 'must be a GTIN of 8 to 14 digits (format the column as text in spreadsheets)'],
    ['barcode', 5012345678900, 'Invalid input: expected string, received number'],
  ])('rejects %s = %j', (column, value, message) => {
    expect(errorsOf({ ...good, [column]: value })).toContainEqual([column, message]);
  });

  it('names a field that is not a column', () => {
    expect(errorsOf({ ...good, colour: 'red' })).toEqual([['colour', 'is not a column of the import']]);
  });

  it('needs net_quantity and net_unit together', () => {
    const variant = { ...good, sold_by: 'each', pack_size: '' };
    expect(errorsOf({ ...variant, net_quantity: '400' })).toEqual([['net_unit', 'net_quantity and net_unit go together: give both or neither']]);
    expect(errorsOf({ ...variant, net_unit: 'g' })).toEqual([['net_quantity', 'net_quantity and net_unit go together: give both or neither']]);
    const both = parse({ ...variant, net_quantity: '400', net_unit: 'g' });
    expect(both.ok && both.line.variant.netContent).toEqual({ quantity: 400, unit: 'g' });
  });

  it("applies the catalog's variant rules and reports them against the file's columns", () => {
    expect(errorsOf({ ...good, pack_size: '' })).toEqual([['pack_size', 'is required when soldBy is pack']]);
    expect(errorsOf({ ...good, sold_by: 'each' })).toEqual([['pack_size', 'applies only when soldBy is pack']]);
    expect(errorsOf({ ...good, sold_by: 'weight', pack_size: '', net_quantity: '1', net_unit: 'g' })).toEqual([
      ['net_quantity', 'does not apply to items priced per kg or per litre'],
    ]);
    expect(errorsOf({ ...good, average_weight_grams: '180' })).toEqual([['average_weight_grams', 'applies only when soldBy is weight']]);
  });

  it('keeps the slug and SKU of a rejected row so it groups with its product and its report names the SKU', () => {
    const result = parse({ ...good, price: 'free' }, 9);
    expect(result).toMatchObject({ ok: false, row: 9, slug: 'british-apples', sku: 'APL-6PK' });
    expect(!result.ok && result.errors[0]).toEqual({
      row: 9,
      sku: 'APL-6PK',
      field: 'price',
      message: 'must be a whole number from 0 to 100000000',
    });
  });

  it('reports a record that could not be split into cells as a whole-row error', () => {
    expect(parseRecord({ row: 4, unreadable: 'has 3 cells; the header has 19' })).toEqual({
      ok: false,
      row: 4,
      slug: undefined,
      sku: undefined,
      errors: [{ row: 4, field: 'row', message: 'has 3 cells; the header has 19' }],
    });
  });
});
