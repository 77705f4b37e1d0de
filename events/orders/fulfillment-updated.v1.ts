import { z } from 'zod';
import { defineEvent } from '../contract.js';
import { FulfillmentStatus, ShipmentStatus } from './fulfillment-status.js';

/**
 * Where an order's goods are changed: packed, a shipment dispatched or moved on (out for delivery, delivered, a failed
 * attempt, back at the store), ready for collection, collected. One of the seven instrumented events the product
 * promises. Written in the same transaction as the change, one per order version (the order's status does not change
 * with it: `order.status-changed` is not written), so consumers order them by `version`.
 */
export const fulfillmentUpdatedV1 = defineEvent({
  source: 'smartshelf.orders',
  detailType: 'fulfillment.updated',
  version: 1,
  schema: z.strictObject({
    orderId: z.string(),
    shopperId: z.string(),
    storeId: z.string(),
    mode: z.enum(['delivery', 'pickup']),
    /** The fulfilment step: `pack`, `dispatch`, `out-for-delivery`, `deliver`, `fail-attempt`, `courier-update`, `collect`, ... */
    event: z.string(),
    /** The order's fulfilment status before and after. */
    from: FulfillmentStatus,
    status: FulfillmentStatus,
    /** The shipment the change concerned, as it now is. */
    shipment: z
      .strictObject({
        id: z.string(),
        status: ShipmentStatus,
        /** `own-van` or the courier's id. */
        carrier: z.string(),
        trackingNumber: z.string().optional(),
        trackingUrl: z.string().optional(),
        attempt: z.number().int().positive(),
      })
      .optional(),
    /** The order's version after the change. */
    version: z.number().int().positive(),
    actor: z.string(),
    reason: z.string().optional(),
    at: z.iso.datetime(),
  }),
});
