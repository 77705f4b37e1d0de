import type { FulfillmentCharge, PricingLine, RejectedPromotion, RejectionReason } from './cart-pricing.js';
import { type DealResult, buyXGetY, bundle, multiBuy } from './deals.js';
import { allocateMinorUnits, percentOfMinorUnits } from './money.js';
import { type Promotion, codeOf, compareEvaluationOrder, compareStrings, matchesTarget, promotionStage } from './promotions.js';

/**
 * The stacking policy (docs/pricing.md has it with examples):
 *
 * 1. Promotions are evaluated stage by stage (line, then cart, then delivery), within a stage by priority (lower
 *    first), then by id.
 * 2. Each discount is capped at what is left of its line, so a line never goes below zero; the capped amount is
 *    recorded.
 * 3. An exclusive promotion applies only to lines no promotion has touched yet, and once applied no later promotion
 *    touches its lines; a cart-targeted exclusive one needs and then takes the whole cart.
 * 4. Of the promotions sharing a group, only the one that leaves the shopper paying least applies.
 */

/** A line's running state while promotions are applied; amounts are minor units in the price list's tax mode. */
export interface LineState {
  readonly line: PricingLine;
  /** Rank by line id: every tie is broken by it, so the input order of lines never matters. */
  readonly order: number;
  readonly subtotal: number;
  remaining: number;
  /** What is left of each item's price, summing to `remaining`; empty for weighed and volume lines. */
  readonly items: number[];
  /** Per item, the quantity deal that used it. */
  readonly usedBy: (string | undefined)[];
  readonly discounts: { promotion: Promotion; amount: number; uncapped?: number }[];
  /** The exclusive promotion that holds this line. */
  lockedBy: string | undefined;
}

/** A line ready for promotions: the input line and its subtotal. */
export interface GoodsLine {
  readonly line: PricingLine;
  readonly subtotal: number;
}

/** What promotions did to the cart. */
export interface StackingOutcome {
  /** In line id order. */
  readonly states: readonly LineState[];
  /** The free-delivery promotion that waived the fee. */
  readonly freeDeliveryBy: string | undefined;
  readonly rejected: readonly RejectedPromotion[];
}

/** The fee facts free delivery needs. */
export interface DeliveryTerms {
  readonly fulfillment: FulfillmentCharge | undefined;
  readonly deliveryFeeWaived: boolean;
}

/**
 * Applies the candidates to the lines under the stacking policy.
 *
 * Groups are resolved by pricing the cart once per member: for each group (taken in the order of its first member),
 * every member is tried with the groups already decided fixed at their winners and the undecided ones at their first
 * member, and the member for which `payable` is smallest wins (ties: priority, then id). Comparing whole-cart results
 * rather than each member's own discount means a member that blocks others (an exclusive one) only wins when the
 * shopper is better off with it, and members at different stages are compared fairly.
 *
 * @param lines sorted by line id.
 * @param payable what the shopper would pay for an outcome, before loyalty; used only to compare group members.
 */
export function applyPromotions(
  lines: readonly GoodsLine[],
  candidates: readonly Promotion[],
  terms: DeliveryTerms,
  payable: (outcome: StackingOutcome) => number,
): StackingOutcome {
  const sorted = [...candidates].sort(compareEvaluationOrder);
  const groups = new Map<string, Promotion[]>();
  for (const promotion of sorted) {
    const { group } = promotion.stacking;
    if (group !== undefined) groups.set(group, [...(groups.get(group) ?? []), promotion]);
  }

  const chosen = new Map<string, Promotion>();
  for (const [group, [first]] of groups) if (first !== undefined) chosen.set(group, first);
  const active = () => sorted.filter((p) => p.stacking.group === undefined || chosen.get(p.stacking.group) === p);

  const losers: RejectedPromotion[] = [];
  for (const [group, members] of groups) {
    if (members.length === 1) continue;
    const byPriority = [...members].sort((a, b) => a.stacking.priority - b.stacking.priority || compareStrings(a.id, b.id));
    const trials = byPriority.map((member) => {
      chosen.set(group, member);
      return { member, outcome: evaluate(lines, active(), terms) };
    });
    const best = trials.reduce((winner, trial) => (payable(trial.outcome) < payable(winner.outcome) ? trial : winner));
    chosen.set(group, best.member);
    for (const { member, outcome } of trials) {
      if (member === best.member) continue;
      // A member that would not have applied even as the group's choice is refused for its own reason.
      const own = outcome.rejected.find((r) => r.promotionId === member.id);
      losers.push(own ?? { promotionId: member.id, ...codeOf(member), reason: 'not-combinable', blockedBy: best.member.id });
    }
  }

  const outcome = evaluate(lines, active(), terms);
  return { ...outcome, rejected: [...outcome.rejected, ...losers] };
}

function newState(goods: GoodsLine, order: number): LineState {
  const { line, subtotal } = goods;
  const items = line.quantity.kind === 'units' ? Array.from({ length: line.quantity.count }, () => line.unitPrice.amount) : [];
  return { line, order, subtotal, remaining: subtotal, items, usedBy: items.map(() => undefined), discounts: [], lockedBy: undefined };
}

type Refusal = { applied: false; reason: RejectionReason; blockedBy?: string };
type Verdict = { applied: true } | Refusal;

const refused = (reason: RejectionReason, blockedBy?: string): Refusal =>
  blockedBy === undefined ? { applied: false, reason } : { applied: false, reason, blockedBy };

/** Applies promotions already sorted in evaluation order, each in turn, to fresh line states. */
function evaluate(lines: readonly GoodsLine[], promotions: readonly Promotion[], terms: DeliveryTerms): StackingOutcome {
  const states = lines.map(newState);
  const rejected: RejectedPromotion[] = [];
  let afterLineStage: readonly number[] | undefined;
  let cartHeldBy: string | undefined;
  let freeDeliveryBy: string | undefined;

  for (const promotion of promotions) {
    const stage = promotionStage(promotion);
    let verdict: Verdict;
    if (stage === 'line') {
      verdict = applyLinePromotion(states, promotion);
    } else if (stage === 'cart') {
      afterLineStage ??= states.map((s) => s.remaining);
      verdict = cartHeldBy === undefined ? applyCartPromotion(states, promotion, afterLineStage) : refused('not-combinable', cartHeldBy);
      if (verdict.applied && promotion.stacking.exclusive && promotion.target.kind === 'cart') cartHeldBy = promotion.id;
    } else {
      verdict = freeDelivery(states, promotion, terms, freeDeliveryBy);
      if (verdict.applied) freeDeliveryBy = promotion.id;
    }
    if (!verdict.applied) {
      const { reason, blockedBy } = verdict;
      rejected.push({ promotionId: promotion.id, ...codeOf(promotion), reason, ...(blockedBy === undefined ? {} : { blockedBy }) });
    }
  }
  return { states, freeDeliveryBy, rejected };
}

function touched(state: LineState): boolean {
  return state.discounts.length > 0 || state.usedBy.some((id) => id !== undefined);
}

/** Who stands in the way on a line: the exclusive holder, else the first promotion to touch it. */
function blocker(state: LineState): string | undefined {
  return state.lockedBy ?? state.discounts[0]?.promotion.id ?? state.usedBy.find((id) => id !== undefined);
}

/** The lines a promotion may still discount, or why there are none. */
function openLines(states: readonly LineState[], promotion: Promotion): LineState[] | Refusal {
  const matching = states.filter((s) => matchesTarget(promotion.target, s.line));
  const [first] = matching;
  if (first === undefined) return refused('no-eligible-items');
  const { exclusive } = promotion.stacking;
  if (exclusive && promotion.target.kind === 'cart') {
    const taken = states.find(touched);
    if (taken !== undefined) return refused('not-combinable', blocker(taken));
  }
  const open = matching.filter((s) => s.lockedBy === undefined && !(exclusive && touched(s)));
  return open.length > 0 ? open : refused('not-combinable', blocker(first));
}

/** Percent and fixed amounts, per-item amounts and quantity deals on the targeted lines. */
function applyLinePromotion(states: readonly LineState[], promotion: Promotion): Verdict {
  const open = openLines(states, promotion);
  if (!Array.isArray(open)) return open;
  const { rule } = promotion;
  switch (rule.kind) {
    case 'percent-off':
      return commitLineAmounts(promotion, open.map((s) => ({ state: s, amount: percentOfMinorUnits(s.remaining, rule.basisPoints) })));
    case 'fixed-off':
      return rule.per === 'item'
        ? commitLineAmounts(
            promotion,
            open.flatMap((s) => (s.line.quantity.kind === 'units' ? [{ state: s, amount: rule.amount.amount * s.line.quantity.count }] : [])),
          )
        : spreadOver(open, promotion, rule.amount.amount);
    case 'bogo':
      return commitDeal(promotion, open, buyXGetY(open, 1, 1, 10_000));
    case 'buy-x-get-y':
      return commitDeal(promotion, open, buyXGetY(open, rule.buy, rule.get, rule.discountBasisPoints));
    case 'multi-buy':
      return commitDeal(promotion, open, multiBuy(open, rule.quantity, rule.price.amount));
    case 'bundle':
      return commitDeal(promotion, open, bundle(open, rule.components, rule.price.amount));
    case 'spend-threshold':
    case 'free-delivery':
      throw new Error(`${rule.kind} is not a line-stage promotion`);
  }
}

/**
 * Cart-wide percent or fixed amounts and spend thresholds. A threshold is compared with the targeted goods after the
 * line stage (so the order of cart promotions never decides whether it is met); the discount itself is computed on
 * what is left now, rounded once, and spread over the open lines in proportion to what is left of each.
 */
function applyCartPromotion(states: readonly LineState[], promotion: Promotion, afterLineStage: readonly number[]): Verdict {
  const { rule } = promotion;
  if (rule.kind !== 'spend-threshold' && rule.kind !== 'percent-off' && rule.kind !== 'fixed-off') {
    throw new Error(`${rule.kind} is not a cart-stage promotion`);
  }
  const reward = rule.kind === 'spend-threshold' ? rule.reward : rule;
  const open = openLines(states, promotion);
  if (rule.kind === 'spend-threshold' && (Array.isArray(open) || open.reason !== 'no-eligible-items')) {
    const spend = states.reduce((sum, s, i) => (matchesTarget(promotion.target, s.line) ? sum + (afterLineStage[i] ?? 0) : sum), 0);
    if (spend < rule.minimumSpend.amount) return refused('minimum-not-met');
  }
  if (!Array.isArray(open)) return open;
  const base = open.reduce((sum, s) => sum + s.remaining, 0);
  const amount = reward.kind === 'percent-off' ? percentOfMinorUnits(base, reward.basisPoints) : reward.amount.amount;
  return spreadOver(open, promotion, amount);
}

/** Waives the delivery fee when the slot is a paid delivery, nothing waived it yet, and the minimum spend is met. */
function freeDelivery(states: readonly LineState[], promotion: Promotion, terms: DeliveryTerms, waivedBy: string | undefined): Verdict {
  const { rule } = promotion;
  if (rule.kind !== 'free-delivery') throw new Error(`${rule.kind} is not a delivery-stage promotion`);
  const matching = states.filter((s) => matchesTarget(promotion.target, s.line));
  const fee = terms.fulfillment;
  if (matching.length === 0 || fee === undefined || fee.mode !== 'delivery' || fee.fee.amount === 0 || terms.deliveryFeeWaived) {
    return refused('no-eligible-items');
  }
  const spend = matching.reduce((sum, s) => sum + s.remaining, 0);
  if (rule.minimumSpend !== undefined && spend < rule.minimumSpend.amount) return refused('minimum-not-met');
  return waivedBy === undefined ? { applied: true } : refused('not-combinable', waivedBy);
}

/** Spreads an amount over lines in proportion to what is left of each (largest remainder), capping each share at it. */
function spreadOver(open: readonly LineState[], promotion: Promotion, amount: number): Verdict {
  const weights = open.map((s) => s.remaining);
  if (weights.every((w) => w === 0)) return refused('no-eligible-items');
  const shares = allocateMinorUnits(amount, weights);
  return commitLineAmounts(promotion, open.map((state, i) => ({ state, amount: shares[i] ?? 0 })));
}

/** Records line-wide discounts (capped at each line's remainder), spreading each over the line's items. */
function commitLineAmounts(promotion: Promotion, amounts: readonly { state: LineState; amount: number }[]): Verdict {
  const effective = amounts.filter(({ state, amount }) => amount > 0 && state.remaining > 0);
  if (effective.length === 0) return refused('no-eligible-items');
  for (const { state, amount } of effective) {
    const capped = Math.min(amount, state.remaining);
    if (state.items.length > 0) {
      const shares = allocateMinorUnits(capped, state.items);
      state.items.splice(0, state.items.length, ...state.items.map((price, i) => price - (shares[i] ?? 0)));
    }
    record(state, promotion, capped, capped < amount ? amount : undefined);
  }
  if (promotion.stacking.exclusive) for (const { state } of effective) state.lockedBy = promotion.id;
  return { applied: true };
}

/**
 * Records a quantity deal: each item's discount, and every item it used. A deal that finds nothing to discount while
 * another deal holds some of its items is refused as not combinable with that deal, which is what the shopper can act on.
 */
function commitDeal(promotion: Promotion, open: readonly LineState[], deal: DealResult): Verdict {
  if (!deal.discounts.some((d) => d.amount > 0)) {
    const holder = open.flatMap((s) => s.usedBy).find((id) => id !== undefined);
    return holder === undefined ? refused('no-eligible-items') : refused('not-combinable', holder);
  }
  const perLine = new Map<LineState, number>();
  for (const { item, amount } of deal.discounts) {
    item.state.items[item.index] = item.price - amount;
    perLine.set(item.state, (perLine.get(item.state) ?? 0) + amount);
  }
  for (const item of deal.used) item.state.usedBy[item.index] = promotion.id;
  const lines = [...new Set(deal.used.map((item) => item.state))];
  for (const state of lines) {
    const amount = perLine.get(state) ?? 0;
    if (amount > 0) record(state, promotion, amount, undefined);
    if (promotion.stacking.exclusive) state.lockedBy = promotion.id;
  }
  return { applied: true };
}

function record(state: LineState, promotion: Promotion, amount: number, uncapped: number | undefined): void {
  state.remaining -= amount;
  state.discounts.push(uncapped === undefined ? { promotion, amount } : { promotion, amount, uncapped });
}
