import { z } from 'zod';
import { FulfillmentStatus } from '../../events/orders/fulfillment-status.js';
import { parseSlotId } from '../fulfillment/slot-id.js';
import { DEFAULT_SLOT_POLICY } from '../fulfillment/slot-policy.js';
import { fulfilmentStatusOf, undispatched } from './fulfilment.js';
import type { Order } from './model.js';
import { isTerminalShipment, type Shipment } from './shipments.js';

/**
 * What the shopper sees of where their order is: its fulfilment status, an ETA inside its slot, and a timeline of every
 * step with its time (the order's statuses, its packing or collection, and each shipment's own statuses). Pure.
 */

/** How narrow the ETA gets once the van is out: a half-hour window. */
export const ETA_WINDOW_MINUTES = 30;
/** The soonest a van arrives after it goes out for delivery. */
export const FIRST_STOP_MINUTES = 15;

const MINUTE = 60_000;

/** When the goods are expected: a window, always inside the slot they were booked (or rebooked) in. */
export const Eta = z.strictObject({ from: z.iso.datetime(), to: z.iso.datetime() });
export type Eta = z.infer<typeof Eta>;

/** One step of the order's journey: an order status, a fulfilment status, or a shipment's status (with the shipment). */
export const TrackingStep = z.strictObject({ status: z.string().min(1), at: z.iso.datetime(), shipmentId: z.string().min(1).optional() });
export type TrackingStep = z.infer<typeof TrackingStep>;

export const Tracking = z.strictObject({
  status: FulfillmentStatus,
  /** Null once everything arrived or was collected, when nothing is on its way, or for a sale handed over at the till. */
  eta: Eta.nullable(),
  timeline: z.array(TrackingStep),
});
export type Tracking = z.infer<typeof Tracking>;

/** A slot's window from its id and the slot policy's window length for its mode. */
export function slotWindow(slotId: string): { start: number; end: number } | undefined {
  const slot = parseSlotId(slotId);
  if (!slot) return undefined;
  const start = Date.parse(slot.startsAt);
  return { start, end: start + DEFAULT_SLOT_POLICY[slot.mode].windowMinutes * MINUTE };
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The ETA of one shipment: its slot (the redelivery slot after a failed attempt), narrowed to a half-hour window once it
 * is out for delivery, starting a first stop's drive after it left and clamped inside the slot, so it never promises a
 * time the shopper did not book. `undefined` when it is not on its way to the shopper.
 */
export function shipmentEta(shipment: Shipment, slotId: string): Eta | undefined {
  if (isTerminalShipment(shipment.status) || shipment.status === 'returning') return undefined;
  if (shipment.status === 'failed-attempt' && shipment.redeliverySlotId === undefined) return undefined;
  const window = slotWindow(shipment.redeliverySlotId ?? slotId);
  if (!window) return undefined;
  if (shipment.status !== 'out-for-delivery') return { from: iso(window.start), to: iso(window.end) };
  const out = shipment.timeline.findLast((change) => change.status === 'out-for-delivery' && change.attempt === shipment.attempt)!;
  const length = Math.min(ETA_WINDOW_MINUTES * MINUTE, window.end - window.start);
  const from = Math.min(Math.max(Date.parse(out.at) + FIRST_STOP_MINUTES * MINUTE, window.start), window.end - length);
  return { from: iso(from), to: iso(from + length) };
}

/** The order's ETA: the soonest of its shipments on their way, or its slot while goods wait to leave or to be collected. */
export function etaOf(order: Order): Eta | null {
  const fulfillment = order.fulfillment;
  if (fulfillment.mode === 'in-store') return null;
  if (fulfillment.mode === 'pickup') {
    if (order.collection?.status === 'collected') return null;
    const window = slotWindow(fulfillment.slotId);
    return window ? { from: iso(window.start), to: iso(window.end) } : null;
  }
  const etas = (order.shipments ?? []).flatMap((shipment) => shipmentEta(shipment, fulfillment.slotId) ?? []);
  const waiting = undispatched(order).size > 0 || (order.shipments ?? []).length === 0;
  if (waiting) {
    const window = slotWindow(fulfillment.slotId);
    if (window) etas.push({ from: iso(window.start), to: iso(window.end) });
  }
  if (etas.length === 0) return null;
  return etas.reduce((soonest, eta) => (eta.from < soonest.from ? eta : soonest));
}

/** Fulfilment steps that change no status: a wrong handover code, a new code. */
const SILENT_STEPS = new Set(['refuse-handover', 'reissue-code']);

/** Every step with its time, oldest first: the order's statuses, its packing and collection, each shipment's statuses. */
export function timelineOf(order: Order): TrackingStep[] {
  const steps: TrackingStep[] = [
    ...order.statusHistory.map((change) => ({ status: change.to, at: change.at })),
    ...(order.fulfillmentHistory ?? []).filter((change) => change.shipmentId === undefined && !SILENT_STEPS.has(change.event)).map((change) => ({ status: change.to, at: change.at })),
    ...(order.shipments ?? []).flatMap((shipment) => shipment.timeline.map((change) => ({ status: change.status, at: change.at, shipmentId: shipment.id }))),
  ];
  return steps.sort((a, b) => a.at.localeCompare(b.at));
}

/** Where the order is, for its reader. */
export function trackingOf(order: Order): Tracking {
  return { status: order.fulfillmentStatus ?? fulfilmentStatusOf(order), eta: etaOf(order), timeline: timelineOf(order) };
}
