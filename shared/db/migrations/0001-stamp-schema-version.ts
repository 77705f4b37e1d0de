import { backfill } from './backfill.js';
import type { Migration } from './types.js';

/** The entity types that existed when this migration was written; later types are born versioned. */
const ENTITY_TYPES = [
  'Category',
  'CategoryPath',
  'Product',
  'SkuClaim',
  'ImportJob',
  'ImportRowError',
  'AuditEntry',
  'ApiClient',
] as const;

/**
 * Gives every entity item written before versioning a `schemaVersion` of 1, so that every later
 * backfill can select the items it still has to upgrade by that attribute alone.
 */
export const stampSchemaVersion: Migration = {
  version: '0001-stamp-schema-version',
  description: 'Stamp schemaVersion 1 on entity items that have none',
  async run(deps) {
    const changed = await backfill(deps, { entityTypes: ENTITY_TYPES, toVersion: 1, change: () => ({}) });
    deps.log(`stamped ${changed} item(s)`);
  },
};
