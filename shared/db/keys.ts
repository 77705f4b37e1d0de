/**
 * Every key shape in SmartShelf's single table, in one place. `docs/data-model.md` lists the
 * access pattern each one serves; the CDK table construct and the local migrations import the
 * attribute and index names from here, so the table and the code cannot disagree.
 */

export const TABLE_KEYS = { partition: 'pk', sort: 'sk' } as const;

/** Global secondary indexes: generic overloaded attributes, as in the single-table examples we follow. */
export const INDEXES = {
  gsi1: { name: 'gsi1', partition: 'gsi1pk', sort: 'gsi1sk' },
  gsi2: { name: 'gsi2', partition: 'gsi2pk', sort: 'gsi2sk' },
} as const;

/** Attribute that DynamoDB's TTL deletes items by (epoch seconds). */
export const TTL_ATTRIBUTE = 'expiresAt';

export interface Key {
  pk: string;
  sk: string;
}

/** Every entity type stored in the table; items carry it as `entityType`. */
export type EntityType =
  | 'Category'
  | 'CategoryPath'
  | 'Product'
  | 'SkuClaim'
  | 'ImportJob'
  | 'ImportRowError'
  | 'AuditEntry'
  | 'ApiClient'
  | 'Migration'
  | 'IdempotencyRecord';

export const keys = {
  category: (id: string): Key => ({ pk: `CATEGORY#${id}`, sk: 'CATEGORY' }),
  /** gsi1: every category, ordered by materialized path so that a subtree is one `begins_with`. */
  categoryTree: (path: string) => ({ gsi1pk: 'CATEGORIES', gsi1sk: path }),
  /** Claims a category path so two categories can never share one. */
  categoryPath: (path: string): Key => ({ pk: `CATEGORY_PATH#${path}`, sk: 'CATEGORY_PATH' }),

  product: (id: string): Key => ({ pk: `PRODUCT#${id}`, sk: 'PRODUCT' }),
  /** gsi1: products ordered by category path then id, so a category and its descendants are one query. */
  productListing: (categoryPath: string, productId: string) => ({
    gsi1pk: 'PRODUCTS',
    gsi1sk: `${categoryPath}#${productId}`,
  }),
  /** Claims a SKU for one product: uniqueness across the catalog and lookup by SKU. */
  sku: (sku: string): Key => ({ pk: `SKU#${sku}`, sk: 'SKU' }),

  importJob: (id: string): Key => ({ pk: `IMPORT#${id}`, sk: 'IMPORT' }),
  importRowError: (jobId: string, row: number): Key => ({
    pk: `IMPORT#${jobId}`,
    sk: `ERROR#${String(row).padStart(9, '0')}`,
  }),

  /** Audit entries of one entity, newest last. */
  audit: (entity: string, entityId: string, at: string, id: string): Key => ({
    pk: `AUDIT#${entity}#${entityId}`,
    sk: `AT#${at}#${id}`,
  }),
  /** gsi1: the whole audit log of one day, in time order. */
  auditByDay: (at: string, id: string) => ({ gsi1pk: `AUDIT#${at.slice(0, 10)}`, gsi1sk: `${at}#${id}` }),

  /** An integration's API key, stored only as its SHA-256. */
  apiClient: (keyHash: string): Key => ({ pk: `APIKEY#${keyHash}`, sk: 'APIKEY' }),

  migration: (version: string): Key => ({ pk: 'MIGRATION', sk: version }),
} as const;

/** Key prefixes that queries use with `begins_with`. */
export const PREFIXES = {
  importRowError: 'ERROR#',
  auditEntry: 'AT#',
} as const;
