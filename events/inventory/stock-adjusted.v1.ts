import { z } from 'zod';
import { defineEvent } from '../contract.js';
import { StockLevel } from './stock-level.js';

/** Staff or an integration changed a SKU's stock at a store (delivery received, stock take, damage, ...). */
export const stockAdjustedV1 = defineEvent({
  source: 'smartshelf.inventory',
  detailType: 'inventory.adjusted',
  version: 1,
  schema: z.strictObject({
    adjustmentId: z.string(),
    sku: z.string(),
    storeId: z.string(),
    /** Signed change to `available`, in the SKU's stock unit. */
    delta: z.number().int(),
    reason: z.enum(['delivery', 'stock-take', 'damaged', 'expired', 'theft', 'return', 'correction']),
    actor: z.string(),
    level: StockLevel,
  }),
});
