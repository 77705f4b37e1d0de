import { z } from 'zod';
import { defineEvent } from '../contract.js';

/**
 * Money went back to the shopper: one refund of an order (of money, or of a return's goods), written in the same
 * transaction as the refund's record, so it is emitted exactly when the refund is recorded. Carries what the credit
 * note carries (the amount, its tax and its lines), so consumers (the report totals) need not read the refund back.
 */
export const orderRefundedV1 = defineEvent({
  source: 'smartshelf.orders',
  detailType: 'order.refunded',
  version: 1,
  schema: z.strictObject({
    orderId: z.string(),
    storeId: z.string(),
    /** Names the refund within its order (its record is `ORDER#<orderId>` / `REFUND#<refundRef>`). */
    refundRef: z.string(),
    currency: z.string().regex(/^[A-Z]{3}$/),
    /** Minor units of `currency`, tax included. */
    amount: z.number().int().positive(),
    tax: z.number().int().nonnegative(),
    /** The credit note's lines: an order line's (`lineId`), the fees' (`FEES`), or one `REFUND` line for a refund of money. */
    lines: z
      .array(
        z.strictObject({
          lineId: z.string().optional(),
          sku: z.string(),
          amount: z.number().int().nonnegative(),
          tax: z.number().int().nonnegative(),
        }),
      )
      .min(1),
    at: z.iso.datetime(),
  }),
});
