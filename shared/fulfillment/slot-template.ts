import { money } from '../pricing/money.js';
import type { Store } from '../stores/model.js';
import { localTimeToInstant, type LocalDate } from './local-time.js';
import { formatSlotId } from './slot-id.js';
import { cutoffOf, DEFAULT_SLOT_POLICY, slotFee, type SlotPolicy } from './slot-policy.js';
import type { Slot } from './slots.js';

/** What the template needs of a store. */
export type SlotStore = Pick<Store, 'id' | 'timezone' | 'currency' | 'fulfillmentModes'>;

/**
 * A store's slots for one local date, for each mode it offers, in start order within each mode: the
 * windows of `policy` at the store's wall-clock times, so a window opens at 08:00 local in winter and
 * summer alike. A window whose start does not exist that day (the clocks jump over it) is skipped.
 * Every slot starts empty and open.
 */
export function slotsForDay(store: SlotStore, date: LocalDate, policy: SlotPolicy = DEFAULT_SLOT_POLICY): Slot[] {
  const slots: Slot[] = [];
  for (const mode of store.fulfillmentModes) {
    const rules = policy[mode];
    for (let start = rules.opensAt; start + rules.windowMinutes <= rules.closesAt; start += rules.windowMinutes) {
      const startsAt = localTimeToInstant(date, start, store.timezone);
      if (!startsAt) continue;
      const endsAt = localTimeToInstant(date, start + rules.windowMinutes, store.timezone) ?? new Date(startsAt.getTime() + rules.windowMinutes * 60_000);
      const startsAtIso = startsAt.toISOString();
      slots.push({
        id: formatSlotId(startsAtIso, mode),
        storeId: store.id,
        mode,
        startsAt: startsAtIso,
        endsAt: endsAt.toISOString(),
        cutoffAt: cutoffOf(startsAt, rules).toISOString(),
        timezone: store.timezone,
        capacity: rules.capacity,
        held: 0,
        fee: slotFee(rules, date, start, store.currency),
        minimumOrder: money(rules.minimumOrder, store.currency),
        status: 'open',
      });
    }
  }
  return slots;
}
