import { z } from 'zod';
import { defineEvent } from '../contract.js';

/** A product was added to the catalog; its SKUs are now claimed. */
export const productCreatedV1 = defineEvent({
  source: 'smartshelf.catalog',
  detailType: 'product.created',
  version: 1,
  schema: z.strictObject({
    productId: z.string(),
    name: z.string(),
    categoryId: z.string(),
    categoryPath: z.string(),
    skus: z.array(z.string()).min(1),
    status: z.enum(['active', 'archived']),
    version: z.number().int().positive(),
    actor: z.string(),
  }),
});
