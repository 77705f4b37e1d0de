import { INDEXES, keys } from '../db/keys.js';
import { queryAll } from '../db/query.js';
import { inventoryDeps, type InventoryDeps } from './deps.js';
import { releaseIfHeld } from './reservations.js';

/**
 * Hour partitions the sweeper reads back from now. Reaching a day back means a sweeper that was down for up to a
 * day still finds every expired hold before TTL (a day after the hold ends) could remove its reservation item.
 */
export const SWEEP_LOOKBACK_HOURS = 25;
/** Releases run a few at a time: enough to clear a backlog quickly, few enough not to crowd live checkouts. */
const SWEEP_CONCURRENCY = 8;

export interface SweepResult {
  /** Expired holds found in the index. */
  expired: number;
  /** Of those, the ones this sweep released; the rest were released or committed by someone else first. */
  released: number;
}

/**
 * Releases every held reservation whose hold has ended, with reason `expired`. Reads the sparse gsi2 partitions
 * `HOLDS#<hour>` of the last `SWEEP_LOOKBACK_HOURS` hours up to now; each release is conditional on the
 * reservation still being held, so racing an explicit release, a commit or another sweep is safe.
 */
export async function sweepExpiredReservations(deps: InventoryDeps = inventoryDeps()): Promise<SweepResult> {
  const now = deps.now();
  const ids: string[] = [];
  for (let h = SWEEP_LOOKBACK_HOURS - 1; h >= 0; h -= 1) {
    const hour = new Date(now.getTime() - h * 3_600_000).toISOString();
    ids.push(...(await expiredIn(keys.reservationHold(hour, '').gsi2pk, now.toISOString(), deps)));
  }
  let released = 0;
  for (let start = 0; start < ids.length; start += SWEEP_CONCURRENCY) {
    const outcomes = await Promise.all(
      ids.slice(start, start + SWEEP_CONCURRENCY).map(async (id) => (await releaseIfHeld(id, 'expired', deps)).releasedNow),
    );
    released += outcomes.filter(Boolean).length;
  }
  return { expired: ids.length, released };
}

/** Ids of the holds in one hour partition that ended before `nowIso`. */
async function expiredIn(partition: string, nowIso: string, deps: InventoryDeps): Promise<string[]> {
  const items = await queryAll(deps, {
    TableName: deps.tableName,
    IndexName: INDEXES.gsi2.name,
    KeyConditionExpression: '#pk = :pk AND #sk < :now',
    ExpressionAttributeNames: { '#pk': INDEXES.gsi2.partition, '#sk': INDEXES.gsi2.sort },
    ExpressionAttributeValues: { ':pk': partition, ':now': nowIso },
    ProjectionExpression: 'id',
  });
  return items.map((item) => item.id as string);
}
