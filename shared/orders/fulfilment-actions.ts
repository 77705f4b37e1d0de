import { createHash } from 'node:crypto';
import { z } from 'zod';
import { Id } from '../catalog/model.js';
import { tableDeps, type TableDeps } from '../db/deps.js';
import { TransactionCancelled, type TransactItem } from '../db/transact.js';
import { AppError } from '../errors.js';
import { MAX_QUANTITY } from '../inventory/model.js';
import { logger } from '../observability/logger.js';
import { requireOrderFor, type OrderAccess } from './access.js';
import { fulfil, handedOver, HandoverLockedError, undispatched, type FulfilmentEvent } from './fulfilment.js';
import { updateOrderFulfilment, type FulfilmentChangeResult } from './fulfilment-repository.js';
import { leavingItems, returnItems, stockLeaving } from './fulfilment-stock.js';
import { codeMatches, HandoverCode, handoverKey, newCodeSalt } from './handover-codes.js';
import type { Order } from './model.js';
import { OrderChangedError, requireOrder, type OrderActor } from './repository.js';
import { orderView, OrderView } from './views.js';
import {
  Carrier,
  FailedAttemptNext,
  FailedAttemptReason,
  ID_DOCUMENTS,
  MAX_HANDOVER_ATTEMPTS,
  OWN_VAN,
  PackedZone,
  ReturnDisposition,
  TEMPERATURE_ZONES,
  type Bag,
  type Shipment,
  type ShipmentLine,
} from './shipments.js';

/**
 * The staff's fulfilment actions after picking: pack, dispatch shipments, record the own vans' rounds and returns, make
 * a pickup order ready and hand it over on its code (a courier's tracking reports come in through
 * `courier-tracking.ts`). Each reads the order, runs the pure machine (`fulfil`) and writes the change under the
 * order's version with its event and its stock moves in one transaction. A change that lost a race with another (a
 * second dispatcher, a refund) is computed again from the order as it now is, so of two dispatchers of the same goods
 * exactly one sends them and the other is told there is nothing left to send.
 */

/** Attempts at a change while other changes to the same order keep winning. */
const ATTEMPTS = 5;

/** What a courier booking gives a shipment: its tracking, and the booking at the courier. */
export interface ShipmentBooking {
  trackingNumber: string;
  trackingUrl?: string;
  booking: { reference: string; labelUrl?: string };
}

/**
 * The port to a courier, for a shipment that leaves with one: book it (idempotently, under a key derived from the
 * shipment, so the retried dispatch of the same shipment gets the same booking) before the goods are handed over.
 * Orders defines it; the couriers context implements it and the dispatch handler hands it in.
 */
export interface ShipmentBooker {
  book(request: { order: Order; shipmentId: string; lines: readonly ShipmentLine[]; bags: readonly Bag[] }): Promise<ShipmentBooking>;
  /** Cancels a booking whose dispatch did not happen (another dispatcher sent the goods first), so no courier comes for nothing. */
  cancel?(request: { orderId: string; shipmentId: string; booking: ShipmentBooking['booking']; reason: string }): Promise<void>;
}

/** What the fulfilment actions need: the table, the handover codes' key, and the couriers shipments may be booked with. */
export interface FulfilmentDeps extends TableDeps {
  handoverKey: () => Promise<string>;
  /** The booker of a courier by its id, when that courier is set up. */
  couriers: (carrier: string) => ShipmentBooker | undefined;
}

/** The production dependencies, with any replaced (tests pass their own table, clock, key or courier). */
export function fulfilmentDeps(overrides: Partial<FulfilmentDeps> = {}): FulfilmentDeps {
  return { ...tableDeps(overrides), handoverKey: overrides.handoverKey ?? (() => handoverKey()), couriers: overrides.couriers ?? (() => undefined) };
}

/** Who acts, and how they reach orders (staff of the order's store; another store's order is a 404). */
export interface FulfilmentActor extends OrderActor {
  access: OrderAccess;
}

// ---------------------------------------------------------------------------------------------------------------
// Requests

/** `POST /orders/{id}/pack`: the bags of each temperature zone and the lines in them; every handed-over line once. */
export const PackRequest = z.strictObject({ zones: z.array(PackedZone).min(1).max(TEMPERATURE_ZONES.length) });
export type PackRequest = z.infer<typeof PackRequest>;

/** `POST /orders/{id}/shipments`: who carries it, which lines (all that is left when left out) and which bags. */
export const DispatchRequest = z.strictObject({
  carrier: Carrier,
  lines: z
    .array(
      z.strictObject({
        lineId: Id,
        /** In the stock unit of what was handed over (items or packs, grams, millilitres); all that is left of the line when left out. */
        quantity: z.number().int().positive().max(MAX_QUANTITY).optional(),
      }),
    )
    .min(1)
    .max(200)
    .optional(),
  bags: z.array(z.string().min(1).max(80)).min(1).max(120).optional(),
});
export type DispatchRequest = z.infer<typeof DispatchRequest>;

const IdCheckRequest = z.strictObject({ document: z.enum(ID_DOCUMENTS) });

/** `POST /orders/{id}/shipments/{shipmentId}/events`: the step, named by the status it leads the shipment to. */
export const ShipmentEventRequest = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('out-for-delivery') }),
  z.strictObject({ type: z.literal('delivered'), idCheck: IdCheckRequest.optional() }),
  z.strictObject({ type: z.literal('failed-attempt'), reason: FailedAttemptReason, next: FailedAttemptNext }),
  z.strictObject({ type: z.literal('returning') }),
  z.strictObject({ type: z.literal('returned-to-store'), lines: z.array(ReturnDisposition).min(1).max(200) }),
]);
export type ShipmentEventRequest = z.infer<typeof ShipmentEventRequest>;

/** `POST /orders/{id}/shipments/{shipmentId}/events` path parameters. */
export const ShipmentParams = z.strictObject({ id: z.string().min(1).max(64), shipmentId: Id });

/** `POST /orders/{id}/collection`: nothing to say; the code is made for the shopper. */
export const ReadyRequest = z.strictObject({});

/** `POST /orders/{id}/collection/handover`: the code the shopper shows, and the ID check an age-restricted order needs. */
export const HandoverRequest = z.strictObject({ code: HandoverCode, idCheck: IdCheckRequest.optional() });
export type HandoverRequest = z.infer<typeof HandoverRequest>;

// ---------------------------------------------------------------------------------------------------------------
// Errors

/** The code given at the desk is not the order's. */
export class HandoverCodeMismatchError extends AppError {
  override readonly name: string = 'HandoverCodeMismatchError';
  constructor(orderId: string, attemptsLeft: number) {
    super(
      'unprocessable',
      'handover-code-mismatch',
      attemptsLeft > 0
        ? `That is not order ${orderId}'s handover code; ${attemptsLeft} ${attemptsLeft === 1 ? 'try is' : 'tries are'} left.`
        : `That is not order ${orderId}'s handover code, and no tries are left: a store manager must issue a new code.`,
      { fields: [{ field: 'body.code', message: 'is not the order’s handover code' }], extensions: { orderId, attemptsLeft } },
    );
  }
}

/** A courier carrier that is not set up here. */
export class CourierNotAvailableError extends AppError {
  override readonly name: string = 'CourierNotAvailableError';
  constructor(carrier: string) {
    super('unprocessable', 'courier-not-available', `No courier ${carrier} is set up to book shipments with; send it with ${OWN_VAN} or a courier that is.`, {
      fields: [{ field: 'body.carrier', message: `${carrier} is not a courier shipments can be booked with` }],
      extensions: { carrier },
    });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The actions

/**
 * Reads the order (as the caller reaches it), computes one change and writes it, again from a fresh read when another
 * change won the race.
 */
async function change(
  deps: TableDeps,
  orderId: string,
  who: FulfilmentActor,
  plan: (order: Order) => Promise<{ event: FulfilmentEvent; items?: (next: Order, shipment: Shipment | undefined) => readonly TransactItem[] }>,
): Promise<FulfilmentChangeResult> {
  for (let attempt = 1; ; attempt += 1) {
    const order = await requireOrderFor(deps, orderId, who.access);
    const { event, items } = await plan(order);
    try {
      return await updateOrderFulfilment(deps, order, event, who, items);
    } catch (error) {
      const lostRace = error instanceof OrderChangedError || (error instanceof TransactionCancelled && attempt < ATTEMPTS);
      if (!lostRace || attempt >= ATTEMPTS) throw error;
    }
  }
}

/**
 * `POST /orders/{id}/pack`: the order's goods in bags per temperature zone, a label per bag.
 * @throws NotFoundError (404) for an order the caller does not reach
 * @throws InvalidFulfillmentTransitionError (409) unless the order is completed (or partly refunded), not an in-store sale, and not packed yet
 * @throws ValidationError (400) naming every line packed twice, unknown, empty or left out
 */
export async function packOrder(orderId: string, request: PackRequest, who: FulfilmentActor, deps: FulfilmentDeps = fulfilmentDeps()): Promise<Order> {
  return (await change(deps, orderId, who, async () => ({ event: { type: 'pack', zones: request.zones } }))).order;
}

/** The shipment's lines: those asked for, or everything left; each in the SKU handed over. */
function shipmentLines(order: Order, request: DispatchRequest): ShipmentLine[] {
  const left = undispatched(order);
  const wanted = request.lines ?? [...left.keys()].map((lineId) => ({ lineId, quantity: undefined }));
  return wanted.map(({ lineId, quantity }) => {
    const line = order.lines.find((l) => l.lineId === lineId);
    const goods = line === undefined ? undefined : handedOver(line);
    // An unknown line or one with nothing left still reaches `fulfil`'s dry run, which names it in the 400.
    return { lineId, sku: goods?.sku ?? line?.sku ?? 'UNKNOWN', quantity: quantity ?? left.get(lineId) ?? 1 };
  });
}

/** The hash that names one dispatch request: the caller and its `Idempotency-Key`. */
export function dispatchKeyOf(caller: string, key: string): string {
  return createHash('sha256').update(`${caller}\n${key}`).digest('base64url').slice(0, 32);
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * The id of the shipment one dispatch request creates, derived from the order and the request (ULID-shaped: 26
 * Crockford base-32 symbols, the first below 8). A retried request, even one whose first try booked a courier and then
 * failed before anything was written, names the same shipment, so the courier's booking (keyed by the shipment) is
 * asked for again under the same key and answered with the first.
 */
export function shipmentIdOf(orderId: string, requestKey: string): string {
  const digest = createHash('sha256').update(`${orderId}\n${requestKey}`).digest();
  return Array.from({ length: 26 }, (_, i) => CROCKFORD[digest[i]! & (i === 0 ? 7 : 31)]).join('');
}

/**
 * `POST /orders/{id}/shipments`: sends goods off in a new shipment, by the store's own van or booked with a courier
 * first (the `couriers` port). The goods' stock leaves `committed` in the same transaction. A repeat under the same `Idempotency-Key` returns the shipment sent
 * first; of two dispatchers racing over the same goods one sends them, the other gets a 409.
 * @throws NotFoundError (404) for an order the caller does not reach
 * @throws InvalidFulfillmentTransitionError (409) for an order that is not a packed, paid delivery order, or has nothing left to send
 * @throws ValidationError (400) for lines or bags that do not match what is left
 * @throws CourierNotAvailableError (422) for a courier that is not set up
 */
export async function dispatchShipment(
  orderId: string,
  request: DispatchRequest,
  idempotencyKey: string,
  who: FulfilmentActor,
  deps: FulfilmentDeps = fulfilmentDeps(),
): Promise<{ order: Order; shipment: Shipment }> {
  const requestKey = dispatchKeyOf(who.actor, idempotencyKey);
  const shipmentId = shipmentIdOf(orderId, requestKey);
  const booker = request.carrier === OWN_VAN ? undefined : deps.couriers(request.carrier);
  if (request.carrier !== OWN_VAN && booker === undefined) throw new CourierNotAvailableError(request.carrier);
  let booking: ShipmentBooking | undefined;
  let repeat: Shipment | undefined;
  const result = await change(deps, orderId, who, async (order) => {
    repeat = order.shipments?.find((s) => s.requestKey === requestKey);
    if (repeat) throw new RepeatedDispatch();
    const lines = shipmentLines(order, request);
    const bags = order.packing?.bags.filter((bag) => request.bags?.includes(bag.label) ?? true) ?? [];
    const draft = { id: shipmentId, carrier: request.carrier, lines, stockMoves: [], requestKey, ...(request.bags ? { bags: request.bags } : {}) };
    // The stock is read and the courier asked once the machine agrees (a dry run), so a refused dispatch books nothing.
    fulfil(order, { type: 'dispatch', shipment: draft }, deps.now(), who.actor);
    const stockMoves = await stockLeaving(order, lines, deps);
    const event: FulfilmentEvent = { type: 'dispatch', shipment: { ...draft, stockMoves } };
    if (booker && booking === undefined) booking = await booker.book({ order, shipmentId, lines, bags });
    const booked = booking === undefined ? {} : { trackingNumber: booking.trackingNumber, ...(booking.trackingUrl ? { trackingUrl: booking.trackingUrl } : {}), booking: booking.booking };
    return {
      event: { type: 'dispatch', shipment: { ...event.shipment, ...booked } },
      items: () => leavingItems(deps, order.storeId, stockMoves),
    };
  }).catch(async (error: unknown) => {
    if (error instanceof RepeatedDispatch) return undefined;
    // Booked, then refused for good (another dispatcher sent the goods, the order changed under it): nothing was written,
    // so the booking is let go. An error that leaves the write in doubt keeps it: a retry of the request reuses it.
    const refused = error instanceof AppError || error instanceof TransactionCancelled;
    if (booking !== undefined && refused && booker?.cancel) {
      await booker.cancel({ orderId, shipmentId, booking: booking.booking, reason: `dispatch refused: ${(error as Error).message}` }).catch((failure: unknown) => {
        logger.warn('could not cancel the booking of a dispatch that did not happen', { orderId, shipmentId, booking: booking?.booking.reference, error: (failure as Error).message });
      });
    }
    throw error;
  });
  if (result === undefined) return { order: await requireOrder(deps, orderId), shipment: repeat! };
  return { order: result.order, shipment: result.shipment! };
}

/** A dispatch whose request was already carried out: its shipment is answered as it is. */
class RepeatedDispatch extends Error {
  override readonly name = 'RepeatedDispatch';
}

/**
 * `POST /orders/{id}/shipments/{shipmentId}/events`: one step of a shipment, named by the status it leads to: an own
 * van's round (`out-for-delivery`, `delivered` with the ID check an age-restricted order needs, a `failed-attempt` with a
 * redelivery slot or a return, `returning`), or the receipt at the store of goods that came back (`returned-to-store`),
 * each line restocked (back to `available`, audited, `inventory.adjusted`) or written off with a reason (audited).
 * @throws NotFoundError (404) for an order the caller does not reach, or a shipment it does not have
 * @throws InvalidShipmentTransitionError (409) for a step out of order, or a van's step on a courier's shipment
 * @throws IdCheckRequiredError, PerishableRestockError (422); ValidationError (400) for returned lines that do not match
 */
export async function recordShipmentEvent(
  orderId: string,
  shipmentId: string,
  request: ShipmentEventRequest,
  who: FulfilmentActor,
  deps: FulfilmentDeps = fulfilmentDeps(),
): Promise<{ order: Order; shipment: Shipment }> {
  const at = deps.now().toISOString();
  const result = await change(deps, orderId, who, async (order) => {
    switch (request.type) {
      case 'out-for-delivery':
        return { event: { type: 'out-for-delivery', shipmentId } };
      case 'delivered':
        return { event: { type: 'deliver', shipmentId, ...(request.idCheck ? { idCheck: { ...request.idCheck, checkedBy: who.actor, at } } : {}) } };
      case 'failed-attempt':
        return { event: { type: 'fail-attempt', shipmentId, reason: request.reason, next: request.next } };
      case 'returning':
        return { event: { type: 'return-to-store', shipmentId } };
      case 'returned-to-store': {
        const event: FulfilmentEvent = { type: 'receive-return', shipmentId, lines: request.lines };
        const shipment = order.shipments?.find((s) => s.id === shipmentId);
        // Checked by the machine first, so that a refused receipt reads no stock.
        fulfil(order, event, deps.now(), who.actor);
        const items = await returnItems(deps, order, shipment!, request.lines, who);
        return { event, items: () => items };
      }
    }
  });
  return { order: result.order, shipment: result.shipment! };
}

/**
 * `POST /orders/{id}/collection`: a packed pickup order is ready at the desk, with a new handover code for its shopper.
 * On a collection locked by wrong codes, a store manager (`orders:write`) issues a new code instead.
 * @throws NotFoundError (404); InvalidFulfillmentTransitionError (409) for an order that is not a packed, paid pickup order, or is ready already
 * @throws AppError `insufficient-scope` (403) when a picker asks for a new code
 */
export async function readyForCollection(orderId: string, who: FulfilmentActor & { canReissue: boolean }, deps: FulfilmentDeps = fulfilmentDeps()): Promise<Order> {
  const result = await change(deps, orderId, who, async (order) => {
    const collection = order.collection;
    if (collection?.status === 'ready' && collection.lockedAt !== undefined) {
      if (!who.canReissue) {
        throw new AppError('forbidden', 'insufficient-scope', 'A new handover code is issued by a store manager (the orders:write scope).', { extensions: { requiredScope: 'orders:write' } });
      }
      return { event: { type: 'reissue-code', codeSalt: newCodeSalt() } };
    }
    return { event: { type: 'ready-for-collection', codeSalt: newCodeSalt() } };
  });
  return result.order;
}

/**
 * `POST /orders/{id}/collection/handover`: hands a ready pickup order over on the shopper's code, with the ID check an
 * age-restricted order needs; its stock leaves `committed` in the same transaction. A wrong code counts a try (kept in
 * the history) and is a 422; after 5 the collection locks (409 `handover-locked`) until a new code is issued.
 * @throws NotFoundError (404); InvalidFulfillmentTransitionError (409) when it is not ready (or was collected already)
 * @throws HandoverCodeMismatchError, IdCheckRequiredError (422); HandoverLockedError (409)
 */
export async function handOver(orderId: string, request: HandoverRequest, who: FulfilmentActor, deps: FulfilmentDeps = fulfilmentDeps()): Promise<Order> {
  const key = await deps.handoverKey();
  let mismatch: number | undefined;
  const result = await change(deps, orderId, who, async (order) => {
    const collection = order.collection;
    if (collection?.status !== 'ready') return { event: { type: 'collect', stockMoves: [] } };
    if (collection.lockedAt !== undefined) throw new HandoverLockedError(order.id);
    if (!codeMatches(key, order.id, collection.codeSalt, request.code)) {
      mismatch = MAX_HANDOVER_ATTEMPTS - collection.failedAttempts - 1;
      return { event: { type: 'refuse-handover' } };
    }
    mismatch = undefined;
    const lines = order.lines.flatMap((line) => {
      const goods = handedOver(line);
      return goods ? [{ lineId: line.lineId, ...goods }] : [];
    });
    const stockMoves = await stockLeaving(order, lines, deps);
    const idCheck = request.idCheck ? { idCheck: { ...request.idCheck, checkedBy: who.actor, at: deps.now().toISOString() } } : {};
    return { event: { type: 'collect', stockMoves, ...idCheck }, items: () => leavingItems(deps, order.storeId, stockMoves) };
  });
  if (mismatch !== undefined) throw new HandoverCodeMismatchError(orderId, mismatch);
  return result.order;
}

/** What a shipment's dispatch and each of its steps answer: the order as its reader sees it, and the shipment. */
export const ShipmentResult = z.strictObject({ order: OrderView, shipment: OrderView.shape.shipments.unwrap().element });
export type ShipmentResult = z.infer<typeof ShipmentResult>;

/** The answer to a shipment's dispatch or step, shaped for who reads it. */
export function shipmentResult(result: { order: Order; shipment: Shipment }, reader: OrderAccess): ShipmentResult {
  const order = orderView(result.order, reader);
  return { order, shipment: order.shipments!.find((s) => s.id === result.shipment.id)! };
}
