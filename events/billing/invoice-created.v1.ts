import { z } from 'zod';
import { defineEvent } from '../contract.js';

/**
 * A completed order's invoice exists in the billing system and its reference is stored with the order. Written in
 * the same transaction as the order ↔ invoice mapping, so it is sent once per order however often the sync retried.
 */
export const invoiceCreatedV1 = defineEvent({
  source: 'smartshelf.billing',
  detailType: 'invoice.created',
  version: 1,
  schema: z.strictObject({
    orderId: z.string(),
    shopperId: z.string(),
    storeId: z.string(),
    /** The billing system's id of the invoice. */
    invoiceReference: z.string(),
    currency: z.string().regex(/^[A-Z]{3}$/),
    /** Minor units of `currency`, as the billing system invoiced them. */
    total: z.number().int().nonnegative(),
    tax: z.number().int().nonnegative(),
    sentAt: z.iso.datetime(),
  }),
});
