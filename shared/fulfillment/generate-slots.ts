import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { mapLimit } from '../catalog/import/concurrency.js';
import { listStores } from '../stores/repository.js';
import { fulfillmentDeps, type FulfillmentDeps } from './deps.js';
import { addDays, localDateOf } from './local-time.js';
import { slotsForDay, type SlotStore } from './slot-template.js';
import { slotItem, type Slot } from './slots.js';

/** How many local dates, today first, the daily run keeps materialized. */
export const GENERATION_DAYS = 7;

/** Puts in flight at once: enough to finish a chain in seconds, few enough not to throttle an on-demand table. */
const WRITE_CONCURRENCY = 8;

export interface GenerationReport {
  stores: number;
  created: number;
  /** Slots that were already there and were left exactly as they were. */
  existing: number;
}

/** Every slot of the store's next `days` local dates, today (at `now`, in the store's zone) first. */
export function upcomingSlots(store: SlotStore, now: Date, days: number): Slot[] {
  const today = localDateOf(now, store.timezone);
  return Array.from({ length: days }, (_, day) => slotsForDay(store, addDays(today, day))).flat();
}

/**
 * Materializes the slots of every open store (or of `stores`) for the next {@link GENERATION_DAYS}
 * local dates. Each slot is a Put that only succeeds where no slot exists yet, so a re-run, or two
 * runs at once, create nothing twice and never touch a slot's `held` count, status or prices.
 */
export async function generateSlots(
  options: { stores?: readonly SlotStore[]; days?: number } = {},
  deps: FulfillmentDeps = fulfillmentDeps(),
): Promise<GenerationReport> {
  const stores = options.stores ?? (await listStores(deps)).filter((store) => store.status === 'open');
  const now = deps.now();
  const slots = stores.flatMap((store) => upcomingSlots(store, now, options.days ?? GENERATION_DAYS));
  const outcomes = await mapLimit(slots, WRITE_CONCURRENCY, async (slot) => {
    try {
      await deps.db.send(new PutCommand({ TableName: deps.tableName, Item: slotItem(slot), ConditionExpression: 'attribute_not_exists(pk)' }));
      return 'created' as const;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'existing' as const;
      throw error;
    }
  });
  const created = outcomes.filter((outcome) => outcome === 'created').length;
  return { stores: stores.length, created, existing: outcomes.length - created };
}
