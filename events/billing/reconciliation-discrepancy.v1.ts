import { z } from 'zod';
import { defineEvent } from '../contract.js';

/**
 * The nightly reconciliation found our books and the billing system's exports disagreeing about one record. Sent once
 * per discrepancy and day: the event id is `reconciliation-<date>-<kind>-<ref>`, so a rerun of the day sends nothing new.
 */
export const reconciliationDiscrepancyV1 = defineEvent({
  source: 'smartshelf.billing',
  detailType: 'reconciliation.discrepancy',
  version: 1,
  schema: z.strictObject({
    /** The reconciled UTC day, `YYYY-MM-DD`. */
    date: z.iso.date(),
    kind: z.enum(['missing-invoice', 'orphan-invoice', 'amount-mismatch', 'tax-mismatch', 'status-mismatch', 'credit-note-missing']),
    /** The order for a sale's discrepancy, the invoice reference for an orphan invoice, `<orderId>#<refundRef>` for a refund's. */
    ref: z.string(),
    orderId: z.string().optional(),
    refundRef: z.string().optional(),
    invoiceReference: z.string().optional(),
    currency: z.string().regex(/^[A-Z]{3}$/).optional(),
    /** Our figure in minor units, or our status. */
    ours: z.union([z.number().int(), z.string()]).optional(),
    /** The billing system's. */
    theirs: z.union([z.number().int(), z.string()]).optional(),
    /** `re-enqueue`: sent to billing again (only a missing invoice); `adjustment`: recorded for a person, with the reason. */
    resolution: z.enum(['re-enqueue', 'adjustment']),
    reason: z.string(),
  }),
});
