import { z } from 'zod';
import { defineEvent } from '../contract.js';

/**
 * An order was picked, captured and its stock committed. Invoicing and recommendations ("frequently bought
 * together", "popular in this category") are built from these.
 */
export const orderCompletedV1 = defineEvent({
  source: 'smartshelf.orders',
  detailType: 'order.completed',
  version: 1,
  schema: z.strictObject({
    orderId: z.string(),
    shopperId: z.string(),
    storeId: z.string(),
    currency: z.string().regex(/^[A-Z]{3}$/),
    lines: z
      .array(
        z.strictObject({
          sku: z.string(),
          productId: z.string(),
          /** Items or packs; grams or millilitres for goods sold by weight or volume. */
          quantity: z.number().int().positive(),
          /** What the shopper paid for the line after discounts, in minor units, tax included. */
          total: z.number().int().nonnegative(),
        }),
      )
      .min(1),
    total: z.number().int().nonnegative(),
    tax: z.number().int().nonnegative(),
    completedAt: z.iso.datetime(),
  }),
});
