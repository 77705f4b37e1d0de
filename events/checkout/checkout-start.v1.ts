import { z } from 'zod';
import { defineEvent } from '../contract.js';

/** A checkout began: the order exists, its prices are frozen, and the saga (execution named by the order id) is starting. */
export const checkoutStartV1 = defineEvent({
  source: 'smartshelf.checkout',
  detailType: 'checkout.start',
  version: 1,
  schema: z.strictObject({
    orderId: z.string(),
    cartId: z.string(),
    shopperId: z.string(),
    storeId: z.string(),
    currency: z.string().regex(/^[A-Z]{3}$/),
    /** Frozen total, and what the card is asked to hold (weighed lines at their buffered estimate). */
    total: z.number().int().nonnegative(),
    authorizationTotal: z.number().int().nonnegative(),
    startedAt: z.iso.datetime(),
  }),
});
