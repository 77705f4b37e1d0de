import { z } from 'zod';
import { defineEvent } from '../contract.js';

/** Money was captured for a PaymentIntent: sent once per intent, even when its webhook is delivered again or early. */
export const paymentSucceededV1 = defineEvent({
  source: 'smartshelf.payments',
  detailType: 'payment.succeeded',
  version: 1,
  schema: z.strictObject({
    intentId: z.string(),
    orderId: z.string().optional(),
    /** Captured, in minor units: at most what was authorized. */
    amountReceived: z.number().int().nonnegative(),
    currency: z.string().regex(/^[A-Z]{3}$/),
  }),
});
