import { z } from 'zod';

/** Every status an order can be in; the transitions between them live in `shared/orders/status.ts`. */
export const ORDER_STATUSES = [
  'pending',
  'reserved',
  'payment-pending',
  'authorized',
  'confirmed',
  'picking',
  'picked',
  'captured',
  'completed',
  'partially-refunded',
  'refunded',
  'failed',
  'cancelled',
] as const;
export const OrderStatus = z.enum(ORDER_STATUSES);
export type OrderStatus = z.infer<typeof OrderStatus>;
