import { keys } from '../db/keys.js';

/**
 * When a shopper last used the API, kept on their profile as a UTC day (`lastActiveAt`, `2026-12-07`) with the activity
 * index's keys, for the retention of inactive accounts (docs/accounts.md, "Privacy and retention"). A day, not an
 * instant: it is all the retention needs, it tells less about the shopper, and it makes "at most one write per shopper
 * per day" a string comparison.
 */

/** The UTC day of an instant, `YYYY-MM-DD`. */
export function utcDay(at: Date | string): string {
  return (typeof at === 'string' ? at : at.toISOString()).slice(0, 10);
}

/** What a visit on `day` writes on the profile: the day and the activity index's keys. */
export function activityAttributes(shopperId: string, day: string): { lastActiveAt: string; gsi2pk: string; gsi2sk: string } {
  return { lastActiveAt: day, ...keys.shopperActivity(shopperId, day) };
}

/**
 * Whether a visit on `today` must be written: the profile has no `lastActiveAt` (it was made before activity was
 * recorded) or one from an earlier day. Days compare as strings because they are all `YYYY-MM-DD`.
 */
export function activityIsStale(lastActiveAt: unknown, today: string): boolean {
  return typeof lastActiveAt !== 'string' || lastActiveAt < today;
}
