import { allocateMinorUnits, percentOfMinorUnits } from './money.js';
import { type PromotionTarget, matchesTarget } from './promotions.js';
import type { LineState } from './stacking.js';

/**
 * Quantity deals (buy-X-get-Y, multi-buy, bundle) work on items, not lines: a unit line of count 3 is three items, each
 * priced at its share of what is left of the line. Items may come from several lines of the target. An item used by one
 * quantity deal (as a paid or a discounted item) is not available to another, as on a shelf-edge "one offer per item".
 * Weighed and volume lines have no items, so quantity deals never apply to them.
 */

/** One available item: the line it belongs to, its position in that line, and what is left of its price. */
export interface PoolItem {
  readonly state: LineState;
  readonly index: number;
  readonly price: number;
}

/** A deal's effect: what comes off which item, and every item the deal used. */
export interface DealResult {
  readonly discounts: readonly { item: PoolItem; amount: number }[];
  readonly used: readonly PoolItem[];
}

const NO_DEAL: DealResult = { discounts: [], used: [] };

/** The items of the given lines that no quantity deal has used yet. */
function available(states: readonly LineState[]): PoolItem[] {
  return states.flatMap((state) =>
    state.items.flatMap((price, index) => (state.usedBy[index] === undefined ? [{ state, index, price }] : [])),
  );
}

/** Cheapest first; equal prices by line id, then position, so the choice never depends on input order. */
function cheapestFirst(a: PoolItem, b: PoolItem): number {
  return a.price - b.price || a.state.order - b.state.order || a.index - b.index;
}

/** Dearest first; equal prices by line id, then position. */
function dearestFirst(a: PoolItem, b: PoolItem): number {
  return b.price - a.price || a.state.order - b.state.order || a.index - b.index;
}

/**
 * Buy `buy`, get `get` at `basisPoints` off (10 000: free). The items are pooled across the lines, and the cheapest
 * items are the discounted ones: with n items, ⌊n / (buy + get)⌋ sets are formed, the sets × get cheapest items are
 * discounted, and the next sets × buy cheapest are the paid items that earned them. Each discounted item's amount is
 * rounded half-up on its own.
 */
export function buyXGetY(states: readonly LineState[], buy: number, get: number, basisPoints: number): DealResult {
  const items = available(states).sort(cheapestFirst);
  const sets = Math.floor(items.length / (buy + get));
  if (sets === 0) return NO_DEAL;
  const free = items.slice(0, sets * get);
  return {
    discounts: free.map((item) => ({
      item,
      amount: percentOfMinorUnits(item.price, basisPoints),
    })),
    used: items.slice(0, sets * (buy + get)),
  };
}

/**
 * "`quantity` for `price`": the dearest items are grouped first, which saves the shopper the most; each full group
 * that costs more than `price` is brought down to it, its saving spread over its items in proportion to their prices
 * (largest remainder, so it sums exactly). Groups stop at the first that would not save anything.
 */
export function multiBuy(states: readonly LineState[], quantity: number, price: number): DealResult {
  const items = available(states).sort(dearestFirst);
  const discounts: { item: PoolItem; amount: number }[] = [];
  const used: PoolItem[] = [];
  for (let start = 0; start + quantity <= items.length; start += quantity) {
    const group = items.slice(start, start + quantity);
    if (!spreadSaving(group, price, discounts)) break;
    used.push(...group);
  }
  return { discounts, used };
}

/**
 * A bundle price: one full set of the components (each `quantity` items matching its target) for `price`. Sets are
 * formed while every component can be filled; each component takes the dearest available matching items, in the
 * order the components are listed, and a set that would not save anything ends the deal.
 */
export function bundle(
  states: readonly LineState[],
  components: readonly { target: PromotionTarget; quantity: number }[],
  price: number,
): DealResult {
  let items = available(states).sort(dearestFirst);
  const discounts: { item: PoolItem; amount: number }[] = [];
  const used: PoolItem[] = [];
  for (;;) {
    const set: PoolItem[] = [];
    for (const component of components) {
      const picked = items.filter((item) => !set.includes(item) && matchesTarget(component.target, item.state.line));
      if (picked.length < component.quantity) return { discounts, used };
      set.push(...picked.slice(0, component.quantity));
    }
    if (!spreadSaving(set, price, discounts)) return { discounts, used };
    used.push(...set);
    items = items.filter((item) => !set.includes(item));
  }
}

/** Brings a group of items down to `price` if they cost more, recording each item's share; false when nothing is saved. */
function spreadSaving(group: readonly PoolItem[], price: number, into: { item: PoolItem; amount: number }[]): boolean {
  const sum = group.reduce((total, item) => total + item.price, 0);
  const saving = sum - price;
  if (saving <= 0) return false;
  // A positive saving means a positive sum, and each share is at most its item's price because saving ≤ sum.
  const shares = allocateMinorUnits(saving, group.map((item) => item.price));
  group.forEach((item, i) => into.push({ item, amount: shares[i] ?? 0 }));
  return true;
}
