import { describe, expect, it } from 'vitest';
import sample from '../../../integration-files/couriers/samples/webhook.tracking.updated.json' with { type: 'json' };
import { COURIER_STATUSES, CourierFailureReason, type CourierTrackingEvent } from '../../../shared/couriers/model.js';
import { courierUpdateOf } from '../../../shared/orders/courier-tracking.js';
import { FAILED_ATTEMPT_REASONS } from '../../../shared/orders/shipments.js';

const event = (status: CourierTrackingEvent['status'], extra: Partial<CourierTrackingEvent> = {}): CourierTrackingEvent => ({ ...(sample.data.object as CourierTrackingEvent), status, ...extra });

describe('courierUpdateOf', () => {
  it('maps every courier status onto a shipment status, booked onto none, keeping the courier’s time', () => {
    const mapped = Object.fromEntries(COURIER_STATUSES.map((status) => [status, courierUpdateOf(event(status, status === 'delivery_failed' ? { failureReason: 'refused' } : {}))?.status]));
    expect(mapped).toEqual({
      booked: undefined,
      collected: 'in-transit',
      in_transit: 'in-transit',
      out_for_delivery: 'out-for-delivery',
      delivered: 'delivered',
      delivery_failed: 'failed-attempt',
      returned_to_sender: 'returning',
      cancelled: 'returning',
    });
    expect(courierUpdateOf(event('delivered'))?.occurredAt).toEqual(new Date(sample.data.object.occurredAt));
    expect(courierUpdateOf(event('delivered'))).not.toHaveProperty('attempt');
  });

  it('maps every failure reason of the contract onto one of ours, and only on a failed attempt', () => {
    const reasons = CourierFailureReason.options.map((reason) => courierUpdateOf(event('delivery_failed', { failureReason: reason }))?.failureReason);
    expect(reasons).toEqual(['not-at-home', 'refused', 'age-check-failed', 'address-not-found', 'damaged']);
    for (const reason of reasons) expect(FAILED_ATTEMPT_REASONS).toContain(reason);
    expect(courierUpdateOf(event('delivered', { failureReason: 'refused' }))).not.toHaveProperty('failureReason');
  });
});
