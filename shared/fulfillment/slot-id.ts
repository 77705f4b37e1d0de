import { z } from 'zod';
import { FULFILLMENT_MODES, FulfillmentMode } from '../stores/model.js';

/** A slot is for one of the modes a store offers: delivery to an address, or pickup at the store. */
export const SLOT_MODES = FULFILLMENT_MODES;
export const SlotMode = FulfillmentMode;
export type SlotMode = FulfillmentMode;

/**
 * A slot's id in URLs and carts: its UTC start to the minute and its mode, `2026-11-27T08:00Z~delivery`.
 * Every character is unreserved or allowed in a path segment (RFC 3986), so it needs no escaping,
 * and it names the slot's key without a lookup: the store comes from the path.
 */
export const SLOT_ID_PATTERN = new RegExp(`^(\\d{4})-(\\d{2})-(\\d{2})T(\\d{2}):(\\d{2})Z~(${SLOT_MODES.join('|')})$`);

export interface SlotRef {
  /** The UTC start, as `Date.toISOString()` writes it; the slot's sort key is built from it. */
  startsAt: string;
  mode: SlotMode;
}

/** The URL id of the slot that starts at `startsAt` (whole minutes, UTC) in `mode`. */
export function formatSlotId(startsAt: string, mode: SlotMode): string {
  return `${new Date(startsAt).toISOString().slice(0, 16)}Z~${mode}`;
}

/**
 * Reads a slot id strictly: the exact shape, a real calendar date and time (no `2026-02-30`, no `24:00`),
 * and a known mode. Returns `undefined` for anything else.
 */
export function parseSlotId(id: string): SlotRef | undefined {
  const match = SLOT_ID_PATTERN.exec(id);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, mode] = match as unknown as [string, string, string, string, string, string, SlotMode];
  const instant = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute)));
  const startsAt = instant.toISOString();
  // Date.UTC rolls 2026-02-30 over to March 2; comparing the round trip rejects it.
  if (startsAt.slice(0, 16) !== `${year}-${month}-${day}T${hour}:${minute}`) return undefined;
  return { startsAt, mode };
}

/** A slot id in a request: parsed strictly, with a message that shows the expected shape. */
export const SlotId = z.string().refine((id) => parseSlotId(id) !== undefined, {
  message: 'must be a slot id such as 2026-11-27T08:00Z~delivery (UTC start to the minute, then ~delivery or ~pickup)',
});
