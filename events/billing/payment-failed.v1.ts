import { z } from 'zod';
import { defineEvent } from '../contract.js';

/**
 * The billing system could not collect an invoice: an order's (its billing status is now `payment-failed`) or a
 * delivery pass's (the subscription is now `past_due`). Sent once per billing event that changed our record.
 */
export const billingPaymentFailedV1 = defineEvent({
  source: 'smartshelf.billing',
  detailType: 'billing.payment-failed',
  version: 1,
  schema: z.discriminatedUnion('kind', [
    z.strictObject({
      kind: z.literal('invoice'),
      orderId: z.string(),
      invoiceReference: z.string(),
      /** Minor units. */
      total: z.number().int().nonnegative(),
      currency: z.string().regex(/^[A-Z]{3}$/),
      /** The billing event's id, for tracing it back. */
      billingEventId: z.string(),
      failedAt: z.iso.datetime(),
    }),
    z.strictObject({
      kind: z.literal('subscription'),
      subscriptionId: z.string(),
      shopperId: z.string(),
      plan: z.string(),
      invoiceReference: z.string(),
      billingEventId: z.string(),
      failedAt: z.iso.datetime(),
    }),
  ]),
});
