import { createHash } from 'node:crypto';
import { z } from 'zod';
import { Id } from '../catalog/model.js';
import { StoreId } from '../stores/model.js';
import { DIET_FLAGS, DietFlag, PriceBand } from './document.js';
import { InvalidCursorError } from './errors.js';

/** Query string flags: `true` or `false`, nothing else. */
const Flag = z.enum(['true', 'false']).transform((v) => v === 'true');

/** A comma-separated list of distinct values: `brand=Heinz,Walkers`. */
const List = <T extends z.ZodType<string, string>>(item: T, max: number) =>
  z
    .string()
    .transform((raw) => [...new Set(raw.split(',').map((v) => v.trim()))].filter((v) => v !== ''))
    .pipe(z.array(item).min(1, 'must name at least one value').max(max, `at most ${max} values`));

const SORT_ORDERS = ['relevance', 'price-asc', 'price-desc', 'unit-price-asc'] as const;

export const SearchQuery = z
  .strictObject({
    q: z.string().trim().max(200).optional().describe('Words to find in the name, brand, SKUs, tags and description; typos and unfinished last words are forgiven.'),
    category: Id.optional().describe('A category id; its descendants’ products match too.'),
    brand: List(z.string().min(1).max(80), 20).optional().describe('Comma-separated brands; a product of any of them matches.'),
    diet: List(DietFlag, DIET_FLAGS.length).optional().describe(`Comma-separated dietary flags (${DIET_FLAGS.join(', ')}); a product must have all of them.`),
    priceBand: PriceBand.optional().describe('A band of the lowest variant price.'),
    onOffer: Flag.optional().describe('Only products on offer (`true`) or not on offer (`false`).'),
    store: StoreId.optional().describe('A store id: items then say whether that store has them in stock, and facets count its stock.'),
    inStock: Flag.optional().describe('With `store`: only products in stock there (`true`) or out of stock (`false`).'),
    sort: z.enum(SORT_ORDERS).default('relevance').describe('`relevance` ranks text matches best first, and without `q` puts the best sellers first.'),
    limit: z.coerce.number().int().min(1).max(100).default(24),
    cursor: z.string().max(200).optional().describe('`nextCursor` of the previous page of the same search.'),
  })
  .refine((query) => query.inStock === undefined || query.store !== undefined, {
    path: ['inStock'],
    message: 'needs store: stock is counted per store',
  });
export type SearchQuery = z.infer<typeof SearchQuery>;

/** What a cursor is tied to: everything that decides the results and their order, but not the page size. */
function fingerprint(query: SearchQuery, offset: number): string {
  const { limit: _limit, cursor: _cursor, ...decisive } = query;
  const canonical = JSON.stringify([offset, ...Object.entries(decisive).sort(([a], [b]) => a.localeCompare(b))]);
  return createHash('sha256').update(canonical).digest('base64url').slice(0, 16);
}

const CursorBody = z.strictObject({ o: z.number().int().nonnegative(), f: z.string() });

/** The cursor of the page starting at `offset` of this search. */
export function encodeSearchCursor(query: SearchQuery, offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset, f: fingerprint(query, offset) }), 'utf8').toString('base64url');
}

/**
 * The offset a cursor points at. It must have been issued for this very search (same terms,
 * filters and sort) and not edited: the fingerprint covers both.
 * @throws InvalidCursorError (400) otherwise
 */
export function decodeSearchCursor(query: SearchQuery, cursor: string): number {
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError('is not a cursor returned by this API');
  }
  const parsed = CursorBody.safeParse(body);
  if (!parsed.success) throw new InvalidCursorError('is not a cursor returned by this API');
  if (parsed.data.f !== fingerprint(query, parsed.data.o)) {
    throw new InvalidCursorError('belongs to another search: keep q, filters and sort as they were when it was issued');
  }
  return parsed.data.o;
}
