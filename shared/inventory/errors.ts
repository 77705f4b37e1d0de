import { ConflictError } from '../errors.js';
import type { ShortLine } from './reservations.js';

/**
 * A reservation that could not be made because the store had too little of one or more SKUs. Nothing was held:
 * `shortLines` names every short line with what was asked and what was there, and `failed` names any of the
 * caller's extra transaction items (a delivery slot, say) whose condition failed in the same attempt.
 */
export class InsufficientStockError extends ConflictError {
  override readonly name = 'InsufficientStockError';
  constructor(
    readonly storeId: string,
    readonly shortLines: readonly ShortLine[],
    readonly failed: readonly string[] = [],
  ) {
    const named = shortLines.map((l) => `${l.sku} (asked ${l.requested}, ${l.available} available)`).join(', ');
    super('insufficient-stock', `Not enough stock at ${storeId} for ${named}; nothing was reserved.`, {
      extensions: { storeId, shortLines, ...(failed.length > 0 ? { failed } : {}) },
    });
  }
}

/** Stock was there, but a condition on one of the caller's extra transaction items failed, so nothing was written. */
export class ReservationConditionError extends ConflictError {
  override readonly name = 'ReservationConditionError';
  constructor(readonly failed: readonly string[]) {
    super('reservation-condition-failed', `The reservation was not made because ${failed.join(', ')} no longer allowed it; nothing was reserved.`, {
      extensions: { failed },
    });
  }
}

/** The store exists but takes no new reservations. */
export class StoreClosedError extends ConflictError {
  override readonly name = 'StoreClosedError';
  constructor(readonly storeId: string) {
    super('store-closed', `Store ${storeId} is closed and takes no new reservations.`, { extensions: { storeId } });
  }
}

/**
 * The same reservation id was used before for a different request (another store, owner or lines). Ids are
 * derived from what they reserve, so this is a caller's bug, not a race.
 */
export class ReservationIdTakenError extends ConflictError {
  override readonly name = 'ReservationIdTakenError';
  constructor(readonly reservationId: string) {
    super('reservation-id-taken', `Reservation ${reservationId} already exists for a different store, owner or lines.`, {
      extensions: { reservationId },
    });
  }
}

/** The operation needs a held reservation, and this one was already released or committed. */
export class ReservationNotHeldError extends ConflictError {
  override readonly name = 'ReservationNotHeldError';
  constructor(
    readonly reservationId: string,
    readonly status: string,
  ) {
    super('reservation-not-held', `Reservation ${reservationId} is ${status}, not held.`, { extensions: { reservationId, status } });
  }
}

/**
 * Other writers kept changing the same stock items for longer than the retries waited. Safe to retry: nothing
 * was written.
 */
export class StockBusyError extends ConflictError {
  override readonly name = 'StockBusyError';
  constructor(what: string) {
    super('stock-busy', `${what} is being changed by other requests right now; nothing was written, please retry.`);
  }
}

/** A staff adjustment that would leave less than nothing on the shelf. */
export class NegativeStockError extends ConflictError {
  override readonly name = 'NegativeStockError';
  constructor(sku: string, storeId: string, available: number, result: number) {
    super('negative-stock', `${sku} at ${storeId} has ${available} available; this adjustment would leave ${result}.`, {
      extensions: { sku, storeId, available, result },
    });
  }
}

/** A line was picked beyond its reservation and the shelf does not have the excess: the picker must hand over less. */
export class OverPickError extends ConflictError {
  override readonly name = 'OverPickError';
  constructor(reservationId: string) {
    super('over-pick-not-in-stock', `Reservation ${reservationId} was picked beyond what it holds, and the store does not have the excess in stock.`, {
      extensions: { reservationId },
    });
  }
}
