import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { AppError } from '../errors.js';
import { keys, TTL_ATTRIBUTE, type Key } from '../db/keys.js';
import type { TransactItem } from '../db/transact.js';
import type { Money } from '../pricing/money.js';
import { fulfillmentDeps, type FulfillmentDeps } from './deps.js';
import { MalformedSlotIdError, SlotClosedError, SlotCutOffError, SlotFullError, SlotInPastError, SlotNotFoundError } from './errors.js';
import { parseSlotId, type SlotMode } from './slot-id.js';

export { formatSlotId, parseSlotId, SlotId, SlotMode, SLOT_MODES } from './slot-id.js';

/**
 * The fulfillment context's API for carts and checkout: read a slot, check it can be booked, and
 * hold or release one unit of its capacity inside the caller's own transaction (with the stock).
 */

export type SlotStatus = 'open' | 'closed';

/** A delivery or pickup window at one store. Times are ISO 8601 in UTC. */
export interface Slot {
  /** `2026-11-27T08:00Z~delivery`: see `slot-id.ts`. */
  id: string;
  storeId: string;
  mode: SlotMode;
  startsAt: string;
  endsAt: string;
  /** Orders for the slot close here, before it starts (the picking and loading time). */
  cutoffAt: string;
  /** The store's IANA time zone, for showing the window as the shopper's wall-clock time. */
  timezone: string;
  /** How many orders the slot takes. */
  capacity: number;
  /** How many of them are held by baskets and orders; never above `capacity`. */
  held: number;
  /** Charged for the slot before promotions: peak evenings and Saturdays cost more. */
  fee: Money;
  /** The least a basket (goods after discounts) must come to for this slot. */
  minimumOrder: Money;
  status: SlotStatus;
}

/** The stored item: the slot with its keys. */
export interface SlotItem extends Slot {
  pk: string;
  sk: string;
  entityType: 'Slot';
  schemaVersion: 1;
  [TTL_ATTRIBUTE]: number;
}

/** Slots are removed this long after they end; orders keep their own copy of the window. */
const SLOT_RETENTION_SECONDS = 90 * 24 * 60 * 60;

/** The stored item for a slot. */
export function slotItem(slot: Slot): SlotItem {
  return {
    ...keys.slot(slot.storeId, slot.startsAt, slot.mode),
    entityType: 'Slot',
    schemaVersion: 1,
    ...slot,
    [TTL_ATTRIBUTE]: Math.floor(Date.parse(slot.endsAt) / 1000) + SLOT_RETENTION_SECONDS,
  };
}

/** The slot without its storage attributes. */
export function slotFromItem(item: Record<string, unknown>): Slot {
  const { pk: _pk, sk: _sk, entityType: _type, schemaVersion: _version, [TTL_ATTRIBUTE]: _ttl, ...slot } = item;
  return slot as unknown as Slot;
}

/** The table key of a store's slot, named by its id. */
function slotKey(storeId: string, slotId: string): Key {
  const ref = parseSlotId(slotId);
  if (!ref) throw new MalformedSlotIdError(slotId);
  return keys.slot(storeId, ref.startsAt, ref.mode);
}

/**
 * Reads one slot of a store (strongly consistent, so a hold just taken is counted).
 *
 * @returns the slot, or `undefined` when the store has no such slot
 * @throws MalformedSlotIdError (400) when `slotId` does not parse
 */
export async function getSlot(storeId: string, slotId: string, deps: FulfillmentDeps = fulfillmentDeps()): Promise<Slot | undefined> {
  const { Item } = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: slotKey(storeId, slotId), ConsistentRead: true }));
  return Item ? slotFromItem(Item) : undefined;
}

/**
 * Checks that a slot can be chosen at `now`, in the order a shopper can act on: closed, started,
 * past its cut-off, full. The hold's condition enforces the same rules at commit; this gives the
 * clear message before a transaction is tried.
 *
 * @throws SlotClosedError (409), SlotInPastError (422), SlotCutOffError (422) or SlotFullError (409)
 */
export function assertBookable(slot: Slot, now: Date): void {
  if (slot.status !== 'open') throw new SlotClosedError(slot.id);
  if (now.getTime() >= Date.parse(slot.startsAt)) throw new SlotInPastError(slot.id, slot.startsAt);
  if (now.getTime() >= Date.parse(slot.cutoffAt)) throw new SlotCutOffError(slot.id, slot.cutoffAt);
  if (slot.held >= slot.capacity) throw new SlotFullError(slot.id, slot.capacity);
}

/** The name a transaction's caller reports a failed slot hold or release under, e.g. in `extraItemLabels`. */
export function slotLabel(storeId: string, slotId: string): string {
  return `slot ${slotId} at ${storeId}`;
}

/**
 * One unit of the slot's capacity, as an item of the caller's transaction: it commits only if the
 * slot exists, is open, is not full and its cut-off is after `now`, so capacity can never be
 * oversold however many checkouts race. ISO times in UTC compare correctly as strings.
 * After a cancellation, {@link explainSlotHoldFailure} says which rule failed.
 *
 * @throws MalformedSlotIdError (400) when `slotId` does not parse
 */
export function slotHoldItem(tableName: string, storeId: string, slotId: string, now: Date): TransactItem {
  return {
    Update: {
      TableName: tableName,
      Key: slotKey(storeId, slotId),
      UpdateExpression: 'SET #held = #held + :one',
      ConditionExpression: 'attribute_exists(pk) AND #held < #capacity AND cutoffAt > :now AND #status = :open',
      ExpressionAttributeNames: { '#held': 'held', '#capacity': 'capacity', '#status': 'status' },
      ExpressionAttributeValues: { ':one': 1, ':now': now.toISOString(), ':open': 'open' },
    },
  };
}

/**
 * Gives one unit of capacity back, as an item of the caller's transaction (a released basket, a
 * cancelled order). It is not idempotent by itself: the caller pairs it with the change that marks
 * its hold released (a condition on the reservation's status), so a repeat cancels instead of
 * releasing twice. The `held > 0` condition is the last guard against going negative.
 *
 * @throws MalformedSlotIdError (400) when `slotId` does not parse
 */
export function slotReleaseItem(tableName: string, storeId: string, slotId: string): TransactItem {
  return {
    Update: {
      TableName: tableName,
      Key: slotKey(storeId, slotId),
      UpdateExpression: 'SET #held = #held - :one',
      ConditionExpression: '#held > :zero',
      ExpressionAttributeNames: { '#held': 'held' },
      ExpressionAttributeValues: { ':one': 1, ':zero': 0 },
    },
  };
}

/**
 * Why a transaction that carried {@link slotHoldItem} was cancelled on the slot: reads the slot
 * and applies {@link assertBookable}. A slot that has filled up since is reported full, one whose
 * cut-off has passed cut off, one that does not exist not found.
 *
 * @returns the error to throw, or `undefined` when the slot is bookable now (the failure was elsewhere, or the slot freed up since)
 */
export async function explainSlotHoldFailure(
  storeId: string,
  slotId: string,
  now: Date,
  deps: FulfillmentDeps = fulfillmentDeps(),
): Promise<AppError | undefined> {
  const slot = await getSlot(storeId, slotId, deps);
  if (!slot) return new SlotNotFoundError(storeId, slotId);
  try {
    assertBookable(slot, now);
    return undefined;
  } catch (error) {
    return error as AppError;
  }
}
