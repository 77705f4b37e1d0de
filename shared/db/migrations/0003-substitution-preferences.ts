import { backfill, type Item } from './backfill.js';
import type { Migration } from './types.js';

/** The lines with the substitution preference `any` spelled as it is since issue 12, `best-match`; other lines as they are. */
function renamed(lines: readonly unknown[]): unknown[] {
  return lines.map((line) =>
    typeof line === 'object' && line !== null && (line as Item).substitution === 'any' ? { ...(line as Item), substitution: 'best-match' } : line,
  );
}

/**
 * The substitution preferences became `none`, `best-match`, `same-brand` and `specific` (issue 12): the `any` of carts'
 * and orders' lines is `best-match` now, so stored lines say so too. The schemas still read `any` as `best-match`, so
 * an item not yet rewritten (or written by code deployed before this ran) is read right; this makes the table agree
 * with the code, and lets that reading be dropped one day. Carts and orders are stamped with schema version 2.
 */
export const substitutionPreferences: Migration = {
  version: '0003-substitution-preferences',
  description: 'Rename the substitution preference any to best-match on the lines of carts and orders',
  async run(deps) {
    const changed = await backfill(deps, {
      entityTypes: ['Cart', 'Order'],
      toVersion: 2,
      change: (item) => (Array.isArray(item.lines) ? { lines: renamed(item.lines) } : {}),
    });
    deps.log(`moved ${changed} cart(s) and order(s) to schema version 2`);
  },
};
