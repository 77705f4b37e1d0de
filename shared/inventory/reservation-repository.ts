import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { keys, TTL_ATTRIBUTE } from '../db/keys.js';
import type { TransactItem } from '../db/transact.js';
import type { InventoryDeps } from './deps.js';
import { Reservation } from './model.js';

export const RESERVATION_SCHEMA_VERSION = 1;

/** A held reservation outlives its hold by a day, so that the sweeper (not TTL) is what releases its stock. */
export const HELD_RETENTION_SECONDS = 24 * 60 * 60;
/** A released or committed reservation stays a week for repeats of the same id and for inspection, then TTL removes it. */
export const SETTLED_RETENTION_SECONDS = 7 * 24 * 60 * 60;

const epochSeconds = (date: Date) => Math.floor(date.getTime() / 1000);

/**
 * The table item of a new (held) reservation: keyed by id, listed in gsi2 under the hour its hold ends for the
 * sweeper, and removed by TTL a day after that hour at the earliest.
 */
export function heldReservationItem(reservation: Reservation): Record<string, unknown> {
  return {
    ...keys.reservation(reservation.id),
    ...keys.reservationHold(reservation.holdUntil, reservation.id),
    entityType: 'Reservation',
    schemaVersion: RESERVATION_SCHEMA_VERSION,
    ...reservation,
    [TTL_ATTRIBUTE]: epochSeconds(new Date(reservation.holdUntil)) + HELD_RETENTION_SECONDS,
  };
}

export function reservationFromItem(item: Record<string, unknown>): Reservation {
  const {
    pk: _pk,
    sk: _sk,
    gsi2pk: _gsi2pk,
    gsi2sk: _gsi2sk,
    entityType: _type,
    schemaVersion: _version,
    [TTL_ATTRIBUTE]: _ttl,
    ...rest
  } = item;
  return Reservation.parse(rest);
}

/** One reservation, read strongly consistent (its status decides what may happen next); `undefined` when there is none. */
export async function getReservation(reservationId: string, deps: InventoryDeps): Promise<Reservation | undefined> {
  const { Item } = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: keys.reservation(reservationId), ConsistentRead: true }));
  return Item ? reservationFromItem(Item) : undefined;
}

/**
 * Moves a held reservation on (to released or committed), on condition that it is still held: of a release, a
 * sweep and a commit racing for one reservation exactly one wins. It leaves the sweeper's index and gets a TTL.
 */
export function settleReservation(deps: InventoryDeps, next: Reservation, now: Date, from: 'held' | 'committed' = 'held'): TransactItem {
  const fields: Record<string, unknown> = {
    status: next.status,
    updatedAt: next.updatedAt,
    [TTL_ATTRIBUTE]: epochSeconds(now) + SETTLED_RETENTION_SECONDS,
    ...(next.releaseReason ? { releaseReason: next.releaseReason } : {}),
    ...(next.committedLines ? { committedLines: next.committedLines } : {}),
  };
  const names: Record<string, string> = { '#status': 'status', '#gsi2pk': 'gsi2pk', '#gsi2sk': 'gsi2sk' };
  const values: Record<string, unknown> = { ':from': from };
  Object.entries(fields).forEach(([field, value], i) => {
    names[`#f${i}`] = field;
    values[`:f${i}`] = value;
  });
  return {
    Update: {
      TableName: deps.tableName,
      Key: keys.reservation(next.id),
      UpdateExpression: `SET ${Object.keys(fields).map((_, i) => `#f${i} = :f${i}`).join(', ')} REMOVE #gsi2pk, #gsi2sk`,
      ConditionExpression: '#status = :from',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
  };
}
