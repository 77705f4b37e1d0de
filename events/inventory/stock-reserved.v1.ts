import { z } from 'zod';
import { defineEvent } from '../contract.js';
import { ReservedLine } from './stock-level.js';

/** Stock was held for a cart or an order: every line at one store, all or none. */
export const stockReservedV1 = defineEvent({
  source: 'smartshelf.inventory',
  detailType: 'inventory.reserved',
  version: 1,
  schema: z.strictObject({
    reservationId: z.string(),
    storeId: z.string(),
    /** The cart or order the stock is held for. */
    ownerRef: z.string(),
    lines: z.array(ReservedLine).min(1),
    holdUntil: z.iso.datetime(),
  }),
});
