import { backfill } from './backfill.js';
import type { Migration } from './types.js';

/** What the one `integration` role could do, in the roles that replaced it, less refunds and promotions. */
const SUCCESSORS = ['catalog-feed', 'stock-feed', 'pos'];

/**
 * API clients registered with the old catch-all `integration` role keep working: the role becomes the narrow roles
 * that cover what it did (catalog, imports, stock, till sales), without the refunds and promotions it should never
 * have had, and chain-wide as before (`stores: ['*']`, now explicit). Operators should re-register each key with only
 * the role it needs and, for a till, its store (docs/security.md).
 */
export const splitIntegrationRole: Migration = {
  version: '0002-split-integration-role',
  description: 'Replace the integration role of API clients with catalog-feed, stock-feed and pos',
  async run(deps) {
    const changed = await backfill(deps, {
      entityTypes: ['ApiClient'],
      toVersion: 2,
      change: (item) => {
        const roles = Array.isArray(item.roles) ? item.roles.filter((r) => typeof r === 'string') : [];
        if (!roles.includes('integration')) return {};
        return { roles: [...new Set([...roles.filter((r) => r !== 'integration'), ...SUCCESSORS])], stores: ['*'] };
      },
    });
    deps.log(`moved ${changed} API client(s) to schema version 2`);
  },
};
