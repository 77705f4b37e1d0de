import { tableDeps, type TableDeps } from '../db/deps.js';

/** The inventory use-cases' dependencies: the table, a clock and ids (see `TableDeps`). */
export type InventoryDeps = TableDeps;

/** The production dependencies, with any of them replaced. */
export const inventoryDeps = tableDeps;
