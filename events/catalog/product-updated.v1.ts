import { z } from 'zod';
import { defineEvent } from '../contract.js';

/** A product changed; `changedFields` names its top-level fields that differ from the previous version. */
export const productUpdatedV1 = defineEvent({
  source: 'smartshelf.catalog',
  detailType: 'product.updated',
  version: 1,
  schema: z.strictObject({
    productId: z.string(),
    version: z.number().int().positive(),
    changedFields: z.array(z.string()).min(1),
    /** SKUs the product gained and gave up: consumers that key stock or carts by SKU follow these. */
    addedSkus: z.array(z.string()),
    removedSkus: z.array(z.string()),
    status: z.enum(['active', 'archived']),
    actor: z.string(),
  }),
});
