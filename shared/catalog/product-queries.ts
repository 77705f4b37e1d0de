import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { z } from 'zod';
import { INDEXES, keys } from '../db/keys.js';
import { NotFoundError, ValidationError } from '../errors.js';
import { attributeTerm } from './attributes.js';
import { decodeCursor, encodeCursor, ProductListingKey, productListingKey } from './cursor.js';
import { catalogDeps, type CatalogDeps } from './deps.js';
import { getCategory, getProductRecord, productFromItem } from './repository.js';
import { parseInput, ProductFilters, type ProductFiltersInput } from './requests.js';
import { toProductView, type ProductView } from './views.js';

/** The gsi1 partition holding every product, ordered by category path then id. */
const PRODUCTS = keys.productListing('', '').gsi1pk;

/** Most items one DynamoDB query evaluates while filling a page; filtered-out items count towards it. */
const MAX_QUERY_WINDOW = 100;

/**
 * One product by id, as the API shows it.
 * @throws NotFoundError (404) when there is no such product
 */
export async function getProduct(id: string, deps: CatalogDeps = catalogDeps()): Promise<ProductView> {
  const product = await getProductRecord(deps, id);
  if (!product) throw new NotFoundError('Product', id);
  return toProductView(product);
}

export interface ProductPage {
  items: ProductView[];
  /** Pass back as `cursor` for the next page; `null` on the last one. */
  nextCursor: string | null;
}

interface ListingQuery {
  keyCondition: string;
  filter: string;
  names: Record<string, string>;
  values: Record<string, unknown>;
  /** The category path the listing is confined to (with its descendants), `''` for all; cursors outside it are refused. */
  prefix: string;
}

async function listingQuery(deps: CatalogDeps, filters: z.infer<typeof ProductFilters>): Promise<ListingQuery> {
  const names: Record<string, string> = { '#gpk': INDEXES.gsi1.partition, '#status': 'status' };
  const values: Record<string, unknown> = { ':gpk': PRODUCTS, ':status': filters.status };
  const conditions = ['#status = :status'];
  let keyCondition = '#gpk = :gpk';
  let prefix = '';
  if (filters.category) {
    const stored = await getCategory(deps, filters.category);
    if (!stored) throw new ValidationError([{ field: 'query.category', message: `no category has the id ${filters.category}` }]);
    prefix = stored.category.path;
    keyCondition += ' AND begins_with(#gsk, :prefix)';
    names['#gsk'] = INDEXES.gsi1.sort;
    names['#path'] = 'categoryPath';
    values[':prefix'] = prefix;
    values[':below'] = `${prefix}/`;
    // The key prefix also matches sibling paths that merely start alike (`fruit` and `fruit-juice`).
    conditions.push('(#path = :prefix OR begins_with(#path, :below))');
  }
  if (filters.tag) {
    names['#tags'] = 'tags';
    values[':tag'] = filters.tag;
    conditions.push('contains(#tags, :tag)');
  }
  Object.entries(filters.attr).forEach(([name, value], i) => {
    names['#terms'] = 'attrTerms';
    values[`:term${i}`] = attributeTerm(name, value);
    conditions.push(`contains(#terms, :term${i})`);
  });
  return { keyCondition, filter: conditions.join(' AND '), names, values, prefix };
}

/**
 * Lists products in a stable order (category path, then id), filtered by category (with its
 * descendants), tag, `attr.<name>` values and status (active by default). Filters apply after
 * DynamoDB reads, so it keeps querying until the page is full or the products run out.
 * @throws ValidationError (400) for an unknown category or a cursor this listing did not issue
 */
export async function listProducts(query: ProductFiltersInput, deps: CatalogDeps = catalogDeps()): Promise<ProductPage> {
  const filters = parseInput(ProductFilters, query, 'query');
  const plan = await listingQuery(deps, filters);
  let start: Record<string, unknown> | undefined;
  if (filters.cursor !== undefined) {
    const key = decodeCursor(filters.cursor, ProductListingKey);
    const path = key.gsi1sk.slice(0, key.gsi1sk.lastIndexOf('#'));
    if (plan.prefix !== '' && path !== plan.prefix && !path.startsWith(`${plan.prefix}/`)) {
      throw new ValidationError([{ field: 'query.cursor', message: 'belongs to a different listing' }], 'The cursor is not valid.');
    }
    start = key;
  }

  // Raw items until the page is known: only the products shown are parsed.
  const found: Record<string, unknown>[] = [];
  let nextCursor: string | null = null;
  for (;;) {
    const remaining = filters.limit - found.length;
    const page = await deps.db.send(
      new QueryCommand({
        TableName: deps.tableName,
        IndexName: INDEXES.gsi1.name,
        KeyConditionExpression: plan.keyCondition,
        FilterExpression: plan.filter,
        ExpressionAttributeNames: plan.names,
        ExpressionAttributeValues: plan.values,
        ExclusiveStartKey: start,
        Limit: Math.min(MAX_QUERY_WINDOW, remaining * 2),
      }),
    );
    found.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
    if (found.length > filters.limit) {
      // What was read beyond the page only says that more follow: it is neither parsed nor shown.
      found.length = filters.limit;
      const products = found.map(productFromItem);
      return { items: products.map((p) => toProductView(p)), nextCursor: encodeCursor(productListingKey(products.at(-1)!)) };
    }
    if (!start) break;
    if (found.length === filters.limit) {
      nextCursor = encodeCursor(start);
      break;
    }
  }
  return { items: found.map((item) => toProductView(productFromItem(item))), nextCursor };
}
