import { z } from 'zod';
import type { TaxCategory } from '../pricing/tax.js';
import type { TemperatureZone } from './shipments.js';

/**
 * The returns policy, as data: which goods come back and how, within how long, for which reasons. A shopper's return is
 * checked line by line against the first rule that matches the goods handed over (the substitute's own product when
 * there was one). Pure; `returns.ts` applies it. docs/fulfillment.md ("Returns") states it in words.
 */

/** Why a shopper returns a line. */
export const RETURN_REASONS = ['damaged', 'faulty', 'past-date', 'poor-quality', 'wrong-item', 'not-as-described', 'changed-mind'] as const;
export const ReturnReason = z.enum(RETURN_REASONS);
export type ReturnReason = z.infer<typeof ReturnReason>;

/** Reasons that say the goods were not what was paid for; only these refund fresh food and other goods sold to be used up. */
export const QUALITY_REASONS: readonly ReturnReason[] = ['damaged', 'faulty', 'past-date', 'poor-quality', 'wrong-item', 'not-as-described'];

/**
 * How a returnable line is handled: `refund-only`, refunded as soon as it is asked for and never sent back (fresh food,
 * which cannot be resold once it has left the store); `send-back`, refunded once staff have received and inspected it
 * (collected from the delivery address, or brought in to the store).
 */
export type ReturnHandling = 'refund-only' | 'send-back';

/** Which goods a rule is about: any of the listed category path prefixes, tax categories or packing zones. */
export interface ReturnMatch {
  /** Category path prefixes (`fresh-produce` matches `fresh-produce/fruit`). */
  categories?: readonly string[];
  taxCategories?: readonly TaxCategory[];
  /** The zone the line was packed in: goods that travelled chilled or frozen. */
  zones?: readonly TemperatureZone[];
}

/** One rule: the goods it is about, and whether and how they are returned. A rule without a match is about everything. */
export type ReturnRule =
  | { name: string; match?: ReturnMatch; returnable: false }
  | { name: string; match?: ReturnMatch; returnable: true; handling: ReturnHandling; windowDays: number; reasons: readonly ReturnReason[] };

export interface ReturnPolicy {
  /** In order: the first rule that matches a line decides it. The last should match everything. */
  rules: readonly ReturnRule[];
}

/**
 * The chain's policy. Medicines never come back (they cannot be resold and may have been tampered with). Fresh food,
 * and anything that travelled chilled or frozen, is refunded without being sent back, within 3 days of receipt, when it
 * was not what was paid for. Alcohol comes back only when it was not what was paid for. Everything else comes back
 * within 30 days, for any reason.
 */
export const RETURN_POLICY: ReturnPolicy = {
  rules: [
    { name: 'medicines', match: { categories: ['health-beauty/medicines'] }, returnable: false },
    {
      name: 'fresh food',
      match: { categories: ['fresh-produce', 'bakery', 'dairy-eggs', 'meat-fish', 'frozen'], zones: ['chilled', 'frozen'] },
      returnable: true,
      handling: 'refund-only',
      windowDays: 3,
      reasons: QUALITY_REASONS,
    },
    { name: 'alcohol', match: { taxCategories: ['alcohol'] }, returnable: true, handling: 'send-back', windowDays: 30, reasons: QUALITY_REASONS },
    { name: 'other goods', returnable: true, handling: 'send-back', windowDays: 30, reasons: RETURN_REASONS },
  ],
};

/** What the policy needs to know about one line's goods. */
export interface ReturnedGoods {
  /** The product's category path, as the catalog has it now; absent for a product no longer in the catalog. */
  categoryPath?: string;
  taxCategory?: TaxCategory;
  /** The zone the line was packed in, when it was packed. */
  zone?: TemperatureZone;
}

function matches(match: ReturnMatch | undefined, goods: ReturnedGoods): boolean {
  if (match === undefined) return true;
  const path = goods.categoryPath;
  return (
    (path !== undefined && (match.categories ?? []).some((prefix) => path === prefix || path.startsWith(`${prefix}/`))) ||
    (goods.taxCategory !== undefined && (match.taxCategories ?? []).includes(goods.taxCategory)) ||
    (goods.zone !== undefined && (match.zones ?? []).includes(goods.zone))
  );
}

/** The rule that decides a line's goods: the first that matches. */
export function ruleFor(policy: ReturnPolicy, goods: ReturnedGoods): ReturnRule {
  const rule = policy.rules.find((r) => matches(r.match, goods));
  if (rule === undefined) throw new RangeError('the returns policy has no rule for these goods: its last rule should match everything');
  return rule;
}

const DAY_MS = 86_400_000;

/**
 * Whether a line may be returned now, and how: refused when its rule says the goods never come back, when the reason is
 * not one the rule accepts, or when the window (whole days from receipt, to the millisecond) has passed.
 * @returns the handling, or why not, in words a shopper can read
 */
export function returnDecision(
  policy: ReturnPolicy,
  goods: ReturnedGoods,
  reason: ReturnReason,
  receivedAt: Date,
  now: Date,
): { returnable: true; handling: ReturnHandling; rule: string } | { returnable: false; why: string } {
  const rule = ruleFor(policy, goods);
  if (!rule.returnable) return { returnable: false, why: `${rule.name} cannot be returned` };
  if (!rule.reasons.includes(reason)) return { returnable: false, why: `${rule.name} is returned only when ${rule.reasons.join(', ')}, not ${reason}` };
  const closes = receivedAt.getTime() + rule.windowDays * DAY_MS;
  if (now.getTime() > closes) {
    return { returnable: false, why: `${rule.name} is returned within ${rule.windowDays} days of receipt; this was received ${receivedAt.toISOString()}` };
  }
  return { returnable: true, handling: rule.handling, rule: rule.name };
}
