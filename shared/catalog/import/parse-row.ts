import type { z } from 'zod';
import { findPans, looksLikePan } from '../../privacy/pan.js';
import { Variant, type TaxCategory } from '../model.js';
import { ImportRow } from './row-schema.js';

/** One reported problem of one row: `row` is the row number in the file, `field` the column. */
export interface RowError {
  row: number;
  sku?: string;
  field: string;
  message: string;
}

/** The product columns of a row, in the catalog's shape. Attribute values are still text here. */
export interface ProductFields {
  slug: string;
  name: string;
  brand?: string;
  description: string;
  categoryPath: string;
  tags: string[];
  attributes: Record<string, string>;
  taxCategory: z.infer<typeof TaxCategory>;
  ageRestricted: boolean;
}

/** A valid row: the variant it describes and the product it belongs to. */
export interface ParsedLine {
  row: number;
  product: ProductFields;
  variant: Variant;
}

/** What a reader produces for each record: its cells, or why the record could not even be split into cells. */
export type SourceRecord = { row: number; cells: Record<string, unknown> } | { row: number; unreadable: string };

/**
 * A row after validation. `slug` and `sku` are the raw cells when they are text, so that an invalid
 * row still groups with its product and its report names the SKU.
 */
export type LineResult =
  | { ok: true; row: number; slug: string; sku: string; line: ParsedLine }
  | { ok: false; row: number; slug: string | undefined; sku: string | undefined; errors: RowError[] };

/** Where a `Variant` issue belongs in the file's columns. */
const VARIANT_FIELD_COLUMN: Record<string, string> = {
  sku: 'sku',
  name: 'variant_name',
  soldBy: 'sold_by',
  price: 'price',
  netContent: 'net_quantity',
  packSize: 'pack_size',
  averageWeightGrams: 'average_weight_grams',
  barcode: 'barcode',
};

/**
 * Trims text cells and drops blank ones (empty, whitespace, JSON `null`), so that a blank optional
 * cell is simply absent and a blank required one is reported as missing.
 */
export function normalizeCells(cells: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(cells)) {
    if (value === null || value === undefined) continue;
    if (typeof value === 'string') {
      const trimmed = value.trim();
      if (trimmed !== '') out[name.trim()] = trimmed;
      continue;
    }
    out[name.trim()] = value;
  }
  return out;
}

/** What a row error says of a cell holding a card number: the column is named, the value never. */
export const CARD_NUMBER_CELL_MESSAGE = 'looks like a card number; card numbers are never imported, so the row was skipped';

/**
 * The columns of a row whose cell reads as a card number (`findPans`, so a GTIN in `barcode`
 * passes), a column whose own name reads as one shown as `*`. Such a row is refused whole, before
 * its other rules run, so no message about it can repeat the value and no part of it is stored.
 */
function cardNumberColumns(cells: Record<string, unknown>): string[] {
  const columns: string[] = [];
  for (const [name, value] of Object.entries(cells)) {
    if (looksLikePan(name)) columns.push('*');
    else if (findPans({ [name]: value }).length > 0) columns.push(name);
  }
  return [...new Set(columns)];
}

function textCell(cells: Record<string, unknown>, name: string): string | undefined {
  const value = cells[name];
  return typeof value === 'string' ? value : undefined;
}

function issuesToErrors(
  row: number,
  sku: string | undefined,
  issues: readonly z.core.$ZodIssue[],
  columnOf: (path: PropertyKey[]) => string,
  cells: Record<string, unknown>,
): RowError[] {
  return issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ row, ...(sku ? { sku } : {}), field: key, message: 'is not a column of the import' }));
    }
    const field = columnOf(issue.path);
    // A blank required cell fails its type check; say what is actually wrong with it.
    const message = issue.code !== 'custom' && !(field in cells) ? 'is required' : issue.message;
    return [{ row, ...(sku ? { sku } : {}), field, message }];
  });
}

/**
 * Validates one record against every column rule, then the variant against the catalog's own
 * `Variant` rules (pack size only for packs, net content not for weighed items, ...). Every problem
 * of the row is reported at once, each against the column that has to change. A row with a card
 * number in any cell is refused first, with one error per such column and nothing else.
 */
export function parseRecord(record: SourceRecord): LineResult {
  const { row } = record;
  if ('unreadable' in record) {
    return { ok: false, row, slug: undefined, sku: undefined, errors: [{ row, field: 'row', message: record.unreadable }] };
  }
  const cells = normalizeCells(record.cells);
  const cardColumns = cardNumberColumns(cells);
  const clean = (name: string) => (cardColumns.includes(name) ? undefined : textCell(cells, name));
  const slug = clean('product_slug');
  const sku = clean('sku');
  if (cardColumns.length > 0) {
    const errors = cardColumns.map((field) => ({ row, ...(sku ? { sku } : {}), field, message: CARD_NUMBER_CELL_MESSAGE }));
    return { ok: false, row, slug, sku, errors };
  }
  const parsed = ImportRow.safeParse(cells);
  if (!parsed.success) {
    const errors = issuesToErrors(row, sku, parsed.error.issues, (path) => String(path[0] ?? 'row'), cells);
    return { ok: false, row, slug, sku, errors };
  }
  const r = parsed.data;
  const variant = Variant.safeParse({
    sku: r.sku,
    name: r.variant_name,
    soldBy: r.sold_by,
    price: { amount: r.price, currency: r.currency },
    ...(r.net_quantity !== undefined && r.net_unit !== undefined ? { netContent: { quantity: r.net_quantity, unit: r.net_unit } } : {}),
    ...(r.pack_size !== undefined ? { packSize: r.pack_size } : {}),
    ...(r.average_weight_grams !== undefined ? { averageWeightGrams: r.average_weight_grams } : {}),
    ...(r.barcode !== undefined ? { barcode: r.barcode } : {}),
  });
  if (!variant.success) {
    const errors = issuesToErrors(row, r.sku, variant.error.issues, (path) => VARIANT_FIELD_COLUMN[String(path[0])] ?? 'row', cells);
    return { ok: false, row, slug, sku, errors };
  }
  const product: ProductFields = {
    slug: r.product_slug,
    name: r.product_name,
    ...(r.brand !== undefined ? { brand: r.brand } : {}),
    description: r.description ?? '',
    categoryPath: r.category_path,
    tags: r.tags ?? [],
    attributes: r.attributes ?? {},
    taxCategory: r.tax_category,
    ageRestricted: r.age_restricted ?? r.tax_category === 'alcohol',
  };
  return { ok: true, row, slug: r.product_slug, sku: r.sku, line: { row, product, variant: variant.data } };
}
