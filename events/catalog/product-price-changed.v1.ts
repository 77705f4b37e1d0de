import { z } from 'zod';
import { defineEvent } from '../contract.js';

const Money = z.strictObject({ amount: z.number().int().nonnegative(), currency: z.string().length(3) });

/** One or more variants of a product changed price; amounts are integer minor units. */
export const productPriceChangedV1 = defineEvent({
  source: 'smartshelf.catalog',
  detailType: 'product.price-changed',
  version: 1,
  schema: z.strictObject({
    productId: z.string(),
    version: z.number().int().positive(),
    changes: z.array(z.strictObject({ sku: z.string(), before: Money, after: Money })).min(1),
    actor: z.string(),
  }),
});
