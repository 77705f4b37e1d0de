import { tableDeps, type TableDeps } from '../db/deps.js';

/** The loyalty use-cases' dependencies: the table, a clock and ids (see `TableDeps`). */
export type LoyaltyDeps = TableDeps;

/** The production dependencies, with any of them replaced. */
export const loyaltyDeps = tableDeps;
