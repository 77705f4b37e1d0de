import type { TransactItem } from '../db/transact.js';
import type { ReservationLine } from './model.js';

export type { ReleaseReason, Reservation, ReservationLine } from './model.js';

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
