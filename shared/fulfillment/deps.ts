import { tableDeps, type TableDeps } from '../db/deps.js';

/** The fulfillment use-cases' dependencies: the table, a clock and ids (see `TableDeps`). */
export type FulfillmentDeps = TableDeps;

/** The production dependencies, with any of them replaced. */
export const fulfillmentDeps = tableDeps;
