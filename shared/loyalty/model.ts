import { z } from 'zod';
import { LoyaltyPolicy } from '../pricing/loyalty.js';

/**
 * A shopper's points: one account item (balance, lifetime earned, version) and a ledger of
 * entries, each with the order it came from. Balances move only with `ADD` in the same
 * transaction as their ledger entry, so the ledger explains every point.
 */

export const LOYALTY_ACCOUNT_SCHEMA_VERSION = 1;
export const LOYALTY_ENTRY_SCHEMA_VERSION = 1;

/** `earn` adds points for a completed order, `redeem` spends them at checkout, `reverse` gives back a redemption. */
export const LoyaltyEntryKind = z.enum(['earn', 'redeem', 'reverse']);
export type LoyaltyEntryKind = z.infer<typeof LoyaltyEntryKind>;

export const LoyaltyEntry = z.strictObject({
  id: z.string().min(1),
  kind: LoyaltyEntryKind,
  /** Signed: positive for earn and reverse, negative for redeem. */
  points: z.number().int(),
  source: z.strictObject({ type: z.literal('order'), id: z.string().min(1) }),
  at: z.iso.datetime(),
});
export type LoyaltyEntry = z.infer<typeof LoyaltyEntry>;

export const LoyaltyAccount = z.strictObject({
  shopperId: z.string().min(1),
  balance: z.number().int().nonnegative(),
  lifetimeEarned: z.number().int().nonnegative(),
  /** Moves with every change of the balance; 0 for a shopper who never earned. */
  version: z.number().int().nonnegative(),
  updatedAt: z.iso.datetime().optional(),
});
export type LoyaltyAccount = z.infer<typeof LoyaltyAccount>;

/** What `GET /loyalty` shows a shopper: the account, the scheme's rules and the latest entries, newest first. */
export const LoyaltySummary = LoyaltyAccount.extend({
  policy: LoyaltyPolicy,
  recentEntries: z.array(LoyaltyEntry),
});
export type LoyaltySummary = z.infer<typeof LoyaltySummary>;
