import type { AuditedBy } from '../audit/audit-entry.js';
import { tableDeps, type TableDeps } from '../db/deps.js';

/** The catalog use-cases' dependencies: the table, a clock and ids (see `TableDeps`). */
export type CatalogDeps = TableDeps;

/**
 * Who is acting and which request they are in; use-cases take it instead of an HTTP event. `actor` is a principal's
 * subject, or a system actor such as `seed` or `import:<jobId>`; its kind and the correlation id reach the audit.
 */
export type Actor = AuditedBy;

/** The production dependencies, with any of them replaced. */
export const catalogDeps = tableDeps;
