import { bookingKey, CourierRefusedError, CourierUnavailableError, shipmentReference, type Courier } from '../couriers/courier.js';
import { MAX_PARCEL_GRAMS, type BookingRequest, type CourierParcel } from '../couriers/model.js';
import { AppError } from '../errors.js';
import { getStore, type StoreDeps } from '../stores/repository.js';
import type { Store } from '../stores/model.js';
import type { ShipmentBooker, ShipmentBooking } from './fulfilment-actions.js';
import { zoneOfLine } from './fulfilment.js';
import type { Order } from './model.js';
import type { Bag, ShipmentLine, TemperatureZone } from './shipments.js';
import { slotWindow } from './tracking.js';

/**
 * A courier shipment's booking: our shipment described as the courier contract asks (integration-files/couriers), and
 * the dispatch's `ShipmentBooker` over the `Courier` port. The request is made from the order's stored facts alone
 * (its packing time, slot, address, bags and lines), never from the clock, so that the same shipment asks for the same
 * booking under the same key (`shipment:<orderId>:<shipmentId>`) however often it is retried: the courier answers a
 * repeat with the first booking.
 */

/** What one item or pack weighs for the courier when the catalog does not say: an average grocery item. */
export const NOMINAL_ITEM_GRAMS = 500;

/** The courier refused the booking (an address outside its area, a window it cannot meet): the shipment is not dispatched. */
export class CourierRefusedBookingError extends AppError {
  override readonly name: string = 'CourierRefusedBookingError';
  constructor(carrier: string, orderId: string, error: CourierRefusedError) {
    super('unprocessable', 'courier-refused', `${carrier} refused to carry order ${orderId}'s shipment${error.detail ? `: ${error.detail}` : ` (${error.code ?? error.status})`}. Nothing was dispatched.`, {
      extensions: { orderId, carrier, ...(error.code ? { courierCode: error.code } : {}) },
    });
  }
}

/** The courier could not be reached, or kept failing, within the booking's time: the shipment is not dispatched; try again. */
export class CourierUnavailableBookingError extends AppError {
  override readonly name: string = 'CourierUnavailableBookingError';
  constructor(carrier: string, orderId: string, error: CourierUnavailableError) {
    super('unavailable', 'courier-unavailable', `${carrier} could not book order ${orderId}'s shipment now (${error.message}). Nothing was dispatched; send the same request again.`, {
      cause: error,
      extensions: { orderId, carrier },
      retryAfterSeconds: error.retryAfterSeconds ?? 5,
    });
  }
}

/** The grams a shipment line weighs: weighed and volume goods by their quantity (a millilitre as a gram), the rest nominally. */
function lineGrams(order: Order, line: ShipmentLine): number {
  const soldBy = order.lines.find((l) => l.lineId === line.lineId)?.soldBy;
  return soldBy === 'weight' || soldBy === 'volume' ? line.quantity : line.quantity * NOMINAL_ITEM_GRAMS;
}

/**
 * The shipment's parcels: its bags in the zones its lines travel in (every bag given when none is), each weighing its
 * zone's share of the lines, within what a courier takes.
 */
function parcelsOf(order: Order, lines: readonly ShipmentLine[], bags: readonly Bag[]): CourierParcel[] {
  const grams = new Map<TemperatureZone, number>();
  for (const line of lines) {
    const zone = zoneOfLine(order, line.lineId) ?? 'ambient';
    grams.set(zone, (grams.get(zone) ?? 0) + lineGrams(order, line));
  }
  const carried = bags.filter((bag) => grams.has(bag.zone));
  const parcels = carried.length > 0 ? carried : bags;
  return parcels.map((bag) => {
    const inZone = parcels.filter((other) => other.zone === bag.zone).length;
    const weight = Math.ceil((grams.get(bag.zone) ?? NOMINAL_ITEM_GRAMS) / inZone);
    return { reference: bag.label, weightGrams: Math.min(MAX_PARCEL_GRAMS, Math.max(1, weight)), temperature: bag.zone, description: `Groceries, ${bag.zone}` };
  });
}

/**
 * The booking request of one shipment: collected at the store once packed, delivered in the order's slot (a `timed`
 * service) to the recipient the order's delivery snapshot names (their name, phone and instructions, from the saved
 * address the shopper chose), its bags as parcels, with the driver's ID check when the order holds age-restricted goods.
 * An order delivered to an inline address has no recipient: it is named by the order, which the shopper sees in their
 * account. The recipient goes to the courier, whose job it is, and nowhere else: not into the metadata, a log or an
 * event. Pure.
 * @throws Error when the order is not a packed delivery order (the dispatch's machine refused those already)
 */
export function bookingRequestOf(order: Order, store: Store, shipmentId: string, lines: readonly ShipmentLine[], bags: readonly Bag[]): BookingRequest {
  const fulfillment = order.fulfillment;
  const window = fulfillment.mode === 'delivery' ? slotWindow(fulfillment.slotId) : undefined;
  if (fulfillment.mode !== 'delivery' || !window || !order.packing) throw new Error(`order ${order.id} is not a packed delivery order with a slot`);
  const recipient = fulfillment.recipient;
  return {
    reference: shipmentReference(order.id, shipmentId),
    service: 'timed',
    collection: { locationReference: store.id, address: store.address, readyAt: order.packing.packedAt },
    delivery: {
      recipient: recipient ? { name: recipient.name, ...(recipient.phone ? { phone: recipient.phone } : {}) } : { name: `SmartShelf order ${order.id}` },
      address: fulfillment.address,
      window: { from: new Date(window.start).toISOString(), to: new Date(window.end).toISOString() },
      ...(recipient?.instructions ? { instructions: recipient.instructions } : {}),
    },
    parcels: parcelsOf(order, lines, bags),
    ageVerification: order.idCheckRequired === true,
    metadata: { orderId: order.id, shipmentId, storeId: order.storeId },
  };
}

/**
 * The dispatch's booker for one courier: reads the order's store, asks the courier to book the shipment under its key,
 * and gives the shipment its tracking and booking (`booking.reference` is the courier's shipment id, which its
 * tracking events name). A refusal is a 422 `courier-refused` and a courier that stays unreachable a 503
 * `courier-unavailable`, each saying why; in both cases nothing is dispatched. A booking whose dispatch was then refused
 * (another dispatcher sent the goods first) is cancelled at the courier.
 */
export function courierBooker(courier: Courier, deps: StoreDeps): ShipmentBooker {
  return {
    async book({ order, shipmentId, lines, bags }): Promise<ShipmentBooking> {
      const store = await getStore(order.storeId, deps);
      if (!store) throw new Error(`order ${order.id}'s store ${order.storeId} does not exist`);
      try {
        const booked = await courier.book(bookingRequestOf(order, store, shipmentId, lines, bags), bookingKey(order.id, shipmentId));
        return { trackingNumber: booked.trackingNumber, trackingUrl: booked.trackingUrl, booking: { reference: booked.shipmentId, labelUrl: booked.labelUrl } };
      } catch (error) {
        // A 422 is the courier's say about this shipment; any other refusal (our token, a request outside the contract) is ours to fix, a 500.
        if (error instanceof CourierRefusedError && error.status === 422) throw new CourierRefusedBookingError(courier.id, order.id, error);
        if (error instanceof CourierUnavailableError) throw new CourierUnavailableBookingError(courier.id, order.id, error);
        throw error;
      }
    },
    async cancel({ orderId, shipmentId, booking, reason }): Promise<void> {
      await courier.cancel(booking.reference, `cancel:${bookingKey(orderId, shipmentId)}`, reason.slice(0, 500));
    },
  };
}
