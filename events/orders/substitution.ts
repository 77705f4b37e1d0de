import { z } from 'zod';

/** What the substitution events say about the order and line they concern. */
export const SubstitutionRef = {
  orderId: z.string(),
  shopperId: z.string(),
  storeId: z.string(),
  lineId: z.string(),
  /** The SKU the shopper ordered. */
  sku: z.string(),
  /** What the picker handed over instead. */
  substitute: z.strictObject({ sku: z.string(), productId: z.string(), name: z.string() }),
  currency: z.string().regex(/^[A-Z]{3}$/),
};

/** A line's price: its total (tax included) and the tax in it, in minor units of `currency`. */
export const EventLinePrice = z.strictObject({ total: z.number().int().nonnegative(), tax: z.number().int().nonnegative() });
