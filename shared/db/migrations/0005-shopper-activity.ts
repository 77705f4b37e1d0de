import { keys } from '../keys.js';
import { backfill } from './backfill.js';
import type { Migration } from './types.js';

/**
 * Profiles record the day their shopper last used the API since issue 13 (`shared/accounts/activity.ts`), and the
 * retention job finds inactive accounts through the activity index alone. A profile made before that has no entry there;
 * it gets one from the day it was made (`createdAt`), which is when we last know its shopper was here, so an account
 * nobody came back to is found. One used since already has its own (its activity update stamps version 2, so this
 * backfill, conditioned on the version it read, leaves it alone). Profiles are stamped with schema version 2.
 */
export const shopperActivity: Migration = {
  version: '0005-shopper-activity',
  description: 'Give every profile an entry in the activity index, from its creation day when it has none',
  async run(deps) {
    const changed = await backfill(deps, {
      entityTypes: ['ShopperProfile'],
      toVersion: 2,
      change: (item) => {
        // A profile that cannot be dated is left out rather than guessed at (every profile made by ensureProfile has both).
        if (item.gsi2pk !== undefined || typeof item.shopperId !== 'string' || typeof item.createdAt !== 'string') return {};
        return keys.shopperActivity(item.shopperId, item.createdAt.slice(0, 10));
      },
    });
    deps.log(`gave ${changed} profile(s) an activity entry`);
  },
};
