import { stockQuantity } from '../carts/quantities.js';
import { AppError, ConflictError, ValidationError, type FieldError } from '../errors.js';
import type { Order, OrderLine, OrderStatus } from './model.js';
import {
  advanceShipment,
  type FulfillmentChange,
  type FulfillmentStatus,
  bagLabels,
  type CourierUpdate,
  type FailedAttemptNext,
  type FailedAttemptReason,
  type IdCheck,
  isTerminalShipment,
  MAX_HANDOVER_ATTEMPTS,
  OWN_VAN,
  PERISHABLE_ZONES,
  type PackedZone,
  type ReturnDisposition,
  type Shipment,
  type ShipmentLine,
  type ShipmentStatus,
  staffShipmentStep,
  type StockMove,
  type TemperatureZone,
} from './shipments.js';

/**
 * The order's fulfilment: a dimension of its own beside the order's status, with its own state machine. The order's
 * status (`status.ts`) is the commercial life (reserved, paid, picked, captured, completed, refunded) and ends at
 * `completed` once the money is captured and the stock committed; `order.completed` drives invoicing and loyalty then.
 * What happens to the goods afterwards (packed, dispatched in shipments, delivered, handed over at the store) is this
 * machine's, so that a refund never waits on a van and a delivery never reopens a completed sale, and the order's
 * status and its `order.status-changed` v1 contract stay as they are. Every change goes through `fulfil`, pure; the
 * repository writes it under the order's version condition with its history entry and `fulfillment.updated`.
 */

/** Order statuses whose goods may be packed, sent or handed over: paid for, stock committed, not refunded in full. */
export const FULFILLABLE_ORDER_STATUSES: readonly OrderStatus[] = ['completed', 'partially-refunded'];

/** What moves an order's fulfilment, with what each needs to say. */
export type FulfilmentEvent =
  | { type: 'pack'; zones: readonly PackedZone[] }
  | {
      type: 'dispatch';
      shipment: Pick<Shipment, 'id' | 'carrier' | 'lines' | 'stockMoves'> & Partial<Pick<Shipment, 'trackingNumber' | 'trackingUrl' | 'booking' | 'bags' | 'requestKey'>>;
    }
  | { type: 'out-for-delivery'; shipmentId: string }
  | { type: 'deliver'; shipmentId: string; idCheck?: IdCheck }
  | { type: 'fail-attempt'; shipmentId: string; reason: FailedAttemptReason; next: FailedAttemptNext }
  | { type: 'return-to-store'; shipmentId: string }
  | { type: 'receive-return'; shipmentId: string; lines: readonly ReturnDisposition[] }
  | { type: 'courier-update'; shipmentId: string; update: CourierUpdate }
  | { type: 'ready-for-collection'; codeSalt: string }
  | { type: 'reissue-code'; codeSalt: string }
  | { type: 'refuse-handover' }
  | { type: 'collect'; idCheck?: IdCheck; stockMoves: readonly StockMove[] };
export type FulfilmentEventType = FulfilmentEvent['type'];

/** A fulfilment step the order's state does not allow: not paid yet, already done, the wrong mode, nothing left. */
export class InvalidFulfillmentTransitionError extends ConflictError {
  override readonly name: string = 'InvalidFulfillmentTransitionError';
  constructor(order: Pick<Order, 'id' | 'status'>, from: FulfillmentStatus, event: FulfilmentEventType, why: string) {
    super('invalid-fulfillment-transition', `Order ${order.id} is ${order.status} and ${from}; ${event} is not allowed: ${why}`, {
      extensions: { orderId: order.id, orderStatus: order.status, fulfillmentStatus: from, event },
    });
  }
}

/** An age-restricted order handed over without the shopper's ID checked. */
export class IdCheckRequiredError extends AppError {
  override readonly name: string = 'IdCheckRequiredError';
  constructor(orderId: string) {
    super('unprocessable', 'id-check-required', `Order ${orderId} holds age-restricted goods: record the ID check (idCheck.document) at handover, or do not hand it over.`, {
      fields: [{ field: 'body.idCheck', message: 'is required: the order holds age-restricted goods' }],
      extensions: { orderId },
    });
  }
}

/** Too many wrong handover codes: no code is accepted until a store manager issues a new one. */
export class HandoverLockedError extends ConflictError {
  override readonly name: string = 'HandoverLockedError';
  constructor(orderId: string) {
    super('handover-locked', `Order ${orderId}'s collection is locked after ${MAX_HANDOVER_ATTEMPTS} wrong codes; a store manager must issue a new code (POST /orders/${orderId}/collection).`, {
      extensions: { orderId },
    });
  }
}

/** Returned chilled or frozen goods put back on sale: the cold chain was broken. */
export class PerishableRestockError extends AppError {
  override readonly name: string = 'PerishableRestockError';
  constructor(orderId: string, fields: FieldError[]) {
    super('unprocessable', 'perishable-not-restockable', `Order ${orderId}: chilled and frozen goods that left the store cannot be resold; write them off (reason perishable).`, {
      fields,
      extensions: { orderId },
    });
  }
}

/** No shipment of this order has that id. */
export class ShipmentNotFoundError extends AppError {
  override readonly name: string = 'ShipmentNotFoundError';
  constructor(orderId: string, shipmentId: string) {
    super('not-found', 'not-found', `Order ${orderId} has no shipment ${shipmentId}.`, { extensions: { entity: 'Shipment', id: shipmentId, orderId } });
  }
}

/** What of a line was handed over (the picked quantity, or the ordered one when nothing was weighed), in which SKU; nothing when nothing was. */
export function handedOver(line: OrderLine): { sku: string; quantity: number } | undefined {
  const quantity = line.picked === undefined ? line.quantity : line.picked.quantity;
  if (quantity === undefined) return undefined;
  return { sku: line.picked?.substitute?.sku ?? line.sku, quantity: stockQuantity(quantity) };
}

/** What of each handed-over line no shipment carries yet, by line id. */
export function undispatched(order: Order): Map<string, number> {
  const sent = new Map<string, number>();
  for (const shipment of order.shipments ?? []) for (const line of shipment.lines) sent.set(line.lineId, (sent.get(line.lineId) ?? 0) + line.quantity);
  const left = new Map<string, number>();
  for (const line of order.lines) {
    const goods = handedOver(line);
    const rest = (goods?.quantity ?? 0) - (sent.get(line.lineId) ?? 0);
    if (rest > 0) left.set(line.lineId, rest);
  }
  return left;
}

/**
 * The order's fulfilment status from what it holds: a collection's status; otherwise its shipments (all delivered,
 * some, all back at the store, all or part of the goods sent); otherwise whether it was packed. Pure.
 */
export function fulfilmentStatusOf(order: Order): FulfillmentStatus {
  if (order.collection) return order.collection.status === 'collected' ? 'collected' : 'ready-for-collection';
  const shipments = order.shipments ?? [];
  if (shipments.length === 0) return order.packing ? 'packed' : 'unfulfilled';
  const allSent = undispatched(order).size === 0;
  const delivered = shipments.filter((s) => s.status === 'delivered').length;
  if (allSent && shipments.every((s) => isTerminalShipment(s.status))) {
    if (delivered === shipments.length) return 'delivered';
    if (delivered === 0) return 'returned-to-store';
  }
  if (delivered > 0) return 'partially-delivered';
  return allSent ? 'dispatched' : 'partially-dispatched';
}

/** The zone each packed line travels in. */
export function zoneOfLine(order: Order, lineId: string): TemperatureZone | undefined {
  return order.packing?.zones.find((zone) => zone.lineIds.includes(lineId))?.zone;
}

function requireFulfillable(order: Order, from: FulfillmentStatus, event: FulfilmentEventType): void {
  if (!FULFILLABLE_ORDER_STATUSES.includes(order.status)) {
    throw new InvalidFulfillmentTransitionError(order, from, event, `the order's goods move once it is paid and its stock committed (${FULFILLABLE_ORDER_STATUSES.join(' or ')}).`);
  }
}

function requireMode(order: Order, from: FulfillmentStatus, event: FulfilmentEventType, mode: 'delivery' | 'pickup' | 'delivery or pickup'): void {
  const actual = order.fulfillment.mode;
  if (mode === 'delivery or pickup' ? actual === 'in-store' : actual !== mode) {
    throw new InvalidFulfillmentTransitionError(order, from, event, `it is for ${mode} orders, and this one is ${actual}.`);
  }
}

/** Checks a packing against the order: every handed-over line in exactly one zone, each zone once, no other line. */
function checkPacking(order: Order, zones: readonly PackedZone[]): void {
  const goods = new Set(order.lines.filter((line) => handedOver(line) !== undefined).map((line) => line.lineId));
  const seen = new Set<string>();
  const errors: FieldError[] = [];
  zones.forEach((zone, z) => {
    if (zones.findIndex((other) => other.zone === zone.zone) !== z) errors.push({ field: `body.zones.${z}.zone`, message: `${zone.zone} is listed more than once` });
    zone.lineIds.forEach((lineId, l) => {
      const field = `body.zones.${z}.lineIds.${l}`;
      if (!order.lines.some((line) => line.lineId === lineId)) errors.push({ field, message: `${lineId} is not a line of order ${order.id}` });
      else if (!goods.has(lineId)) errors.push({ field, message: `nothing of line ${lineId} was handed over, so nothing of it is packed` });
      else if (seen.has(lineId)) errors.push({ field, message: `line ${lineId} is packed in more than one zone` });
      seen.add(lineId);
    });
  });
  const missing = [...goods].filter((lineId) => !seen.has(lineId));
  if (missing.length > 0) errors.push({ field: 'body.zones', message: `lines not packed: ${missing.join(', ')}` });
  if (errors.length > 0) throw new ValidationError(errors, `The packing does not match order ${order.id}'s goods.`);
}

/**
 * Checks a shipment's lines against what is left to send: each a handed-over line of the order, once, for no more than
 * is left of it.
 */
function checkShipmentLines(order: Order, lines: readonly ShipmentLine[]): void {
  const left = undispatched(order);
  const errors: FieldError[] = [];
  lines.forEach((line, i) => {
    const rest = left.get(line.lineId);
    if (lines.findIndex((other) => other.lineId === line.lineId) !== i) errors.push({ field: `body.lines.${i}.lineId`, message: `line ${line.lineId} is listed more than once` });
    else if (rest === undefined) errors.push({ field: `body.lines.${i}.lineId`, message: `nothing of line ${line.lineId} is left to send` });
    else if (line.quantity > rest) errors.push({ field: `body.lines.${i}.quantity`, message: `only ${rest} of line ${line.lineId} is left to send` });
  });
  if (errors.length > 0) throw new ValidationError(errors, `The shipment's lines do not match what order ${order.id} has left to send.`);
}

function shipmentOf(order: Order, shipmentId: string): Shipment {
  const shipment = order.shipments?.find((s) => s.id === shipmentId);
  if (!shipment) throw new ShipmentNotFoundError(order.id, shipmentId);
  return shipment;
}

function replaceShipment(order: Order, shipment: Shipment): Shipment[] {
  return (order.shipments ?? []).map((s) => (s.id === shipment.id ? shipment : s));
}

/** Checks each returned line's disposition: a line of the shipment, once, every line covered, no perishable restocked. */
function checkDispositions(order: Order, shipment: Shipment, lines: readonly ReturnDisposition[]): void {
  const errors: FieldError[] = [];
  const perishable: FieldError[] = [];
  lines.forEach((line, i) => {
    if (!shipment.lines.some((l) => l.lineId === line.lineId)) errors.push({ field: `body.lines.${i}.lineId`, message: `line ${line.lineId} is not in shipment ${shipment.id}` });
    else if (lines.findIndex((other) => other.lineId === line.lineId) !== i) errors.push({ field: `body.lines.${i}.lineId`, message: `line ${line.lineId} is listed more than once` });
    else if (line.disposition === 'restock' && PERISHABLE_ZONES.includes(zoneOfLine(order, line.lineId) ?? 'ambient')) {
      perishable.push({ field: `body.lines.${i}.disposition`, message: `line ${line.lineId} travelled ${zoneOfLine(order, line.lineId)}: write it off` });
    }
  });
  const missing = shipment.lines.filter((l) => !lines.some((line) => line.lineId === l.lineId)).map((l) => l.lineId);
  if (missing.length > 0) errors.push({ field: 'body.lines', message: `say what became of every returned line; missing: ${missing.join(', ')}` });
  if (errors.length > 0) throw new ValidationError(errors, `The returned lines do not match shipment ${shipment.id}.`);
  if (perishable.length > 0) throw new PerishableRestockError(order.id, perishable);
}

interface Outcome {
  order: Order;
  shipment?: Shipment;
}

/** The order after one event, before the derived status, history and version are brought up to date. */
function apply(order: Order, event: FulfilmentEvent, from: FulfillmentStatus, at: Date, actor: string): Outcome {
  const when = at.toISOString();
  switch (event.type) {
    case 'pack': {
      requireFulfillable(order, from, event.type);
      requireMode(order, from, event.type, 'delivery or pickup');
      if (from !== 'unfulfilled') throw new InvalidFulfillmentTransitionError(order, from, event.type, 'it is packed already.');
      checkPacking(order, event.zones);
      const zones = event.zones.map((zone) => ({ ...zone, lineIds: [...zone.lineIds] }));
      return { order: { ...order, packing: { zones, bags: bagLabels(order.id, zones), packedAt: when, packedBy: actor } } };
    }
    case 'dispatch': {
      requireFulfillable(order, from, event.type);
      requireMode(order, from, event.type, 'delivery');
      if (!order.packing) throw new InvalidFulfillmentTransitionError(order, from, event.type, 'pack it first.');
      if (undispatched(order).size === 0) throw new InvalidFulfillmentTransitionError(order, from, event.type, 'every packed line has been sent.');
      checkShipmentLines(order, event.shipment.lines);
      const labels = new Set(order.packing.bags.map((bag) => bag.label));
      const unknownBags = (event.shipment.bags ?? []).flatMap((label, i) => (labels.has(label) ? [] : [{ field: `body.bags.${i}`, message: `${label} is not a bag of order ${order.id}` }]));
      if (unknownBags.length > 0) throw new ValidationError(unknownBags);
      const shipment: Shipment = {
        ...event.shipment,
        lines: [...event.shipment.lines],
        stockMoves: [...event.shipment.stockMoves],
        trackingNumber: event.shipment.trackingNumber ?? (event.shipment.carrier === OWN_VAN ? event.shipment.id : undefined),
        status: 'dispatched',
        attempt: 1,
        timeline: [{ status: 'dispatched', at: when, actor, attempt: 1 }],
        createdAt: when,
        updatedAt: when,
      };
      if (shipment.trackingNumber === undefined) delete shipment.trackingNumber;
      return { order: { ...order, shipments: [...(order.shipments ?? []), shipment] }, shipment };
    }
    case 'out-for-delivery':
    case 'deliver':
    case 'return-to-store': {
      const current = shipmentOf(order, event.shipmentId);
      const to: ShipmentStatus = event.type === 'deliver' ? 'delivered' : event.type === 'return-to-store' ? 'returning' : 'out-for-delivery';
      if (event.type === 'deliver' && order.idCheckRequired && event.idCheck === undefined) throw new IdCheckRequiredError(order.id);
      let shipment = staffShipmentStep(current, to, at, actor);
      if (event.type === 'deliver' && event.idCheck !== undefined) shipment = { ...shipment, idCheck: event.idCheck };
      return { order: { ...order, shipments: replaceShipment(order, shipment) }, shipment };
    }
    case 'fail-attempt': {
      const current = shipmentOf(order, event.shipmentId);
      let shipment = staffShipmentStep(current, 'failed-attempt', at, actor, event.reason);
      shipment = { ...shipment, failure: { reason: event.reason, at: when } };
      if (event.next.action === 'redeliver') shipment = { ...shipment, redeliverySlotId: event.next.slotId };
      else shipment = staffShipmentStep(shipment, 'returning', at, actor);
      return { order: { ...order, shipments: replaceShipment(order, shipment) }, shipment };
    }
    case 'receive-return': {
      const current = shipmentOf(order, event.shipmentId);
      checkDispositions(order, current, event.lines);
      const shipment = { ...staffShipmentStep(current, 'returned-to-store', at, actor), returned: [...event.lines] };
      return { order: { ...order, shipments: replaceShipment(order, shipment) }, shipment };
    }
    case 'courier-update': {
      const current = shipmentOf(order, event.shipmentId);
      if (current.carrier === OWN_VAN) throw new InvalidFulfillmentTransitionError(order, from, event.type, `shipment ${current.id} travels in the store's own van.`);
      const { shipment } = advanceShipment(current, event.update, actor, at);
      return { order: { ...order, shipments: replaceShipment(order, shipment) }, shipment };
    }
    case 'ready-for-collection': {
      requireFulfillable(order, from, event.type);
      requireMode(order, from, event.type, 'pickup');
      if (from !== 'packed') throw new InvalidFulfillmentTransitionError(order, from, event.type, from === 'unfulfilled' ? 'pack it first.' : 'it is ready already.');
      return { order: { ...order, collection: { status: 'ready', readyAt: when, readyBy: actor, codeSalt: event.codeSalt, failedAttempts: 0 } } };
    }
    case 'reissue-code': {
      const collection = order.collection;
      if (collection?.status !== 'ready') throw new InvalidFulfillmentTransitionError(order, from, event.type, 'only a collection that is ready gets a new code.');
      const { lockedAt: _lock, ...rest } = collection;
      return { order: { ...order, collection: { ...rest, codeSalt: event.codeSalt, failedAttempts: 0 } } };
    }
    case 'refuse-handover': {
      const collection = order.collection;
      if (collection?.status !== 'ready') throw new InvalidFulfillmentTransitionError(order, from, event.type, 'it is not ready for collection.');
      if (collection.lockedAt !== undefined) throw new HandoverLockedError(order.id);
      const failedAttempts = collection.failedAttempts + 1;
      return { order: { ...order, collection: { ...collection, failedAttempts, ...(failedAttempts >= MAX_HANDOVER_ATTEMPTS ? { lockedAt: when } : {}) } } };
    }
    case 'collect': {
      const collection = order.collection;
      if (collection?.status !== 'ready') throw new InvalidFulfillmentTransitionError(order, from, event.type, from === 'collected' ? 'it was collected already.' : 'it is not ready for collection.');
      requireFulfillable(order, from, event.type);
      if (collection.lockedAt !== undefined) throw new HandoverLockedError(order.id);
      if (order.idCheckRequired && event.idCheck === undefined) throw new IdCheckRequiredError(order.id);
      return {
        order: {
          ...order,
          collection: {
            ...collection,
            status: 'collected',
            collectedAt: when,
            collectedBy: actor,
            stockMoves: [...event.stockMoves],
            ...(event.idCheck === undefined ? {} : { idCheck: event.idCheck }),
          },
        },
      };
    }
  }
}

function reasonOf(event: FulfilmentEvent): string | undefined {
  if (event.type === 'fail-attempt') return `${event.reason}; ${event.next.action === 'redeliver' ? `redeliver in ${event.next.slotId}` : 'return to store'}`;
  if (event.type === 'courier-update') return event.update.failureReason;
  return undefined;
}

/**
 * The order after one fulfilment event: its packing, shipments or collection changed, its fulfilment status derived
 * again, one more history entry, the version moved on. The order's own `status` never changes here. Pure.
 *
 * A courier update that is stale (see `advanceShipment`) returns the order unchanged (same version): the caller writes nothing.
 * @throws InvalidFulfillmentTransitionError (409) for an event the order's state does not allow
 * @throws InvalidShipmentTransitionError (409) for a shipment step out of order
 * @throws ShipmentNotFoundError (404), ValidationError (400), IdCheckRequiredError, PerishableRestockError (422), HandoverLockedError (409)
 */
export function fulfil(order: Order, event: FulfilmentEvent, at: Date, actor: string): { order: Order; shipment?: Shipment } {
  const from = order.fulfillmentStatus ?? fulfilmentStatusOf(order);
  const outcome = apply(order, event, from, at, actor);
  if (event.type === 'courier-update' && outcome.shipment === shipmentOf(order, event.shipmentId)) return { order };
  const to = fulfilmentStatusOf(outcome.order);
  const reason = reasonOf(event);
  const when = at.toISOString();
  const change: FulfillmentChange = {
    event: event.type,
    from,
    to,
    ...(outcome.shipment ? { shipmentId: outcome.shipment.id, shipmentStatus: outcome.shipment.status } : {}),
    at: when,
    actor,
    ...(reason === undefined ? {} : { reason }),
  };
  const next: Order = {
    ...outcome.order,
    fulfillmentStatus: to,
    fulfillmentHistory: [...(order.fulfillmentHistory ?? []), change],
    version: order.version + 1,
    updatedAt: when,
  };
  return outcome.shipment ? { order: next, shipment: outcome.shipment } : { order: next };
}
