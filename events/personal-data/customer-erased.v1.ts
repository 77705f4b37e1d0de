import { z } from 'zod';
import { defineEvent } from '../contract.js';

/**
 * A shopper was erased: their account is gone and the orders kept for the books now belong to `pseudonym`. Any system
 * that keeps something under `shopperId` should erase it too. Carries ids only, never what was erased; written once per
 * shopper, in the transaction that marks the erasure done.
 */
export const customerErasedV1 = defineEvent({
  source: 'smartshelf.personal-data',
  detailType: 'customer.erased',
  version: 1,
  schema: z.strictObject({
    shopperId: z.string().min(1),
    erasureId: z.string().min(1),
    /** What the kept orders, their returns and the books name instead of the shopper. */
    pseudonym: z.string().min(1),
    /** How many orders were kept anonymised for the books. */
    ordersKept: z.number().int().nonnegative(),
    erasedAt: z.iso.datetime(),
  }),
});
