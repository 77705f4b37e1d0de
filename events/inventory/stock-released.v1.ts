import { z } from 'zod';
import { defineEvent } from '../contract.js';
import { ReservedLine } from './stock-level.js';

/** A reservation's stock went back on the shelf: released on cancel, or swept when its hold expired. */
export const stockReleasedV1 = defineEvent({
  source: 'smartshelf.inventory',
  detailType: 'inventory.released',
  version: 1,
  schema: z.strictObject({
    reservationId: z.string(),
    storeId: z.string(),
    ownerRef: z.string(),
    reason: z.enum(['cancelled', 'expired', 'not-picked', 'returned']),
    lines: z.array(ReservedLine).min(1),
  }),
});
