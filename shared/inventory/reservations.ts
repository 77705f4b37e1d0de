import { z } from 'zod';
import { stockReleasedV1 } from '../../events/inventory/stock-released.v1.js';
import { stockReservedV1 } from '../../events/inventory/stock-reserved.v1.js';
import { keys } from '../db/keys.js';
import { TransactionCancelled, transactWrite, type TransactItem } from '../db/transact.js';
import { outboxEvent } from '../events/outbox.js';
import { NotFoundError, ValidationError } from '../errors.js';
import { fieldErrors } from '../http/validate.js';
import { getStore } from '../stores/repository.js';
import { StoreId } from '../stores/model.js';
import { expandLines } from './bundles.js';
import { lookUpSkus } from './catalog-skus.js';
import { inventoryDeps, type InventoryDeps } from './deps.js';
import {
  InsufficientStockError,
  OverPickError,
  ReservationConditionError,
  ReservationIdTakenError,
  ReservationNotHeldError,
  StockBusyError,
  StoreClosedError,
} from './errors.js';
import { ReleaseReason, ReservationLine, type Reservation } from './model.js';
import { getReservation, heldReservationItem, settleReservation } from './reservation-repository.js';
import { readStockAt, stockChange } from './stock-repository.js';

export type { ReleaseReason, Reservation, ReservationLine } from './model.js';

/**
 * Reservations: stock held at one store for a cart or an order, every line or none, in one DynamoDB transaction
 * whose conditions (`available >= :q` on each stock item) are what prevents overselling. The carts and checkout
 * contexts call these; they may add their own items (a delivery slot's capacity hold) to the same transaction.
 * See docs/inventory.md for the lifecycle.
 */

/** A DynamoDB transaction holds at most 100 items. */
const MAX_TRANSACTION_ITEMS = 100;
/** Stocked lines one reservation may hold after bundles are expanded, leaving room for the caller's own items. */
export const MAX_RESERVATION_LINES = 90;
/** The longest hold: a week, for orders booked well ahead. */
export const MAX_HOLD_SECONDS = 7 * 24 * 60 * 60;

/** What `reserveStock` holds, for whom, and for how long. */
export interface ReserveStockInput {
  /**
   * Chosen by the caller and deterministic (for example the cart id and its version), which makes the call
   * idempotent: a repeat with the same id returns the reservation already made.
   */
  reservationId: string;
  storeId: string;
  /** `cart:<id>` or `order:<id>`. */
  ownerRef: string;
  /** Bundle SKUs are expanded to their components here; duplicate SKUs are merged. */
  lines: ReservationLine[];
  holdSeconds: number;
  /** Written in the same transaction as the stock (for example a delivery slot's capacity hold): all commit or none. */
  extraItems?: TransactItem[];
  /** One name per extra item, so that a failed condition on one is reported by name. */
  extraItemLabels?: string[];
  correlationId?: string;
}

/** A line that could not be held: what was asked for, and what the store had when the transaction failed. */
export interface ShortLine {
  sku: string;
  requested: number;
  available: number;
}

/** A picked quantity of one of the reservation's (stocked) lines, reported when an order is picked. */
export type PickedLine = ReservationLine;

const ReserveStockRequest = z.strictObject({
  reservationId: z.string().regex(/^[A-Za-z0-9:#._-]{1,200}$/, 'must be 1–200 characters of letters, digits and : # . _ -'),
  storeId: StoreId,
  ownerRef: z.string().regex(/^(cart|order):[^\s]{1,180}$/, 'must be cart:<id> or order:<id>'),
  lines: z.array(ReservationLine).min(1, 'must hold at least one line').max(MAX_RESERVATION_LINES),
  holdSeconds: z.number().int().min(1).max(MAX_HOLD_SECONDS),
  correlationId: z.string().max(200).optional(),
});

/** Whether two line lists hold the same quantities of the same SKUs, in any order. */
function sameLines(a: readonly ReservationLine[], b: readonly ReservationLine[]): boolean {
  const key = (lines: readonly ReservationLine[]) => JSON.stringify([...lines].sort((x, y) => x.sku.localeCompare(y.sku)));
  return key(a) === key(b);
}

/**
 * Holds stock for every line at one store, or nothing. Each stocked line is a conditional update
 * (`available >= :q`: `available -= q`, `reserved += q`), written in one transaction with the reservation item,
 * a check that the store is open, and the caller's `extraItems`; a transaction that collides with another is
 * retried with jitter. `inventory.reserved` is written in the same transaction.
 *
 * Idempotent: a repeat with the same `reservationId` and the same request returns the reservation made first,
 * whatever has become of it since (check its `status`).
 * @throws ValidationError (400) for malformed input, unknown SKUs or too many lines
 * @throws NotFoundError (404) when the store does not exist
 * @throws InsufficientStockError (409, `insufficient-stock`) naming every short line, and any failed extra item
 * @throws ReservationConditionError (409) when only an extra item's condition failed
 * @throws StoreClosedError, ReservationIdTakenError, StockBusyError (409)
 */
export async function reserveStock(input: ReserveStockInput, deps: InventoryDeps = inventoryDeps()): Promise<Reservation> {
  const { extraItems = [], extraItemLabels: labels = [], ...fields } = input;
  const parsed = ReserveStockRequest.safeParse(fields);
  if (!parsed.success) throw new ValidationError(fieldErrors('input', parsed.error).map((e) => ({ ...e, field: e.field.slice('input.'.length) })));
  const request = parsed.data;
  if (labels.length !== extraItems.length) throw new Error(`reserveStock: ${extraItems.length} extra items but ${labels.length} labels`);

  const catalog = await lookUpSkus(request.lines.map((l) => l.sku), deps);
  const { requested, stocked } = expandLines(request.lines, catalog);
  if (stocked.length > MAX_RESERVATION_LINES) {
    throw new ValidationError([{ field: 'lines', message: `hold ${stocked.length} SKUs once bundles are expanded; at most ${MAX_RESERVATION_LINES}` }]);
  }
  if (stocked.length + 2 + extraItems.length > MAX_TRANSACTION_ITEMS) {
    throw new ValidationError([{ field: 'extraItems', message: `${stocked.length} lines and ${extraItems.length} extra items exceed one transaction of ${MAX_TRANSACTION_ITEMS} items` }]);
  }

  const now = deps.now();
  const reservation: Reservation = {
    id: request.reservationId,
    storeId: request.storeId,
    ownerRef: request.ownerRef,
    requested,
    lines: stocked,
    status: 'held',
    holdUntil: new Date(now.getTime() + request.holdSeconds * 1000).toISOString(),
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
  };
  const storeCheck: TransactItem = {
    ConditionCheck: {
      TableName: deps.tableName,
      Key: keys.store(request.storeId),
      ConditionExpression: '#status = :open',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':open': 'open' },
    },
  };
  const holds = stocked.map((line) =>
    stockChange(deps, { sku: line.sku, storeId: request.storeId }, { available: -line.quantity, reserved: line.quantity }, { expression: 'available >= :q', values: { ':q': line.quantity } }, now),
  );
  const put: TransactItem = { Put: { TableName: deps.tableName, Item: heldReservationItem(reservation), ConditionExpression: 'attribute_not_exists(pk)' } };
  // Order fixes the meaning of each cancellation reason: store, lines, reservation, then the caller's items.
  const reservationIndex = 1 + holds.length;

  const announcement = reservedEvent(reservation, deps, request.correlationId);
  try {
    await transactWrite(deps, [storeCheck, ...holds, put, announcement, ...extraItems]);
  } catch (error) {
    if (!(error instanceof TransactionCancelled)) throw error;
    const failed = new Set(error.failedConditions());
    if (failed.has(reservationIndex)) {
      const existing = await getReservation(request.reservationId, deps);
      if (existing) return sameRequest(existing, reservation);
    }
    if (failed.has(0)) {
      const store = await getStore(request.storeId, deps);
      if (!store) throw new NotFoundError('Store', request.storeId);
      throw new StoreClosedError(request.storeId);
    }
    const failedLabels = labels.filter((_, i) => failed.has(reservationIndex + 2 + i));
    const shortLines = await shortfall(request.storeId, stocked, (i) => failed.has(1 + i), deps);
    if (shortLines.length > 0) throw new InsufficientStockError(request.storeId, shortLines, failedLabels);
    if (failedLabels.length > 0) throw new ReservationConditionError(failedLabels);
    throw new StockBusyError(`Stock at ${request.storeId}`);
  }

  return reservation;
}

/** A repeat of a reservation: the one made first when it asked for the same, otherwise the id was reused by mistake. */
function sameRequest(existing: Reservation, wanted: Reservation): Reservation {
  if (existing.storeId !== wanted.storeId || existing.ownerRef !== wanted.ownerRef || !sameLines(existing.requested, wanted.requested)) {
    throw new ReservationIdTakenError(existing.id);
  }
  return existing;
}

/**
 * The short lines after a cancelled reservation, with the levels read after it: every line whose condition
 * failed, and any other line that the levels show short (DynamoDB may stop evaluating at the first failure).
 */
async function shortfall(storeId: string, lines: readonly ReservationLine[], conditionFailed: (index: number) => boolean, deps: InventoryDeps): Promise<ShortLine[]> {
  const stock = await readStockAt(storeId, lines.map((l) => l.sku), deps);
  return lines.flatMap((line, i): ShortLine[] => {
    const available = stock.get(line.sku)?.available ?? 0;
    return conditionFailed(i) || available < line.quantity ? [{ sku: line.sku, requested: line.quantity, available }] : [];
  });
}

/**
 * The `inventory.reserved` event, written in the reservation's own transaction: it exists if and only if the stock
 * was held. It carries the lines (the change), not the levels left behind, because a transaction returns no values;
 * consumers that need levels read the stock items, which are at or past this change by the time the event arrives.
 */
function reservedEvent(reservation: Reservation, deps: InventoryDeps, correlationId: string | undefined): TransactItem {
  return outboxEvent(
    deps.tableName,
    stockReservedV1,
    { reservationId: reservation.id, storeId: reservation.storeId, ownerRef: reservation.ownerRef, lines: reservation.lines, holdUntil: reservation.holdUntil },
    { id: `reserved-${reservation.id}`, now: deps.now(), ...(correlationId ? { correlationId } : {}) },
  ).item;
}

/** The `inventory.released` event, in the release's (or the commit's, for what was not picked) own transaction. */
function releasedEvent(reservation: Reservation, reason: ReleaseReason, lines: readonly ReservationLine[], deps: InventoryDeps, id = `released-${reservation.id}`): TransactItem {
  return outboxEvent(
    deps.tableName,
    stockReleasedV1,
    { reservationId: reservation.id, storeId: reservation.storeId, ownerRef: reservation.ownerRef, reason, lines: [...lines] },
    { id, now: deps.now() },
  ).item;
}

/**
 * Puts a held reservation's stock back (`reserved -= q`, `available += q` on every line) and marks it released,
 * on condition that it is still held, in one transaction with the caller's `extraItems` (for example giving
 * back a slot's capacity). Idempotent and safe against racing releases, sweeps and commits: only one of them
 * moves the stock, and the others get the reservation as it now is.
 * @returns the reservation as it now stands, or `undefined` when there is no reservation with this id
 * @throws ReservationConditionError (409) when an extra item's condition failed; nothing was released
 */
export async function releaseReservation(
  reservationId: string,
  reason: ReleaseReason,
  deps: InventoryDeps = inventoryDeps(),
  extraItems: TransactItem[] = [],
): Promise<Reservation | undefined> {
  return (await releaseIfHeld(reservationId, reason, deps, extraItems)).reservation;
}

/** `releaseReservation`, also telling whether this very call released it (the sweeper counts those). */
export async function releaseIfHeld(
  reservationId: string,
  reason: ReleaseReason,
  deps: InventoryDeps,
  extraItems: TransactItem[] = [],
): Promise<{ reservation: Reservation | undefined; releasedNow: boolean }> {
  ReleaseReason.parse(reason);
  const current = await getReservation(reservationId, deps);
  if (!current || current.status !== 'held') return { reservation: current, releasedNow: false };
  const now = deps.now();
  const next: Reservation = { ...current, status: 'released', releaseReason: reason, updatedAt: now.toISOString() };
  const returns = current.lines.map((line) =>
    stockChange(deps, { sku: line.sku, storeId: current.storeId }, { available: line.quantity, reserved: -line.quantity }, { expression: 'reserved >= :q', values: { ':q': line.quantity } }, now),
  );
  const items = [settleReservation(deps, next, now), ...returns, releasedEvent(next, reason, next.lines, deps), ...extraItems];
  const settled = await settle(deps, next, items, 2 + returns.length);
  if (settled !== next) return { reservation: settled, releasedNow: false };
  return { reservation: next, releasedNow: true };
}

/**
 * Moves a held reservation's stock from `reserved` to `committed` when its order is picked. `picked` gives the
 * quantity picked of each of the reservation's (stocked) lines, which may exceed what was held (a heavier weighed
 * item): the excess comes off `available`, on condition that the shelf has it; a line it leaves out was not picked, and whatever
 * was held but not picked goes back to `available` (announced in the same transaction as released, `not-picked`). Without `picked`,
 * everything held is committed. Idempotent: a committed reservation is returned as it is.
 * @throws NotFoundError (404) when there is no such reservation
 * @throws ValidationError (400) when `picked` names a SKU the reservation does not hold, or one twice
 * @throws OverPickError (409) when a line was picked beyond its hold and the shelf does not have the excess
 * @throws ReservationNotHeldError (409) when the reservation was released (its hold expired or it was cancelled)
 */
export async function commitReservation(reservationId: string, picked?: PickedLine[], deps: InventoryDeps = inventoryDeps()): Promise<Reservation> {
  const current = await getReservation(reservationId, deps);
  if (!current) throw new NotFoundError('Reservation', reservationId);
  if (current.status === 'committed') return current;
  if (current.status !== 'held') throw new ReservationNotHeldError(reservationId, current.status);
  const pickedBySku = pickedQuantities(current, picked === undefined ? undefined : await stockedPicks(picked, deps));
  const now = deps.now();
  const committedLines = current.lines.flatMap((line) => {
    const quantity = pickedBySku.get(line.sku) ?? 0;
    return quantity > 0 ? [{ sku: line.sku, quantity }] : [];
  });
  const notPicked = current.lines.flatMap((line) => {
    const quantity = line.quantity - (pickedBySku.get(line.sku) ?? 0);
    return quantity > 0 ? [{ sku: line.sku, quantity }] : [];
  });
  const next: Reservation = { ...current, status: 'committed', committedLines, updatedAt: now.toISOString() };
  const overPicked = current.lines.some((line) => (pickedBySku.get(line.sku) ?? 0) > line.quantity);
  const moves = current.lines.map((line) => {
    const p = pickedBySku.get(line.sku) ?? 0;
    // A weighed item rarely matches its estimate: what is picked beyond the hold comes off the shelf, if it is there.
    const over = Math.max(0, p - line.quantity);
    return stockChange(
      deps,
      { sku: line.sku, storeId: current.storeId },
      { reserved: -line.quantity, committed: p, available: line.quantity - p },
      over === 0 ? { expression: 'reserved >= :q', values: { ':q': line.quantity } } : { expression: 'reserved >= :q AND available >= :over', values: { ':q': line.quantity, ':over': over } },
      now,
    );
  });
  const announcement = notPicked.length > 0 ? [releasedEvent(next, 'not-picked', notPicked, deps)] : [];
  let settled: Reservation | undefined;
  try {
    settled = await settle(deps, next, [settleReservation(deps, next, now), ...moves, ...announcement], 1 + moves.length + announcement.length);
  } catch (error) {
    if (overPicked && error instanceof StockConditionError) throw new OverPickError(reservationId);
    throw error;
  }
  if (settled !== next) {
    if (settled?.status === 'committed') return settled;
    throw new ReservationNotHeldError(reservationId, settled?.status ?? 'gone');
  }
  return next;
}

/**
 * What adds `lines` to a held reservation, for the caller's transaction: the stock of a substitute a picker took off
 * the shelf for an order, which nobody reserved at checkout. Each line's stock moves `available → reserved` on condition
 * that the shelf has it (`available >= q`), and the reservation's lines grow by it (merged by SKU) on condition that it
 * is still held and unchanged since `current` was read. Whatever ends the reservation then treats those lines like the
 * others: a commit takes what was picked and puts back what was not, a release puts everything back. The items come
 * back in that order, the reservation first, then one stock item per line of `lines`, so the caller can tell which
 * condition failed: the first is `ReservationNotHeldError`'s (or a racing change's), any other a short shelf.
 * @throws ReservationNotHeldError (409) when `current` is not held
 */
export function addToReservationItems(current: Reservation, lines: readonly ReservationLine[], deps: InventoryDeps): TransactItem[] {
  if (current.status !== 'held') throw new ReservationNotHeldError(current.id, current.status);
  const now = deps.now();
  const merged = new Map(current.lines.map((line) => [line.sku, line.quantity]));
  for (const line of lines) merged.set(line.sku, (merged.get(line.sku) ?? 0) + line.quantity);
  const grow: TransactItem = {
    Update: {
      TableName: deps.tableName,
      Key: keys.reservation(current.id),
      UpdateExpression: 'SET #lines = :lines, #updatedAt = :now',
      ConditionExpression: '#status = :held AND #updatedAt = :read',
      ExpressionAttributeNames: { '#lines': 'lines', '#updatedAt': 'updatedAt', '#status': 'status' },
      ExpressionAttributeValues: { ':lines': [...merged].map(([sku, quantity]) => ({ sku, quantity })), ':now': now.toISOString(), ':held': 'held', ':read': current.updatedAt },
    },
  };
  const takes = lines.map((line) =>
    stockChange(deps, { sku: line.sku, storeId: current.storeId }, { available: -line.quantity, reserved: line.quantity }, { expression: 'available >= :q', values: { ':q': line.quantity } }, now),
  );
  return [grow, ...takes];
}

/**
 * Puts a committed reservation's stock back on sale (`committed -= q`, `available += q` for what was committed) when its
 * order fails or is cancelled after picking, before anything left the store; the reservation becomes `released` with
 * reason `returned`, announced in the same transaction. Idempotent: anything but a committed reservation is returned
 * as it is, and of racing calls only one moves the stock (and writes the caller's `extraItems`, such as a slot's unit).
 * @returns the reservation as it now stands, or `undefined` when there is none
 */
export async function returnCommitted(reservationId: string, deps: InventoryDeps = inventoryDeps(), extraItems: TransactItem[] = []): Promise<Reservation | undefined> {
  const current = await getReservation(reservationId, deps);
  if (current?.status !== 'committed') return current;
  const now = deps.now();
  const lines = current.committedLines ?? [];
  const next: Reservation = { ...current, status: 'released', releaseReason: 'returned', updatedAt: now.toISOString() };
  const moves = lines.map((line) =>
    stockChange(deps, { sku: line.sku, storeId: current.storeId }, { committed: -line.quantity, available: line.quantity }, { expression: 'committed >= :q', values: { ':q': line.quantity } }, now),
  );
  const announcement = lines.length > 0 ? [releasedEvent(next, 'returned', lines, deps, `returned-${current.id}`)] : [];
  return settle(deps, next, [settleReservation(deps, next, now, 'committed'), ...moves, ...announcement, ...extraItems], 1 + moves.length + announcement.length);
}

/**
 * What was picked, in the stocked SKUs a reservation holds: a bundle handed over stands for its components, as it did
 * when it was reserved; everything else is as given.
 */
async function stockedPicks(picked: PickedLine[], deps: InventoryDeps): Promise<PickedLine[]> {
  const repeated = picked.findIndex((line, i) => picked.findIndex((other) => other.sku === line.sku) !== i);
  if (repeated >= 0) throw new ValidationError([{ field: `picked.${repeated}.sku`, message: `${picked[repeated]!.sku} is listed more than once` }]);
  const catalog = await lookUpSkus(picked.map((line) => line.sku), deps);
  if (![...catalog.values()].some((entry) => entry.components)) return picked;
  return expandLines(picked, catalog, 'picked').stocked;
}

function pickedQuantities(reservation: Reservation, picked: PickedLine[] | undefined): Map<string, number> {
  if (!picked) return new Map(reservation.lines.map((l) => [l.sku, l.quantity]));
  const held = new Map(reservation.lines.map((l) => [l.sku, l.quantity]));
  const errors = picked.flatMap((line, i) => {
    const heldQuantity = held.get(line.sku);
    if (heldQuantity === undefined) return [{ field: `picked.${i}.sku`, message: `${line.sku} is not held by reservation ${reservation.id}` }];
    if (!Number.isInteger(line.quantity) || line.quantity < 0) return [{ field: `picked.${i}.quantity`, message: 'must be a whole number, 0 or more' }];
    if (picked.findIndex((l) => l.sku === line.sku) !== i) return [{ field: `picked.${i}.sku`, message: `${line.sku} is listed more than once` }];
    return [];
  });
  if (errors.length > 0) throw new ValidationError(errors);
  return new Map(picked.map((l) => [l.sku, l.quantity]));
}

/** A stock item's condition refused a settlement: an over-pick the shelf cannot cover, or a broken invariant. */
class StockConditionError extends Error {
  override readonly name = 'StockConditionError';
}

/**
 * Runs a release or commit transaction whose first item settles the reservation under `status = held`.
 * @returns `next` when it committed; otherwise the reservation as another writer left it
 */
async function settle(deps: InventoryDeps, next: Reservation, items: TransactItem[], extraFrom: number): Promise<Reservation | undefined> {
  try {
    await transactWrite(deps, items);
    return next;
  } catch (error) {
    if (!(error instanceof TransactionCancelled)) throw error;
    const failed = error.failedConditions();
    if (failed.includes(0)) return getReservation(next.id, deps);
    const extras = failed.filter((i) => i >= extraFrom).map((i) => `extra item ${i - extraFrom}`);
    if (extras.length > 0) throw new ReservationConditionError(extras);
    if (failed.length > 0) throw new StockConditionError(`reservation ${next.id}: a stock item refused the move (less reserved than the reservation, or an over-pick beyond what is on the shelf)`, { cause: error });
    throw new StockBusyError(`Reservation ${next.id}`);
  }
}
