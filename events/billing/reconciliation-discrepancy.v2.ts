import { z } from 'zod';
import { defineEvent } from '../contract.js';

/**
 * The nightly reconciliation found our books, the billing system's exports and the payment gateway's balance
 * transactions disagreeing about one record. Sent once per discrepancy and day: the event id is
 * `reconciliation-<date>-<kind>-<ref>`, so a rerun of the day sends nothing new.
 *
 * Version 2 (issue 14): the gateway's side. Four kinds are new (`captured-not-invoiced`, `refunded-not-credited`,
 * `unknown-charge`, `gateway-amount-mismatch`) and `gateway` carries the gateway's figure. A new value in a closed enum
 * is not additive for a subscriber that validates `kind` against version 1's list (it would reject the event, or
 * route it nowhere), hence a new version rather than a widened v1; version 1 is no longer sent. Every v1 field keeps
 * its meaning, so a subscriber moves by accepting the new kinds.
 */
export const reconciliationDiscrepancyV2 = defineEvent({
  source: 'smartshelf.billing',
  detailType: 'reconciliation.discrepancy',
  version: 2,
  schema: z.strictObject({
    /** The reconciled UTC day, `YYYY-MM-DD`. */
    date: z.iso.date(),
    kind: z.enum([
      'missing-invoice',
      'orphan-invoice',
      'amount-mismatch',
      'tax-mismatch',
      'status-mismatch',
      'credit-note-missing',
      'captured-not-invoiced',
      'refunded-not-credited',
      'unknown-charge',
      'gateway-amount-mismatch',
    ]),
    /**
     * The order for a sale's discrepancy and for the gateway's kinds about an order, the invoice reference for an orphan
     * invoice, `<orderId>#<refundRef>` for a refund's, `<orderId>#refunds` for an order's refunds at the gateway, the
     * charge (`ch_...`) for an unknown charge.
     */
    ref: z.string(),
    orderId: z.string().optional(),
    refundRef: z.string().optional(),
    invoiceReference: z.string().optional(),
    currency: z.string().regex(/^[A-Z]{3}$/).optional(),
    /** Our figure in minor units, or our status. */
    ours: z.union([z.number().int(), z.string()]).optional(),
    /** The billing system's. */
    theirs: z.union([z.number().int(), z.string()]).optional(),
    /** The payment gateway's, in minor units: what it captured or refunded. */
    gateway: z.number().int().optional(),
    /** `re-enqueue`: sent to billing again (a missing invoice, or a capture not invoiced); `adjustment`: recorded for a person, with the reason. */
    resolution: z.enum(['re-enqueue', 'adjustment']),
    reason: z.string(),
  }),
});
