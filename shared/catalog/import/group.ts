import { isDeepStrictEqual } from 'node:util';
import type { LineResult, ParsedLine, ProductFields, RowError } from './parse-row.js';

/** The rows of one product as they appear in the file: the valid ones, and the errors of the others. */
export interface ProductGroup {
  slug: string;
  firstRow: number;
  lastRow: number;
  /** Every row of the group, valid or not: the job's `total` counts these. */
  rowCount: number;
  lines: ParsedLine[];
  /** Rows already rejected before touching the table. */
  errors: RowError[];
}

const PRODUCT_FIELD_COLUMN: Record<keyof ProductFields, string> = {
  slug: 'product_slug',
  name: 'product_name',
  brand: 'brand',
  description: 'description',
  categoryPath: 'category_path',
  tags: 'tags',
  attributes: 'attributes',
  taxCategory: 'tax_category',
  ageRestricted: 'age_restricted',
};

function differingColumns(a: ProductFields, b: ProductFields): string[] {
  return (Object.keys(PRODUCT_FIELD_COLUMN) as (keyof ProductFields)[])
    .filter((k) => !isDeepStrictEqual(a[k], b[k]))
    .map((k) => PRODUCT_FIELD_COLUMN[k]);
}

/**
 * Folds validated rows into products: consecutive rows with the same `product_slug` are one
 * product, whose columns every row must repeat identically. Rows that cannot even be read (no
 * slug) stay with the product being built, so a typo never splits a product in two.
 *
 * Checks that span the whole file happen here, in one pass and in row order, so they are
 * deterministic whatever the write concurrency later: a slug that reappears after another product
 * and a SKU that appears twice are errors of the later rows.
 *
 * When the file breaks off (an unreadable stretch), the rows read before the break are still
 * handed on, so they land like those of earlier chunks; then the error is raised.
 */
export async function* groupLines(results: AsyncIterable<LineResult>): AsyncGenerator<ProductGroup> {
  const slugFirstRow = new Map<string, number>();
  const skuFirstRow = new Map<string, number>();
  let current: ProductGroup | undefined;
  let reappeared: number | undefined;

  const iterator = results[Symbol.asyncIterator]();
  for (;;) {
    let next: IteratorResult<LineResult>;
    try {
      next = await iterator.next();
    } catch (error) {
      if (current) yield current;
      throw error;
    }
    if (next.done) break;
    const result = next.value;
    const slug = result.slug;
    if (slug !== undefined && slug !== current?.slug) {
      if (current) yield current;
      current = { slug, firstRow: result.row, lastRow: result.row, rowCount: 0, lines: [], errors: [] };
      reappeared = slugFirstRow.get(slug);
      if (reappeared === undefined) slugFirstRow.set(slug, result.row);
    }
    current ??= { slug: '', firstRow: result.row, lastRow: result.row, rowCount: 0, lines: [], errors: [] };
    const group = current;
    group.lastRow = result.row;
    group.rowCount++;

    if (!result.ok) {
      group.errors.push(...result.errors);
      continue;
    }
    const { line, sku, row } = result;
    if (reappeared !== undefined) {
      group.errors.push({
        row,
        sku,
        field: 'product_slug',
        message: `the rows of product ${slug} must follow each other; it already appeared at row ${reappeared}`,
      });
      continue;
    }
    const skuSeenAt = skuFirstRow.get(sku);
    if (skuSeenAt !== undefined) {
      group.errors.push({ row, sku, field: 'sku', message: `SKU ${sku} already appears at row ${skuSeenAt}` });
      continue;
    }
    skuFirstRow.set(sku, row);
    const first = group.lines[0];
    if (first) {
      const columns = differingColumns(first.product, line.product);
      if (columns.length > 0) {
        for (const column of columns) {
          group.errors.push({
            row,
            sku,
            field: column,
            message: `differs from row ${first.row}: every row of product ${group.slug} must give the same ${column}`,
          });
        }
        continue;
      }
    }
    group.lines.push(line);
  }
  if (current) yield current;
}

/**
 * Packs products into chunks of about `maxRows` rows without splitting a product, so the writer
 * can work on several chunks at once and checkpoint after each. Like `groupLines`, it hands on
 * what it holds before passing an error on.
 */
export async function* chunkGroups(groups: AsyncIterable<ProductGroup>, maxRows: number): AsyncGenerator<ProductGroup[]> {
  let chunk: ProductGroup[] = [];
  let rows = 0;
  const iterator = groups[Symbol.asyncIterator]();
  for (;;) {
    let next: IteratorResult<ProductGroup>;
    try {
      next = await iterator.next();
    } catch (error) {
      if (chunk.length > 0) yield chunk;
      throw error;
    }
    if (next.done) break;
    const group = next.value;
    if (chunk.length > 0 && rows + group.rowCount > maxRows) {
      yield chunk;
      chunk = [];
      rows = 0;
    }
    chunk.push(group);
    rows += group.rowCount;
  }
  if (chunk.length > 0) yield chunk;
}
