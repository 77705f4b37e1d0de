import { z } from 'zod';
import { defineEvent } from '../contract.js';
import { EventLinePrice, SubstitutionRef } from './substitution.js';

/**
 * A picker proposed a substitute for a line of an order: the shopper may accept or reject it until `respondBy`, after
 * which their preference decides (`acceptedAtCutoff`). A notification service tells the shopper with this; one per line,
 * with the order's `picked` change.
 */
export const substitutionProposedV1 = defineEvent({
  source: 'smartshelf.orders',
  detailType: 'order.substitution-proposed',
  version: 1,
  schema: z.strictObject({
    ...SubstitutionRef,
    /** How much is handed over: items or packs, grams or millilitres, as the line is sold. */
    quantity: z.number().int().positive(),
    /** At the substitute's own price: what the shopper pays if they accept it. */
    price: EventLinePrice,
    /** What the shopper pays unless they accept: never more than the ordered product at this quantity. */
    protectedPrice: EventLinePrice,
    acceptedAtCutoff: z.boolean(),
    proposedAt: z.iso.datetime(),
    respondBy: z.iso.datetime(),
  }),
});
