import { z } from 'zod';
import { Currency, Sku, Slug, SoldBy, TaxCategory } from '../model.js';

/**
 * One import row as it arrives: every cell of a CSV is text, and a JSON row may also use numbers
 * and booleans for the numeric and yes/no columns. Cells are trimmed and empty ones (and JSON
 * `null` or `""`) removed before this schema runs (`normalizeCells`), so "optional" means "may be
 * left blank".
 *
 * `integration-files/catalog/import-row.schema.json` is this schema's input side rendered with
 * `z.toJSONSchema`; a unit test keeps the two equal.
 */

const text = (max: number) => z.string().min(1, 'must not be blank').max(max, `must be at most ${max} characters`);

/** A whole number in a range, written as a JSON number or as digits in a cell. */
function wholeNumber(min: number, max: number) {
  const message = `must be a whole number from ${min} to ${max}`;
  const range = z.int(message).min(min, message).max(max, message);
  return z.union([range, z.string().regex(/^\d+$/, message).transform(Number).pipe(range)], { error: message });
}

const YES = ['true', 'TRUE', 'True', 'yes', 'YES', 'Yes', 'y', 'Y', '1'];
const NO = ['false', 'FALSE', 'False', 'no', 'NO', 'No', 'n', 'N', '0'];
const yesNo = z.union(
  [
    z.boolean(),
    z
      .enum([...YES, ...NO] as [string, ...string[]])
      .transform((v) => YES.includes(v)),
  ],
  { error: 'must be true or false (yes/no, 1/0 also work)' },
);

const categoryPath = z
  .string()
  .max(400, 'must be at most 400 characters')
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*(?:\/[a-z0-9]+(?:-[a-z0-9]+)*)*$/, 'must be category slugs joined by /, e.g. fresh-produce/fruit');

/** `vegan|organic|local` → `['vegan', 'organic', 'local']`, duplicates dropped. */
const tags = z
  .string()
  .max(1300, 'must be at most 1300 characters')
  .transform((v) => [...new Set(v.split('|').map((t) => t.trim()).filter((t) => t !== ''))])
  .pipe(
    z
      .array(z.string().max(40, 'each tag must be at most 40 characters'))
      .max(30, 'must list at most 30 tags')
      .min(1, 'must list at least one tag, or be left blank'),
  );

const ATTRIBUTE_NAME = /^[a-z][a-zA-Z0-9]*$/;

/** `origin=Spain|organic=true` → `{ origin: 'Spain', organic: 'true' }`; values are typed later against the category. */
const attributes = z
  .string()
  .max(4000, 'must be at most 4000 characters')
  .transform((v, ctx) => {
    const out: Record<string, string> = {};
    for (const pair of v.split('|')) {
      if (pair.trim() === '') continue;
      const at = pair.indexOf('=');
      const name = (at < 0 ? pair : pair.slice(0, at)).trim();
      const value = at < 0 ? '' : pair.slice(at + 1).trim();
      if (at < 0 || value === '') {
        ctx.addIssue({ code: 'custom', message: `"${pair.trim()}" must be name=value` });
        return z.NEVER;
      }
      if (!ATTRIBUTE_NAME.test(name)) {
        ctx.addIssue({ code: 'custom', message: `attribute name "${name}" must be camelCase, e.g. countryOfOrigin` });
        return z.NEVER;
      }
      if (name in out) {
        ctx.addIssue({ code: 'custom', message: `attribute ${name} is given twice` });
        return z.NEVER;
      }
      if (value.length > 200) {
        ctx.addIssue({ code: 'custom', message: `attribute ${name} must be at most 200 characters` });
        return z.NEVER;
      }
      out[name] = value;
    }
    return out;
  });

/** One row of a catalog import: one variant, plus the columns of the product it belongs to. */
export const ImportRow = z
  .strictObject({
    product_slug: Slug,
    product_name: text(160),
    brand: text(80).optional(),
    description: z.string().max(4000, 'must be at most 4000 characters').optional(),
    category_path: categoryPath,
    tags: tags.optional(),
    attributes: attributes.optional(),
    tax_category: z.enum(TaxCategory.options, { error: `must be one of ${TaxCategory.options.join(', ')}` }),
    age_restricted: yesNo.optional(),
    sku: Sku,
    variant_name: text(120),
    sold_by: z.enum(SoldBy.options, { error: `must be one of ${SoldBy.options.join(', ')}` }),
    price: wholeNumber(0, 100_000_000),
    currency: Currency,
    net_quantity: wholeNumber(1, 1_000_000).optional(),
    net_unit: z.enum(['g', 'ml', 'unit'], { error: 'must be one of g, ml, unit' }).optional(),
    pack_size: wholeNumber(2, 1000).optional(),
    average_weight_grams: wholeNumber(1, 100_000).optional(),
    barcode: z.string().regex(/^\d{8,14}$/, 'must be a GTIN of 8 to 14 digits (format the column as text in spreadsheets)').optional(),
  })
  .superRefine((row, ctx) => {
    if ((row.net_quantity === undefined) !== (row.net_unit === undefined)) {
      const missing = row.net_quantity === undefined ? 'net_quantity' : 'net_unit';
      ctx.addIssue({ code: 'custom', path: [missing], message: 'net_quantity and net_unit go together: give both or neither' });
    }
  })
  .meta({
    title: 'SmartShelf catalog import row',
    description:
      'One variant per row; consecutive rows with the same product_slug form one product. Blank optional cells may be omitted, null or "".',
  });
export type ImportRowInput = z.input<typeof ImportRow>;
export type ImportRowValue = z.output<typeof ImportRow>;
