import { money, type Money } from '../pricing/money.js';
import type { FulfillmentMode } from '../stores/model.js';
import { dayOfWeek, type LocalDate } from './local-time.js';

/** How one mode's slots are laid out and charged. Times are minutes after local midnight; amounts are minor units. */
export interface ModePolicy {
  /** Start of the first window. */
  opensAt: number;
  /** End of the last window. */
  closesAt: number;
  windowMinutes: number;
  /** Orders close this long before a window starts: picking, and loading the van. */
  cutoffMinutes: number;
  /** Orders per window. */
  capacity: number;
  fee: { standard: number; peak: number };
  minimumOrder: number;
}

export type SlotPolicy = Record<FulfillmentMode, ModePolicy>;

const HOUR = 60;

/**
 * The chain's slot policy: hourly delivery 08:00-21:00 and two-hour pickup windows 08:00-20:00,
 * local time. Delivery costs more in the evening peak and on Saturdays, when vans are busiest;
 * pickup is free outside those times. Amounts assume a currency with two minor-unit digits.
 */
export const DEFAULT_SLOT_POLICY: SlotPolicy = {
  delivery: {
    opensAt: 8 * HOUR,
    closesAt: 21 * HOUR,
    windowMinutes: HOUR,
    cutoffMinutes: 2 * HOUR,
    capacity: 10,
    fee: { standard: 399, peak: 599 },
    minimumOrder: 2500,
  },
  pickup: {
    opensAt: 8 * HOUR,
    closesAt: 20 * HOUR,
    windowMinutes: 2 * HOUR,
    cutoffMinutes: HOUR,
    capacity: 20,
    fee: { standard: 0, peak: 100 },
    minimumOrder: 1500,
  },
};

const SATURDAY = 6;
const SUNDAY = 0;
/** Weekday windows starting in [17:00, 20:00) local time are the evening peak. */
const EVENING_PEAK = { from: 17 * HOUR, to: 20 * HOUR };

/** Whether a window starting at `startMinute` (local) on `date` is peak: all of Saturday, and weekday evenings. */
export function isPeak(date: LocalDate, startMinute: number): boolean {
  const day = dayOfWeek(date);
  if (day === SATURDAY) return true;
  return day !== SUNDAY && startMinute >= EVENING_PEAK.from && startMinute < EVENING_PEAK.to;
}

/** The fee of a window, in the store's currency. */
export function slotFee(policy: ModePolicy, date: LocalDate, startMinute: number, currency: string): Money {
  return money(isPeak(date, startMinute) ? policy.fee.peak : policy.fee.standard, currency);
}

/** The slot's cut-off: `cutoffMinutes` of real time before it starts, whatever the clocks do. */
export function cutoffOf(startsAt: Date, policy: ModePolicy): Date {
  return new Date(startsAt.getTime() - policy.cutoffMinutes * 60_000);
}
