import { tableDeps, type TableDeps } from '../db/deps.js';

/** The catalog use-cases' dependencies: the table, a clock and ids (see `TableDeps`). */
export type CatalogDeps = TableDeps;

/** Who is acting and which request they are in; use-cases take it instead of an HTTP event. */
export interface Actor {
  /** A principal's subject, or a system actor such as `seed` or `import:<jobId>`. */
  actor: string;
  correlationId?: string;
}

/** The production dependencies, with any of them replaced. */
export const catalogDeps = tableDeps;
