import { tableDeps, type TableDeps } from '../db/deps.js';

/** The accounts use-cases' dependencies: the table, a clock and ids (see `TableDeps`). */
export type AccountDeps = TableDeps;

/** The production dependencies, with any of them replaced. */
export const accountDeps = tableDeps;
