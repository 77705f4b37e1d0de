/**
 * The columns of a catalog import, in template order. One row is one variant; rows that share
 * `product_slug` and follow each other form one product. `integration-files/catalog/IMPORT.md`
 * documents each column; `row-schema.ts` holds the rules.
 */
export const COLUMNS = [
  'product_slug',
  'product_name',
  'brand',
  'description',
  'category_path',
  'tags',
  'attributes',
  'tax_category',
  'age_restricted',
  'sku',
  'variant_name',
  'sold_by',
  'price',
  'currency',
  'net_quantity',
  'net_unit',
  'pack_size',
  'average_weight_grams',
  'barcode',
] as const;
export type Column = (typeof COLUMNS)[number];

/** Columns that every file must have in its header (their cells may still be invalid on a given row). */
export const REQUIRED_COLUMNS: readonly Column[] = [
  'product_slug',
  'product_name',
  'category_path',
  'tax_category',
  'sku',
  'variant_name',
  'sold_by',
  'price',
  'currency',
];

export interface HeaderProblems {
  missing: Column[];
  unknown: string[];
  duplicated: string[];
}

/**
 * Checks a CSV header (or a JSON row's field names): required columns must be there, and unknown
 * or repeated names are refused because a typo such as `barcod` would otherwise drop data silently.
 * Names are matched exactly after trimming; a UTF-8 byte order mark is removed before this.
 */
export function headerProblems(names: readonly string[]): HeaderProblems {
  const trimmed = names.map((n) => n.trim());
  const known = new Set<string>(COLUMNS);
  const seen = new Set<string>();
  const duplicated = new Set<string>();
  for (const name of trimmed) {
    if (seen.has(name)) duplicated.add(name);
    seen.add(name);
  }
  return {
    missing: REQUIRED_COLUMNS.filter((c) => !seen.has(c)),
    unknown: trimmed.filter((n) => !known.has(n)),
    duplicated: [...duplicated],
  };
}

/** True when a header has nothing to complain about. */
export function headerIsValid(problems: HeaderProblems): boolean {
  return problems.missing.length === 0 && problems.unknown.length === 0 && problems.duplicated.length === 0;
}
