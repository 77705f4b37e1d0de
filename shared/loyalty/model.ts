import { z } from 'zod';
import { LoyaltyPolicy } from '../pricing/loyalty.js';

/**
 * A shopper's points: one account item (balance, lifetime earned, version) and a ledger of
 * entries, each with the order it came from. Balances move only with `ADD` in the same
 * transaction as their ledger entry, so the ledger explains every point.
 */

export const LOYALTY_ACCOUNT_SCHEMA_VERSION = 1;
export const LOYALTY_ENTRY_SCHEMA_VERSION = 1;

/**
 * `earn` adds points for a completed order, `redeem` spends them at checkout, `reverse` gives back a redemption (a failed
 * checkout, a fully refunded order), `clawback` takes back what a refunded order earned.
 */
export const LoyaltyEntryKind = z.enum(['earn', 'redeem', 'reverse', 'clawback']);
export type LoyaltyEntryKind = z.infer<typeof LoyaltyEntryKind>;

export const LoyaltyEntry = z.strictObject({
  id: z.string().min(1),
  kind: LoyaltyEntryKind,
  /** Signed: positive for earn and reverse, negative for redeem and clawback. */
  points: z.number().int(),
  source: z.strictObject({ type: z.literal('order'), id: z.string().min(1) }),
  at: z.iso.datetime(),
});
export type LoyaltyEntry = z.infer<typeof LoyaltyEntry>;

/**
 * A loyalty identifier: 16 symbols of Crockford's base 32 (no I, L, O or U), random, so that one cannot be guessed
 * from another; a till scans it from the shopper's app or card. Any case, stored upper-case.
 */
export const LoyaltyId = z
  .string()
  .trim()
  .transform((id) => id.toUpperCase())
  .pipe(z.string().regex(/^[0-9A-HJKMNP-TV-Z]{16}$/, 'must be a loyalty identifier: 16 letters and digits, as shown by GET /loyalty'));

export const LoyaltyAccount = z.strictObject({
  shopperId: z.string().min(1),
  balance: z.number().int().nonnegative(),
  lifetimeEarned: z.number().int().nonnegative(),
  /** Moves with every change of the balance; 0 for a shopper who never earned. */
  version: z.number().int().nonnegative(),
  updatedAt: z.iso.datetime().optional(),
  /** What the shopper shows at a till so that a sale there earns them points (`loyalty-ids.ts`); issued on first sight. */
  loyaltyId: LoyaltyId.optional(),
});
export type LoyaltyAccount = z.infer<typeof LoyaltyAccount>;

/** What `GET /loyalty` shows a shopper: the account, the scheme's rules and the latest entries, newest first. */
export const LoyaltySummary = LoyaltyAccount.extend({
  loyaltyId: LoyaltyId,
  policy: LoyaltyPolicy,
  recentEntries: z.array(LoyaltyEntry),
});
export type LoyaltySummary = z.infer<typeof LoyaltySummary>;
