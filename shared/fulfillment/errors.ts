import { AppError, ConflictError, NotFoundError } from '../errors.js';

/** The slot has started (or ended): it can no longer be chosen. */
export class SlotInPastError extends AppError {
  override readonly name = 'SlotInPastError';
  constructor(slotId: string, startsAt: string) {
    super('unprocessable', 'slot-in-past', `The slot ${slotId} started at ${startsAt}; choose a later slot.`, {
      extensions: { slotId, startsAt },
    });
  }
}

/** The slot is still ahead, but orders for it closed at its cut-off. */
export class SlotCutOffError extends AppError {
  override readonly name = 'SlotCutOffError';
  constructor(slotId: string, cutoffAt: string) {
    super('unprocessable', 'slot-cut-off', `Orders for the slot ${slotId} closed at ${cutoffAt}; choose a later slot.`, {
      extensions: { slotId, cutoffAt },
    });
  }
}

/** Every unit of the slot's capacity is held. */
export class SlotFullError extends ConflictError {
  override readonly name = 'SlotFullError';
  constructor(slotId: string, capacity: number) {
    super('slot-full', `The slot ${slotId} is full (capacity ${capacity}); choose another slot.`, { extensions: { slotId, capacity } });
  }
}

/** The store closed the slot (a holiday, a van off the road); holds already taken stand. */
export class SlotClosedError extends ConflictError {
  override readonly name = 'SlotClosedError';
  constructor(slotId: string) {
    super('slot-closed', `The slot ${slotId} is closed; choose another slot.`, { extensions: { slotId } });
  }
}

/** No slot with this id at this store: never generated, or removed by TTL long after it ended. */
export class SlotNotFoundError extends NotFoundError {
  override readonly name = 'SlotNotFoundError';
  constructor(storeId: string, slotId: string) {
    super('Slot', `${slotId} at store ${storeId}`);
  }
}

/** A slot id that does not parse. */
export class MalformedSlotIdError extends AppError {
  override readonly name = 'MalformedSlotIdError';
  constructor(slotId: string) {
    super('invalid', 'slot-id-malformed', `${slotId} is not a slot id; expected one such as 2026-11-27T08:00Z~delivery.`, {
      extensions: { slotId },
    });
  }
}
