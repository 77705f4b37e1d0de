import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { tableDeps, type TableDeps } from '../db/deps.js';
import { TransactionCancelled } from '../db/transact.js';
import { parseShipmentReference } from '../couriers/courier.js';
import type { CourierFailureReason, CourierStatus, CourierTrackingEvent, CourierWebhookEvent } from '../couriers/model.js';
import { processedMarkItem } from '../events/processed.js';
import { logger } from '../observability/logger.js';
import { metrics } from '../observability/metrics.js';
import { updateOrderFulfilment } from './fulfilment-repository.js';
import { getOrderRecord, OrderChangedError } from './repository.js';
import { OWN_VAN, type CourierUpdate, type FailedAttemptReason } from './shipments.js';

/**
 * A courier's tracking events applied to our shipments: once per event id, only forward, each change written with its
 * `fulfillment.updated` event. `POST /webhooks/orders` verified and queued the event; `orders-process-courier-webhook`
 * hands it here from the `courier-webhooks` queue.
 */

/** The consumer name in `keys.processedEvent`: one mark per courier event id that changed a shipment. */
export const COURIER_WEBHOOK_CONSUMER = 'courier-webhooks';

/** What became of one courier event. */
export type CourierEventOutcome = 'applied' | 'duplicate' | 'stale' | 'ignored';

/**
 * The courier's statuses as a shipment's: `collected` and `in_transit` are `in-transit` (the goods left the store when
 * the shipment was dispatched), a failed attempt is `failed-attempt`, and parcels coming back (returned to sender, or a
 * booking cancelled before collection) are `returning` until staff receive them at the store (`receive-return`).
 * `booked` says nothing the dispatch did not already record.
 */
const STATUS: Record<CourierStatus, CourierUpdate['status'] | undefined> = {
  booked: undefined,
  collected: 'in-transit',
  in_transit: 'in-transit',
  out_for_delivery: 'out-for-delivery',
  delivered: 'delivered',
  delivery_failed: 'failed-attempt',
  returned_to_sender: 'returning',
  cancelled: 'returning',
};

const FAILURE: Record<CourierFailureReason, FailedAttemptReason> = {
  not_at_home: 'not-at-home',
  refused: 'refused',
  age_check_failed: 'age-check-failed',
  address_not_found: 'address-not-found',
  damaged: 'damaged',
};

/** A courier's tracking event as an update of our shipment, or undefined when it moves nothing (`booked`). Pure. */
export function courierUpdateOf(event: CourierTrackingEvent): CourierUpdate | undefined {
  const status = STATUS[event.status];
  if (status === undefined) return undefined;
  return {
    status,
    occurredAt: new Date(event.occurredAt),
    ...(event.status === 'delivery_failed' && event.failureReason !== undefined ? { failureReason: FAILURE[event.failureReason] } : {}),
  };
}

/**
 * A tracking event for a shipment we do not hold yet: the courier answered the booking (and may report on it) before
 * the dispatch that asked for it committed. Failing makes SQS deliver it again later, up to the queue's `maxReceiveCount`.
 */
export class ShipmentNotYetKnownError extends Error {
  override readonly name = 'ShipmentNotYetKnownError';
}

/** How many times one event is tried against a newer order when a concurrent change overtook the one it was read at. */
const MAX_RACES = 8;

/**
 * Applies one courier event to its shipment, in one transaction with the event's processed mark and
 * `fulfillment.updated`: a duplicate (the mark exists) changes nothing, and an update the shipment is already past
 * (`advanceShipment`: a later status or attempt wins) is `stale` and writes nothing at all, so a `delivered` that
 * arrives before `out_for_delivery` wins. A concurrent change of the order (another event of it, staff) makes it read
 * the order again and apply anew.
 * @throws ShipmentNotYetKnownError when the order or its shipment is not stored yet
 */
export async function applyCourierEvent(webhook: CourierWebhookEvent, deps: TableDeps = tableDeps()): Promise<CourierEventOutcome> {
  const event = webhook.data.object;
  const target = parseShipmentReference(event.reference);
  const update = courierUpdateOf(event);
  if (!target || !update) return 'ignored';
  for (let race = 0; ; race += 1) {
    const order = await getOrderRecord(deps, target.orderId);
    const shipment = order?.shipments?.find((s) => s.id === target.shipmentId);
    if (!order || !shipment) throw new ShipmentNotYetKnownError(`${event.status} ${webhook.id} is for shipment ${event.reference}, which is not stored yet`);
    // A reference of ours on another carrier's shipment, or another booking's event: not this courier's to move.
    if (shipment.carrier === OWN_VAN || (shipment.booking !== undefined && shipment.booking.reference !== event.shipmentId)) {
      logger.warn('courier event for a shipment it does not carry', { courierEventId: webhook.id, reference: event.reference, carrier: shipment.carrier });
      return 'ignored';
    }
    const mark = processedMarkItem(deps.tableName, COURIER_WEBHOOK_CONSUMER, webhook.id, deps.now().toISOString(), { status: event.status, sequence: event.sequence });
    try {
      const result = await updateOrderFulfilment(deps, order, { type: 'courier-update', shipmentId: shipment.id, update }, { actor: `courier:${shipment.carrier}` }, [mark]);
      if (!result.written) return 'stale';
      metrics.addMetric('CourierUpdatesApplied', MetricUnit.Count, 1);
      return 'applied';
    } catch (error) {
      // The order is untouched when only the mark failed: this event was applied before.
      if (error instanceof TransactionCancelled) return 'duplicate';
      if (!(error instanceof OrderChangedError) || race + 1 >= MAX_RACES) throw error;
    }
  }
}
