import { tableDeps, type TableDeps } from '../db/deps.js';

/** The promotions use-cases' dependencies: the table, a clock and ids (see `TableDeps`). */
export type PromotionDeps = TableDeps;

/** The production dependencies, with any of them replaced. */
export const promotionDeps = tableDeps;
