import { z } from 'zod';

/**
 * The order's fulfilment status, derived from its packing, shipments and collection (`fulfilmentStatusOf` in
 * `shared/orders/fulfilment.ts`), never set by hand. Delivery orders go `unfulfilled` → `packed` →
 * (`partially-dispatched`) → `dispatched` → (`partially-delivered`) → `delivered`, or `returned-to-store` when everything
 * came back; pickup orders `packed` → `ready-for-collection` → `collected`.
 */
export const FULFILLMENT_STATUSES = [
  'unfulfilled',
  'packed',
  'partially-dispatched',
  'dispatched',
  'partially-delivered',
  'delivered',
  'returned-to-store',
  'ready-for-collection',
  'collected',
] as const;
export const FulfillmentStatus = z.enum(FULFILLMENT_STATUSES);
export type FulfillmentStatus = z.infer<typeof FulfillmentStatus>;

/**
 * A shipment's statuses (`shared/orders/shipments.ts` holds their rules). It is created `dispatched` (the goods left the
 * store), then travels: `in-transit` (a courier's network), `out-for-delivery`, and either `delivered`, or a
 * `failed-attempt` after which it goes out again (a redelivery, the next attempt) or comes back (`returning`, then
 * `returned-to-store` once staff received it).
 */
export const SHIPMENT_STATUSES = ['dispatched', 'in-transit', 'out-for-delivery', 'failed-attempt', 'returning', 'delivered', 'returned-to-store'] as const;
export const ShipmentStatus = z.enum(SHIPMENT_STATUSES);
export type ShipmentStatus = z.infer<typeof ShipmentStatus>;
