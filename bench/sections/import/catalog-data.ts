import { COLUMNS, type Column } from '../../../shared/catalog/import/columns.js';
import type { CreateCategoryInput } from '../../../shared/catalog/requests.js';

/**
 * A generated grocery catalog for the import benchmark: a small category tree and any number of
 * import rows, each product with the same number of variants. Everything is deterministic, so the
 * import and the raw write see byte-for-byte the same rows, run after run.
 */

/** Roots define the attributes that every product below them may carry. */
const ROOTS: { slug: string; name: string; children: string[] }[] = [
  { slug: 'fresh-produce', name: 'Fresh produce', children: ['fruit', 'vegetables', 'salad', 'herbs', 'mushrooms'] },
  { slug: 'bakery', name: 'Bakery', children: ['bread', 'rolls', 'cakes', 'pastries', 'wraps'] },
  { slug: 'drinks', name: 'Drinks', children: ['water', 'juice', 'soft-drinks', 'coffee', 'tea'] },
  { slug: 'household', name: 'Household', children: ['cleaning', 'laundry', 'paper', 'kitchen', 'bathroom'] },
];

const ROOT_ATTRIBUTES: CreateCategoryInput['attributes'] = [
  { name: 'origin', type: 'string', required: false },
  { name: 'organic', type: 'boolean', required: false },
];

/** The categories to create before importing, parents first. `parent` names a root by slug. */
export function seedCategories(): { parent: string | null; input: Omit<CreateCategoryInput, 'parentId'> }[] {
  return ROOTS.flatMap((root) => [
    { parent: null, input: { slug: root.slug, name: root.name, tags: [root.slug], attributes: ROOT_ATTRIBUTES } },
    ...root.children.map((child) => ({
      parent: root.slug,
      input: { slug: child, name: child.replace(/-/g, ' '), tags: [child], attributes: [] },
    })),
  ]);
}

const LEAF_PATHS = ROOTS.flatMap((root) => root.children.map((child) => ({ path: `${root.slug}/${child}`, root: root.slug })));
const BRANDS = ['Greenfield', 'Harvest Co', 'Brook & Vale', 'Northmill', 'Sunny Acres', 'Own Label'];
const ORIGINS = ['Spain', 'United Kingdom', 'Kenya', 'Peru', 'Italy', 'Netherlands'];
const SIZES = [250, 330, 400, 500, 750, 1000];

export type ImportRowCells = Record<Column, string>;

function variantCells(productIndex: number, variantIndex: number, root: string): Partial<ImportRowCells> {
  const size = SIZES[variantIndex % SIZES.length]!;
  const price = String(45 + ((productIndex * 37 + variantIndex * 11) % 950));
  const sku = `BN${String(productIndex).padStart(6, '0')}-${String(variantIndex).padStart(2, '0')}`;
  const barcode = String(5_000_000_000_000 + productIndex * 100 + variantIndex);
  const base = { sku, price, currency: 'GBP', barcode };
  // A realistic mix of the four ways a grocery variant is sold.
  switch (variantIndex % 4) {
    case 0:
      return { ...base, variant_name: `${size} ${root === 'drinks' ? 'ml' : 'g'}`, sold_by: 'each', net_quantity: String(size), net_unit: root === 'drinks' ? 'ml' : 'g' };
    case 1:
      return { ...base, variant_name: `Pack of 6 × ${size}`, sold_by: 'pack', pack_size: '6', net_quantity: String(size * 6), net_unit: root === 'drinks' ? 'ml' : 'g' };
    case 2:
      return { ...base, variant_name: `Loose, variety ${variantIndex}`, sold_by: 'weight', average_weight_grams: String(80 + (variantIndex % 9) * 20) };
    default:
      return { ...base, variant_name: `Refill, variety ${variantIndex}`, sold_by: 'volume' };
  }
}

/**
 * Yields `rows` import rows: products of `variantsPerProduct` consecutive rows each (the last
 * product takes whatever is left), spread over the leaf categories.
 */
export function* catalogRows(rows: number, variantsPerProduct: number): Generator<ImportRowCells> {
  for (let row = 0; row < rows; row++) {
    const productIndex = Math.floor(row / variantsPerProduct);
    const variantIndex = row % variantsPerProduct;
    const leaf = LEAF_PATHS[productIndex % LEAF_PATHS.length]!;
    const brand = BRANDS[productIndex % BRANDS.length]!;
    const cells: Partial<ImportRowCells> = {
      product_slug: `bench-product-${productIndex}`,
      product_name: `${brand} ${leaf.path.split('/')[1]!.replace(/-/g, ' ')} no. ${productIndex}`,
      brand,
      description: `Generated product ${productIndex}, for the import benchmark. Keep cool, dry, and out of direct sunlight.`,
      category_path: leaf.path,
      tags: `bench|${leaf.root}|batch-${productIndex % 10}`,
      attributes: `origin=${ORIGINS[productIndex % ORIGINS.length]}|organic=${productIndex % 3 === 0}`,
      tax_category: leaf.root === 'household' ? 'non-food' : 'food',
      age_restricted: 'no',
      ...variantCells(productIndex, variantIndex, leaf.root),
    };
    yield Object.fromEntries(COLUMNS.map((c) => [c, cells[c] ?? ''])) as ImportRowCells;
  }
}

function csvCell(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** The rows as a CSV file with the template's header, one line at a time. */
export function* catalogCsvLines(rows: number, variantsPerProduct: number): Generator<string> {
  yield `${COLUMNS.join(',')}\n`;
  for (const row of catalogRows(rows, variantsPerProduct)) yield `${COLUMNS.map((c) => csvCell(row[c])).join(',')}\n`;
}
