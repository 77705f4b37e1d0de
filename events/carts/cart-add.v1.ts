import { z } from 'zod';
import { defineEvent } from '../contract.js';
import { CartRef, EventCartLine } from './cart-line.js';

/**
 * A shopper added a SKU to a cart (one of the product's documented events). Sent for every add,
 * including one that went onto an existing line of the same SKU and substitution (`merged`), so
 * that add-to-cart counts match what shoppers did.
 */
export const cartAddV1 = defineEvent({
  source: 'smartshelf.carts',
  detailType: 'cart.add',
  version: 1,
  schema: z.strictObject({
    ...CartRef,
    /** The line after the add. */
    line: EventCartLine,
    /** What this add contributed, as the shopper asked for it. */
    added: EventCartLine.shape.quantity,
    merged: z.boolean(),
  }),
});
