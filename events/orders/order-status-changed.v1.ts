import { z } from 'zod';
import { defineEvent } from '../contract.js';
import { OrderStatus } from './order-status.js';

/**
 * An order moved from one status to another through the order state machine (shared/orders/status.ts). Written in
 * the same transaction as the change, one per order version, so consumers can order them by `version`.
 */
export const orderStatusChangedV1 = defineEvent({
  source: 'smartshelf.orders',
  detailType: 'order.status-changed',
  version: 1,
  schema: z.strictObject({
    orderId: z.string(),
    shopperId: z.string(),
    storeId: z.string(),
    channel: z.enum(['online', 'pos', 'phone']),
    from: OrderStatus,
    to: OrderStatus,
    /** The state machine event that caused the change, e.g. `capture`. */
    event: z.string(),
    /** The order's version after the change. */
    version: z.number().int().positive(),
    actor: z.string(),
    reason: z.string().optional(),
    /** Minor units of `currency`: what is held, taken and given back after the change. */
    payment: z.strictObject({ authorized: z.number().int().nonnegative(), captured: z.number().int().nonnegative(), refunded: z.number().int().nonnegative() }),
    currency: z.string().regex(/^[A-Z]{3}$/),
    at: z.iso.datetime(),
  }),
});
