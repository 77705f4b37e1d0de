import { z } from 'zod';
import { ConflictError } from '../errors.js';
import { Id, Sku } from '../catalog/model.js';
import { SlotId } from '../fulfillment/slot-id.js';
import { FulfillmentStatus, ShipmentStatus } from '../../events/orders/fulfillment-status.js';

/**
 * What leaves the store for an order, and how it travels: packing (bags per temperature zone), shipments (each with
 * its lines, carrier, tracking and its own status and timeline) and click-and-collect (a handover code, an ID check).
 * These are the shapes the order embeds (`Order.packing`, `Order.shipments`, `Order.collection`) and the pure rules of
 * one shipment's status; `fulfilment.ts` is the order-level machine built on them. Nothing here imports the order's
 * model at run time: `model.ts` imports these schemas. See docs/fulfillment.md ("After picking").
 */

const Instant = z.iso.datetime();
/** A quantity in the stock unit of what was handed over: items or packs, grams, millilitres. */
const StockAmount = z.number().int().positive();

// ---------------------------------------------------------------------------------------------------------------
// The order's fulfilment status

export { FULFILLMENT_STATUSES, FulfillmentStatus, SHIPMENT_STATUSES, ShipmentStatus } from '../../events/orders/fulfillment-status.js';

/** One entry of the order's fulfilment history: the order-level status before and after, and the shipment it concerned. */
export const FulfillmentChange = z.strictObject({
  event: z.string().min(1),
  from: FulfillmentStatus,
  to: FulfillmentStatus,
  shipmentId: z.string().min(1).optional(),
  shipmentStatus: z.string().min(1).optional(),
  at: z.iso.datetime(),
  actor: z.string().min(1),
  reason: z.string().max(500).optional(),
});
export type FulfillmentChange = z.infer<typeof FulfillmentChange>;

// ---------------------------------------------------------------------------------------------------------------
// Packing

/** Goods travel in bags or totes per temperature zone: the cold chain decides what may go back on the shelf. */
export const TEMPERATURE_ZONES = ['ambient', 'chilled', 'frozen'] as const;
export const TemperatureZone = z.enum(TEMPERATURE_ZONES);
export type TemperatureZone = z.infer<typeof TemperatureZone>;

/** Zones whose goods cannot be resold once they have left the store: returned, they are written off. */
export const PERISHABLE_ZONES: readonly TemperatureZone[] = ['chilled', 'frozen'];

/** Bags one zone of one order may fill: a generous van shelf, and a bound on the labels an order prints. */
export const MAX_BAGS_PER_ZONE = 40;

/** One zone of a packed order: how many bags it filled and which lines went into them. */
export const PackedZone = z.strictObject({
  zone: TemperatureZone,
  bags: z.number().int().min(1).max(MAX_BAGS_PER_ZONE),
  lineIds: z.array(Id).min(1).max(200),
});
export type PackedZone = z.infer<typeof PackedZone>;

/** One bag or tote and its printed label, `<order>-<A|C|F><n>/<of>` (ambient, chilled, frozen). */
export const Bag = z.strictObject({ label: z.string().min(1).max(80), zone: TemperatureZone, number: z.number().int().positive(), of: z.number().int().positive() });
export type Bag = z.infer<typeof Bag>;

/** How an order was packed: its zones with their bag counts, and a label per bag. */
export const Packing = z.strictObject({ zones: z.array(PackedZone).min(1).max(TEMPERATURE_ZONES.length), bags: z.array(Bag).min(1), packedAt: Instant, packedBy: z.string().min(1) });
export type Packing = z.infer<typeof Packing>;

const ZONE_LETTER: Record<TemperatureZone, string> = { ambient: 'A', chilled: 'C', frozen: 'F' };

/** The label of every bag, zone by zone: the order's id (which staff already scan) with the zone's letter and the bag's place. */
export function bagLabels(orderId: string, zones: readonly Pick<PackedZone, 'zone' | 'bags'>[]): Bag[] {
  return zones.flatMap(({ zone, bags }) =>
    Array.from({ length: bags }, (_, i) => ({ label: `${orderId}-${ZONE_LETTER[zone]}${i + 1}/${bags}`, zone, number: i + 1, of: bags })),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Carriers

/** The store's own delivery vans; any other carrier is a third-party courier, named by its id. */
export const OWN_VAN = 'own-van';

/** A courier's id as the courier port knows it (`acme-parcels`): lower-case words, never `own-van`. */
export const CourierId = z
  .string()
  .regex(/^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/, 'must be lower-case words joined by hyphens')
  .max(40)
  .refine((id) => id !== OWN_VAN, { message: `${OWN_VAN} is the store's own vans, not a courier` });

/** Who carries a shipment: `own-van`, or a courier's id. */
export const Carrier = z.union([z.literal(OWN_VAN), CourierId]);
export type Carrier = z.infer<typeof Carrier>;

// ---------------------------------------------------------------------------------------------------------------
// Shipments

/** How far along one delivery attempt each status is; within an attempt a higher rank is later. */
export const SHIPMENT_STATUS_RANK: Readonly<Record<ShipmentStatus, number>> = {
  dispatched: 1,
  'in-transit': 2,
  'out-for-delivery': 3,
  'failed-attempt': 4,
  returning: 5,
  delivered: 6,
  'returned-to-store': 6,
};

/** Statuses a shipment never leaves. */
export const TERMINAL_SHIPMENT_STATUSES: readonly ShipmentStatus[] = ['delivered', 'returned-to-store'];

/**
 * Why a delivery attempt failed. An `age-check-failed` hands nothing over: the order carries age-restricted goods. The
 * last two are what couriers report besides (integration-files/couriers).
 */
export const FAILED_ATTEMPT_REASONS = ['not-at-home', 'refused', 'age-check-failed', 'address-not-found', 'damaged'] as const;
export const FailedAttemptReason = z.enum(FAILED_ATTEMPT_REASONS);
export type FailedAttemptReason = z.infer<typeof FailedAttemptReason>;

/** The documents staff or a driver accept as proof of age. No date of birth is kept: only that it was checked, how, by whom. */
export const ID_DOCUMENTS = ['passport', 'driving-licence', 'national-id-card', 'proof-of-age-card'] as const;

/** An ID check at handover: the shopper showed a document proving they are of age. */
export const IdCheck = z.strictObject({ document: z.enum(ID_DOCUMENTS), checkedBy: z.string().min(1), at: Instant });
export type IdCheck = z.infer<typeof IdCheck>;

/** One line of the order in a shipment, in the stock unit of what was handed over (the substitute's SKU when there was one). */
export const ShipmentLine = z.strictObject({ lineId: Id, sku: Sku, quantity: StockAmount });
export type ShipmentLine = z.infer<typeof ShipmentLine>;

/**
 * Stock of one stocked SKU (a bundle's components, each on its own) of one line that left `committed` with a shipment or
 * a collection. Kept per line, so that a returned line puts back (or writes off) exactly what it took.
 */
export const StockMove = z.strictObject({ lineId: Id, sku: Sku, quantity: StockAmount });
export type StockMove = z.infer<typeof StockMove>;

/** Why returned goods were written off rather than put back on sale. */
export const WRITE_OFF_REASONS = ['perishable', 'damaged', 'expired', 'missing'] as const;
export const WriteOffReason = z.enum(WRITE_OFF_REASONS);

/** What became of one returned line: back on sale, or written off with a reason. Perishables are always written off. */
export const ReturnDisposition = z.discriminatedUnion('disposition', [
  z.strictObject({ lineId: Id, disposition: z.literal('restock') }),
  z.strictObject({ lineId: Id, disposition: z.literal('write-off'), reason: WriteOffReason }),
]);
export type ReturnDisposition = z.infer<typeof ReturnDisposition>;

/** One entry of a shipment's timeline: the status it reached, when it happened (the courier's time for their events), who said so. */
export const ShipmentChange = z.strictObject({
  status: ShipmentStatus,
  at: Instant,
  actor: z.string().min(1),
  attempt: z.number().int().positive(),
  reason: z.string().max(500).optional(),
});
export type ShipmentChange = z.infer<typeof ShipmentChange>;

export const Shipment = z.strictObject({
  /** ULID-shaped, derived from the order and the dispatch request (`shipmentIdOf`), so a retried request names the same shipment. */
  id: Id,
  carrier: Carrier,
  /** The courier's tracking number, or for the own vans the shipment's id. */
  trackingNumber: z.string().min(1).max(100).optional(),
  trackingUrl: z.url().max(500).optional(),
  /** A courier shipment's booking at the courier (the courier port fills it); absent for the own vans. */
  booking: z.strictObject({ reference: z.string().min(1).max(100), labelUrl: z.url().max(500).optional() }).optional(),
  lines: z.array(ShipmentLine).min(1),
  /** Labels of the bags that travel in it. */
  bags: z.array(z.string().min(1)).optional(),
  /** What left `committed` when it was dispatched; a return puts back (or writes off) exactly this. */
  stockMoves: z.array(StockMove),
  status: ShipmentStatus,
  /** Which delivery attempt it is on: 1, then one more for each redelivery. */
  attempt: z.number().int().positive(),
  /** The last failed attempt's reason. */
  failure: z.strictObject({ reason: FailedAttemptReason, at: Instant }).optional(),
  /** The slot the shopper's goods go out again in, after a failed attempt. */
  redeliverySlotId: SlotId.optional(),
  /** An age-restricted order's ID check on the doorstep. */
  idCheck: IdCheck.optional(),
  /** What staff did with each line of a shipment that came back. */
  returned: z.array(ReturnDisposition).optional(),
  /** A hash of who dispatched it and their `Idempotency-Key`: a repeated request finds this shipment. */
  requestKey: z.string().min(1).max(100).optional(),
  timeline: z.array(ShipmentChange).min(1),
  createdAt: Instant,
  updatedAt: Instant,
});
export type Shipment = z.infer<typeof Shipment>;

/** Whether a shipment will never change again. */
export function isTerminalShipment(status: ShipmentStatus): boolean {
  return TERMINAL_SHIPMENT_STATUSES.includes(status);
}

// ---------------------------------------------------------------------------------------------------------------
// Click-and-collect

/** Wrong handover codes an order takes before its collection locks (a store manager issues a new code). */
export const MAX_HANDOVER_ATTEMPTS = 5;

export const Collection = z.strictObject({
  status: z.enum(['ready', 'collected']),
  readyAt: Instant,
  readyBy: z.string().min(1),
  /**
   * Random salt of the handover code. The code itself is an HMAC of the order id and this salt under the
   * `handover-codes` key (`handover-codes.ts`), so a dump of the table does not reveal it; never shown to anyone.
   */
  codeSalt: z.string().min(16).max(64),
  /** Wrong codes given since the code was issued. */
  failedAttempts: z.number().int().nonnegative(),
  /** Set once `failedAttempts` reaches the limit: no code is accepted until a new one is issued. */
  lockedAt: Instant.optional(),
  collectedAt: Instant.optional(),
  collectedBy: z.string().min(1).optional(),
  idCheck: IdCheck.optional(),
  /** What left `committed` at the handover. */
  stockMoves: z.array(StockMove).optional(),
});
export type Collection = z.infer<typeof Collection>;

// ---------------------------------------------------------------------------------------------------------------
// One shipment's status

/** A status change that the shipment's status rules do not allow (staff reporting a step out of order). */
export class InvalidShipmentTransitionError extends ConflictError {
  override readonly name: string = 'InvalidShipmentTransitionError';
  constructor(shipmentId: string, from: ShipmentStatus, to: ShipmentStatus, detail?: string) {
    super('invalid-shipment-transition', `Shipment ${shipmentId} is ${from}; it cannot become ${to}${detail ? `: ${detail}` : '.'}`, {
      extensions: { shipmentId, from, to },
    });
  }
}

/**
 * The explicit steps staff record on a shipment, by the status it is in: the own vans' rounds, and the receipt at the
 * store of goods that came back (whoever carried them). Couriers report through `advanceShipment` instead.
 */
export const STAFF_SHIPMENT_STEPS: readonly { from: ShipmentStatus; to: ShipmentStatus; ownVanOnly: boolean }[] = [
  { from: 'dispatched', to: 'out-for-delivery', ownVanOnly: true },
  // A redelivery: the goods go out again in the slot chosen after the failed attempt (the next attempt).
  { from: 'failed-attempt', to: 'out-for-delivery', ownVanOnly: true },
  { from: 'out-for-delivery', to: 'delivered', ownVanOnly: true },
  { from: 'out-for-delivery', to: 'failed-attempt', ownVanOnly: true },
  // Returning to store is chosen with the failed attempt, or later instead of the redelivery.
  { from: 'out-for-delivery', to: 'returning', ownVanOnly: true },
  { from: 'failed-attempt', to: 'returning', ownVanOnly: true },
  { from: 'returning', to: 'returned-to-store', ownVanOnly: false },
];

/** The shipment with one more timeline entry; `attempt` moves on when the entry starts a new attempt. */
export function withShipmentStatus(shipment: Shipment, change: ShipmentChange, now: string): Shipment {
  return { ...shipment, status: change.status, attempt: change.attempt, timeline: [...shipment.timeline, change], updatedAt: now };
}

/**
 * One staff step on a shipment (`STAFF_SHIPMENT_STEPS`), the timeline entry it adds, and the attempt it belongs to: going
 * out again after a failed attempt starts the next one. Pure.
 * @throws InvalidShipmentTransitionError (409) for a step the table does not list, or a van step on a courier's shipment
 */
export function staffShipmentStep(shipment: Shipment, to: ShipmentStatus, at: Date, actor: string, reason?: string): Shipment {
  const step = STAFF_SHIPMENT_STEPS.find((s) => s.from === shipment.status && s.to === to);
  if (!step) throw new InvalidShipmentTransitionError(shipment.id, shipment.status, to);
  if (step.ownVanOnly && shipment.carrier !== OWN_VAN) {
    throw new InvalidShipmentTransitionError(shipment.id, shipment.status, to, `${shipment.carrier} reports this shipment's progress itself; staff record only its return to the store.`);
  }
  const attempt = shipment.status === 'failed-attempt' && to === 'out-for-delivery' ? shipment.attempt + 1 : shipment.attempt;
  const when = at.toISOString();
  return withShipmentStatus(shipment, { status: to, at: when, actor, attempt, ...(reason === undefined ? {} : { reason }) }, when);
}

/** The statuses a courier reports; the receipt of returned goods at the store is the staff's. */
export const COURIER_STATUSES = ['in-transit', 'out-for-delivery', 'failed-attempt', 'returning', 'delivered'] as const;
export const CourierStatus = z.enum(COURIER_STATUSES);
export type CourierStatus = z.infer<typeof CourierStatus>;

/** A status a courier reported for a shipment, with the time it happened at the courier. */
export interface CourierUpdate {
  status: CourierStatus;
  /** When it happened, by the courier's clock (not when the webhook arrived). */
  occurredAt: Date;
  /** The courier's attempt number, when its API gives one. */
  attempt?: number;
  /** A failed attempt's reason. */
  failureReason?: FailedAttemptReason;
}

/** Where a shipment stands, for ordering updates: the attempt first, then the status's rank within it. */
function progress(attempt: number, status: ShipmentStatus): [number, number] {
  return [attempt, SHIPMENT_STATUS_RANK[status]];
}

function later(a: [number, number], b: [number, number]): boolean {
  return a[0] > b[0] || (a[0] === b[0] && a[1] > b[1]);
}

/**
 * Applies a courier's status report only forward: it changes the shipment when it is later than where the shipment
 * stands (a later attempt, or a higher rank within the same attempt), and nothing otherwise. So a `delivered` that
 * arrives before `out-for-delivery` wins, the late `out-for-delivery` is stale, duplicates are stale, and a terminal
 * shipment never changes. A courier that numbers no attempts going out again after a failed attempt (a report that
 * happened after it) is the next attempt. Pure; the courier consumer (`courier-tracking.ts`) writes the result.
 * @returns the shipment and whether the update changed it
 */
export function advanceShipment(shipment: Shipment, update: CourierUpdate, actor: string, now: Date): { shipment: Shipment; applied: boolean } {
  if (isTerminalShipment(shipment.status)) return { shipment, applied: false };
  const lastAt = Date.parse(shipment.timeline.at(-1)!.at);
  const goesOutAgain = shipment.status === 'failed-attempt' && SHIPMENT_STATUS_RANK[update.status] <= SHIPMENT_STATUS_RANK['out-for-delivery'] && update.occurredAt.getTime() > lastAt;
  const attempt = update.attempt ?? (goesOutAgain ? shipment.attempt + 1 : shipment.attempt);
  if (!later(progress(attempt, update.status), progress(shipment.attempt, shipment.status))) return { shipment, applied: false };
  const change: ShipmentChange = {
    status: update.status,
    at: update.occurredAt.toISOString(),
    actor,
    attempt,
    ...(update.failureReason === undefined ? {} : { reason: update.failureReason }),
  };
  const next = withShipmentStatus(shipment, change, now.toISOString());
  return {
    shipment: update.status === 'failed-attempt' && update.failureReason !== undefined ? { ...next, failure: { reason: update.failureReason, at: change.at } } : next,
    applied: true,
  };
}

/** A failed attempt's next step, chosen by staff (own vans): a redelivery in a slot, or back to the store. */
export const FailedAttemptNext = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('redeliver'), slotId: SlotId }),
  z.strictObject({ action: z.literal('return-to-store') }),
]);
export type FailedAttemptNext = z.infer<typeof FailedAttemptNext>;
