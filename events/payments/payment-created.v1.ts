import { z } from 'zod';
import { defineEvent } from '../contract.js';

/** Stripe told us of a PaymentIntent we had not seen: sent once per intent, whatever its webhooks' order. */
export const paymentCreatedV1 = defineEvent({
  source: 'smartshelf.payments',
  detailType: 'payment.created',
  version: 1,
  schema: z.strictObject({
    intentId: z.string(),
    /** From the intent's `metadata.orderId`; absent for intents made outside checkout. */
    orderId: z.string().optional(),
    amount: z.number().int().nonnegative(),
    currency: z.string().regex(/^[A-Z]{3}$/),
    /** The status the intent had when we first heard of it. */
    status: z.enum(['created', 'requires_action', 'requires_capture', 'succeeded', 'canceled']),
  }),
});
