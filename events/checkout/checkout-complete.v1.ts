import { z } from 'zod';
import { defineEvent } from '../contract.js';

/**
 * A checkout saga ended: `completed` when the order was captured and its stock committed, otherwise `failed` or
 * `cancelled` once every compensation ran (stock and slot released, the hold voided or the capture refunded).
 */
export const checkoutCompleteV1 = defineEvent({
  source: 'smartshelf.checkout',
  detailType: 'checkout.complete',
  version: 1,
  schema: z.strictObject({
    orderId: z.string(),
    shopperId: z.string(),
    storeId: z.string(),
    outcome: z.enum(['completed', 'failed', 'cancelled']),
    /** The problem type of a failure (`insufficient-stock`, `payment-declined`, ...). */
    failureCode: z.string().optional(),
    currency: z.string().regex(/^[A-Z]{3}$/),
    captured: z.number().int().nonnegative(),
    refunded: z.number().int().nonnegative(),
    endedAt: z.iso.datetime(),
  }),
});
