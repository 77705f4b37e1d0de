import { z } from 'zod';
import { defineEvent } from '../contract.js';
import { CartRef, EventCartLine } from './cart-line.js';

/**
 * A shopper added a SKU to a cart (one of the product's documented events). Sent for every add,
 * including one that went onto an existing line of the same SKU and substitution (`merged`), so
 * that add-to-cart counts match what shoppers did. Version 2 (issue 12): the line's substitution preference is
 * `none`, `best-match`, `same-brand` or `specific` with its `substituteSku` (see `cart-line.ts`); version 1 is no
 * longer sent.
 */
export const cartAddV2 = defineEvent({
  source: 'smartshelf.carts',
  detailType: 'cart.add',
  version: 2,
  schema: z.strictObject({
    ...CartRef,
    /** The line after the add. */
    line: EventCartLine,
    /** What this add contributed, as the shopper asked for it. */
    added: EventCartLine.shape.quantity,
    merged: z.boolean(),
  }),
});
