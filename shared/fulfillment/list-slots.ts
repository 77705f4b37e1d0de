import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { keys, PREFIXES } from '../db/keys.js';
import { ValidationError } from '../errors.js';
import type { Money } from '../pricing/money.js';
import { requireStore } from '../stores/repository.js';
import { fulfillmentDeps, type FulfillmentDeps } from './deps.js';
import { GENERATION_DAYS } from './generate-slots.js';
import { addDays, localDateOf, parseLocalDate, startOfLocalDay, toLocalIso, type LocalDate } from './local-time.js';
import { SlotMode } from './slot-id.js';
import { slotFromItem, type Slot, type SlotStatus } from './slots.js';

/** How far ahead a shopper may look: past the generated week, so a late generation run shows as an empty day, not an error. */
export const MAX_DAYS_AHEAD = 14;

export const ListSlotsQuery = z.strictObject({
  date: z
    .string()
    .refine((text) => parseLocalDate(text) !== undefined, 'must be a calendar date YYYY-MM-DD')
    .optional()
    .describe(`One local date at the store, today to ${MAX_DAYS_AHEAD} days ahead. Without it: the next ${GENERATION_DAYS} days, today first.`),
  mode: SlotMode.optional().describe('Only delivery, or only pickup, slots.'),
});
export type ListSlotsQuery = z.infer<typeof ListSlotsQuery>;

/** A slot as shoppers see it: how much room is left and whether it can be chosen now. */
export interface SlotView {
  id: string;
  storeId: string;
  mode: SlotMode;
  startsAt: string;
  endsAt: string;
  /** The same instants at the store's wall-clock time, with its UTC offset. */
  startsAtLocal: string;
  endsAtLocal: string;
  cutoffAt: string;
  capacity: number;
  remaining: number;
  /** False once the slot is full, closed or past its cut-off, at the time of the request. */
  available: boolean;
  fee: Money;
  minimumOrder: Money;
  status: SlotStatus;
}

export interface SlotList {
  storeId: string;
  timezone: string;
  /** The local dates covered, inclusive. */
  from: LocalDate;
  to: LocalDate;
  items: SlotView[];
}

/** A slot's view at `now`. */
export function slotView(slot: Slot, now: Date): SlotView {
  const remaining = Math.max(slot.capacity - slot.held, 0);
  return {
    id: slot.id,
    storeId: slot.storeId,
    mode: slot.mode,
    startsAt: slot.startsAt,
    endsAt: slot.endsAt,
    startsAtLocal: toLocalIso(new Date(slot.startsAt), slot.timezone),
    endsAtLocal: toLocalIso(new Date(slot.endsAt), slot.timezone),
    cutoffAt: slot.cutoffAt,
    capacity: slot.capacity,
    remaining,
    available: slot.status === 'open' && remaining > 0 && now.getTime() < Date.parse(slot.cutoffAt),
    fee: slot.fee,
    minimumOrder: slot.minimumOrder,
    status: slot.status,
  };
}

/** The local dates asked for, checked against the store's own today. */
function dateRange(query: ListSlotsQuery, today: LocalDate, where: string): { from: LocalDate; to: LocalDate } {
  if (query.date === undefined) return { from: today, to: addDays(today, GENERATION_DAYS - 1) };
  const latest = addDays(today, MAX_DAYS_AHEAD);
  const problem =
    query.date < today
      ? `${query.date} is in the past: today at ${where} is ${today}`
      : query.date > latest
        ? `${query.date} is more than ${MAX_DAYS_AHEAD} days ahead: the last date with slots at ${where} is ${latest}`
        : undefined;
  if (problem) throw new ValidationError([{ field: 'query.date', message: problem }], `The date ${problem}.`);
  return { from: query.date, to: query.date };
}

/**
 * A store's slots for one local date or the coming week, in start order, optionally of one mode.
 *
 * @throws NotFoundError (404) for an unknown store; ValidationError (400) for a date before the store's today or more than {@link MAX_DAYS_AHEAD} days ahead
 */
export async function listSlots(storeId: string, query: ListSlotsQuery, deps: FulfillmentDeps = fulfillmentDeps()): Promise<SlotList> {
  const store = await requireStore(storeId, deps);
  const now = deps.now();
  const { from, to } = dateRange(query, localDateOf(now, store.timezone), `${store.id} (${store.timezone})`);
  const { pk } = keys.store(store.id);
  // Sort keys are `SLOT#<UTC start>#<mode>`, so the local days' UTC bounds select them; the upper bound sorts before any slot starting then.
  const lower = `${PREFIXES.slot}${startOfLocalDay(from, store.timezone).toISOString()}`;
  const upper = `${PREFIXES.slot}${startOfLocalDay(addDays(to, 1), store.timezone).toISOString()}`;
  const slots: Slot[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await deps.db.send(
      new QueryCommand({
        TableName: deps.tableName,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :lower AND :upper',
        ...(query.mode ? { FilterExpression: '#mode = :mode' } : {}),
        ExpressionAttributeNames: query.mode ? { '#mode': 'mode' } : undefined,
        ExpressionAttributeValues: { ':pk': pk, ':lower': lower, ':upper': upper, ...(query.mode ? { ':mode': query.mode } : {}) },
        ExclusiveStartKey: start,
      }),
    );
    slots.push(...(page.Items ?? []).map(slotFromItem));
    start = page.LastEvaluatedKey;
  } while (start);
  return { storeId: store.id, timezone: store.timezone, from, to, items: slots.map((slot) => slotView(slot, now)) };
}
