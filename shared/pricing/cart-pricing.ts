import { fulfillmentFee } from './fees.js';
import { type LoyaltyPolicy, type Redemption, pointsEarned, redeemPoints } from './loyalty.js';
import { CurrencyMismatchError, type Money, allocateMinorUnits, money, multiply } from './money.js';
import { type Promotion, compareStrings, screenPromotions } from './promotions.js';
import { assertInteger, divideCeiling, toSafeInteger } from './rounding.js';
import { type GoodsLine, type LineState, type StackingOutcome, applyPromotions } from './stacking.js';
import { type TaxCategory, type TaxMode, type TaxRateTable, lineTax } from './tax.js';
import { authorizationEstimate, weightedLinePrice } from './weighted.js';

/** How much of a line the shopper wants: whole items, or an estimated weight or volume. */
export type LineQuantity =
  | { kind: 'units'; count: number }
  | { kind: 'grams'; grams: number }
  | { kind: 'millilitres'; millilitres: number };

/** One cart line as pricing sees it: the product facts promotions and tax need, and the quantity. */
export interface PricingLine {
  lineId: string;
  sku: string;
  productId: string;
  /** The product's category id followed by its ancestors' ids, for category-targeted promotions. */
  categoryIds: readonly string[];
  brand?: string;
  taxCategory: TaxCategory;
  soldBy: 'each' | 'pack' | 'weight' | 'volume';
  /** Per item/pack, or per kg / per litre, in the price list's tax mode. */
  unitPrice: Money;
  quantity: LineQuantity;
}

/** The chosen slot's charge and minimum basket. */
export interface FulfillmentCharge {
  mode: 'delivery' | 'pickup';
  /** The slot's delivery or pickup fee before promotions, in the price list's tax mode. */
  fee: Money;
  /** The slot's minimum basket, compared with the goods after promotions. */
  minimumOrder: Money;
  /** The fee's tax category; `non-food` (standard-rated) when not given. */
  taxCategory?: TaxCategory;
}

/** Everything besides the lines that a price depends on; pricing reads no clock and no database. */
export interface PricingContext {
  /** The store the cart is priced at: promotions bound to other stores do not apply. Left out, every promotion may. */
  storeId?: string;
  currency: string;
  taxMode: TaxMode;
  jurisdiction: string;
  taxRates: TaxRateTable;
  now: Date;
  /** Authorization buffer for weighed lines, basis points (1500 = +15 %). */
  weightBufferBasisPoints: number;
  /** Automatic promotions plus those unlocked by applied coupons. */
  promotions: readonly Promotion[];
  /** Codes the shopper applied (upper-case), in the order they were applied. */
  appliedCoupons: readonly string[];
  /** Redemptions so far, for usage limits: total and by this shopper. */
  usage: Readonly<Record<string, { total: number; byShopper: number }>>;
  fulfillment?: FulfillmentCharge;
  /** A delivery-pass subscription waives delivery fees (set by a later issue; default false). */
  deliveryFeeWaived?: boolean;
  loyalty?: { balance: number; pointsToRedeem: number; policy: LoyaltyPolicy };
}

/** One discount on one line. */
export interface LineDiscount {
  promotionId: string;
  name: string;
  amount: Money;
  /** Present when the promotion would have taken more than was left of the line: what it would have taken. */
  uncapped?: Money;
}

/** One line, priced and explained. Amounts before tax are in the price list's tax mode. */
export interface PricedLine {
  lineId: string;
  sku: string;
  quantity: LineQuantity;
  unitPrice: Money;
  /** Before discounts. */
  subtotal: Money;
  /** Each ≤ the line, and their sum ≤ subtotal. */
  discounts: LineDiscount[];
  /** This line's share of the loyalty redemption (zero when no points are redeemed). */
  loyaltyRedemption: Money;
  tax: { rateBasisPoints: number; amount: Money };
  /** After discounts and redemption, tax-inclusive. */
  total: Money;
  /** Weighed lines only: the estimate and what to authorize (estimate + buffer, rounded up). */
  estimate?: {
    grams: number;
    bufferBasisPoints: number;
    /** The buffered estimate's price before discounts. */
    authorizationAmount: Money;
    /**
     * This line's total with its price at the buffered estimate and its discounts and redemption kept as amounts;
     * when prices exclude tax, the extra is taxed at the cart's highest rate (see `PricedCart.authorizationTotal`).
     */
    authorizationTotal: Money;
  };
}

/** Why a promotion that was considered did not apply. */
export type RejectionReason =
  | 'expired'
  | 'not-started'
  | 'minimum-not-met'
  | 'not-combinable'
  | 'usage-limit-reached'
  | 'no-eligible-items';

/** A promotion that was considered but not applied. */
export interface RejectedPromotion {
  promotionId: string;
  code?: string;
  reason: RejectionReason;
  /** For `not-combinable`: the promotion (or coupon's promotion) that took precedence. */
  blockedBy?: string;
}

/** A fulfillment fee as charged. */
export interface PricedFee {
  kind: 'delivery' | 'pickup';
  /** What is charged, in the price list's tax mode: zero when waived. */
  amount: Money;
  /** The slot's fee before any waiver. */
  listAmount: Money;
  /** The promotion id, or `delivery-pass`, that waived the fee. */
  waivedBy?: string;
  tax: { rateBasisPoints: number; amount: Money };
}

/** Loyalty points on this cart. */
export interface PricedLoyalty {
  pointsRedeemed: number;
  redemptionAmount: Money;
  pointsEarned: number;
  /** Present when fewer points were redeemed than asked for: the rule that limited them. */
  limitedBy?: 'balance' | 'max-share' | 'minimum-points' | 'whole-blocks';
}

/** A cart priced server-side, each amount explained. */
export interface PricedCart {
  currency: string;
  taxMode: TaxMode;
  /** In the order they were given. */
  lines: PricedLine[];
  subtotal: Money;
  /** Promotions only; the loyalty redemption is reported under `loyalty`. */
  discountTotal: Money;
  fees: PricedFee[];
  /** Tax on the goods and the fees. */
  tax: Money;
  loyalty: PricedLoyalty;
  /** Never negative. */
  total: Money;
  /**
   * What to authorize on the card: the total with each weighed line at its buffered estimate. When prices exclude tax
   * it adds one minor unit per line, because a heavier pick can move a cart-wide discount to a line with another tax
   * rate and move each line's tax rounding; docs/pricing.md has the argument.
   */
  authorizationTotal: Money;
  minimumOrder?: { required: Money; met: boolean };
  /** Promotions considered but not applied, with why: for clear coupon errors. */
  rejected: RejectedPromotion[];
  /** Applied coupon codes that no promotion in the context carries. */
  unknownCoupons: string[];
}

/**
 * Prices a cart: promotions under the stacking policy, loyalty redemption, tax per line, the fulfillment fee and the
 * minimum order, each amount explained per line. Pure: the same lines and context always give the same result, in
 * whatever order the lines and promotions come. The policy and rounding are documented in docs/pricing.md.
 *
 * Lines are worked through in line id order and returned in the order given.
 *
 * @throws CurrencyMismatchError when any amount (a price, a promotion's amount, the fee, a loyalty value) is not in
 *   `context.currency`.
 * @throws RangeError when line ids or promotion ids repeat, a quantity does not fit how the line is sold, or a count
 *   is not a positive integer.
 * @throws UnknownJurisdictionError when the rate table has no rates for the jurisdiction.
 */
export function priceCart(lines: readonly PricingLine[], context: PricingContext): PricedCart {
  checkInput(lines, context);
  const { currency, taxMode } = context;
  const cash = (amount: number): Money => money(amount, currency);
  const tax = (line: PricingLine, amount: number) =>
    lineTax({ amount: cash(amount), taxCategory: line.taxCategory, jurisdiction: context.jurisdiction }, context.taxRates, taxMode);
  const feeFor = (waivedBy: string | undefined) =>
    context.fulfillment === undefined ? undefined : fulfillmentFee(context.fulfillment, waivedBy, context);
  const passWaiver = context.deliveryFeeWaived === true && context.fulfillment?.mode === 'delivery' ? 'delivery-pass' : undefined;

  const goods: GoodsLine[] = [...lines]
    .sort((a, b) => compareStrings(a.lineId, b.lineId))
    .map((line) => ({ line, subtotal: lineSubtotal(line).amount }));
  const screening = screenPromotions(context.promotions, context);
  const payable = (outcome: StackingOutcome): number =>
    sum(outcome.states.map((s) => tax(s.line, s.remaining).gross.amount)) +
    grossOf(feeFor(passWaiver ?? outcome.freeDeliveryBy), taxMode);
  const outcome = applyPromotions(goods, screening.candidates, { fulfillment: context.fulfillment, deliveryFeeWaived: passWaiver !== undefined }, payable);

  const goodsAfterPromotions = sum(outcome.states.map((s) => s.remaining));
  const redemption: Redemption =
    context.loyalty === undefined ? { points: 0, amount: 0 } : redeemPoints(context.loyalty, context.loyalty.policy, goodsAfterPromotions);
  const redeemed = redemption.amount > 0 ? allocateMinorUnits(redemption.amount, outcome.states.map((s) => s.remaining)) : [];

  const priced = outcome.states.map((state, i) => {
    const share = redeemed[i] ?? 0;
    const paid = state.remaining - share;
    const taxed = tax(state.line, paid);
    return { state, share, taxed };
  });
  // A heavier pick may shift a cart-wide discount onto lines taxed at any rate in the cart, so the extra is taxed at the highest.
  const holdRate = taxMode === 'exclusive' ? Math.max(0, ...priced.map((p) => p.taxed.rateBasisPoints)) : 0;
  const explained = priced.map((p) => explainLine(p.state, p.share, p.taxed, context, holdRate));
  const holdMargin = taxMode === 'exclusive' && explained.some((l) => l.estimate !== undefined) ? explained.length : 0;
  const fee = feeFor(passWaiver ?? outcome.freeDeliveryBy);
  const fees = fee === undefined ? [] : [fee];
  const goodsTotal = sum(priced.map((p) => p.taxed.gross.amount));
  const total = goodsTotal + grossOf(fee, taxMode);
  const earnOnNet = context.loyalty?.policy.earn.basis === 'net';
  const spend = sum(priced.map((p) => (earnOnNet ? p.taxed.net.amount : p.taxed.gross.amount)));
  const byId = new Map(explained.map((line) => [line.lineId, line]));

  return {
    currency,
    taxMode,
    lines: lines.map((line) => byId.get(line.lineId) as PricedLine),
    subtotal: cash(sum(goods.map((g) => g.subtotal))),
    discountTotal: cash(sum(outcome.states.map((s) => s.subtotal - s.remaining))),
    fees,
    tax: cash(sum(priced.map((p) => p.taxed.tax.amount)) + (fee?.tax.amount.amount ?? 0)),
    loyalty: {
      pointsRedeemed: redemption.points,
      redemptionAmount: cash(redemption.amount),
      pointsEarned: context.loyalty === undefined ? 0 : pointsEarned(context.loyalty.policy, spend),
      ...(redemption.limitedBy === undefined ? {} : { limitedBy: redemption.limitedBy }),
    },
    total: cash(total),
    authorizationTotal: cash(
      total + holdMargin + sum(explained.map((line) => (line.estimate?.authorizationTotal.amount ?? line.total.amount) - line.total.amount)),
    ),
    ...(context.fulfillment === undefined
      ? {}
      : { minimumOrder: { required: context.fulfillment.minimumOrder, met: goodsAfterPromotions >= context.fulfillment.minimumOrder.amount } }),
    rejected: [...screening.rejected, ...outcome.rejected].sort((a, b) => compareStrings(a.promotionId, b.promotionId)),
    unknownCoupons: screening.unknownCoupons,
  };
}

/** A line before discounts: price × count, or the price per kg or litre at the weight or volume, rounded half-up. */
function lineSubtotal(line: PricingLine): Money {
  const { quantity, unitPrice } = line;
  switch (quantity.kind) {
    case 'units':
      return multiply(unitPrice, quantity.count);
    case 'grams':
      return weightedLinePrice(unitPrice, quantity.grams);
    case 'millilitres':
      return weightedLinePrice(unitPrice, quantity.millilitres);
  }
}

/**
 * One line explained. A weighed line's authorization adds the buffered estimate's extra price to the line's total,
 * keeping its discounts and redemption as amounts rather than as a share of the price: a heavier pick earns at least
 * those amounts, never less, so the hold is not short on their account.
 *
 * @param holdRate the tax rate, in basis points, at which the extra is taxed (0 when prices include tax).
 */
function explainLine(state: LineState, redemptionShare: number, taxed: ReturnType<typeof lineTax>, context: PricingContext, holdRate: number): PricedLine {
  const { line } = state;
  const { currency } = context;
  const priced: PricedLine = {
    lineId: line.lineId,
    sku: line.sku,
    quantity: line.quantity,
    unitPrice: line.unitPrice,
    subtotal: money(state.subtotal, currency),
    discounts: state.discounts.map((d) => ({
      promotionId: d.promotion.id,
      name: d.promotion.name,
      amount: money(d.amount, currency),
      ...(d.uncapped === undefined ? {} : { uncapped: money(d.uncapped, currency) }),
    })),
    loyaltyRedemption: money(redemptionShare, currency),
    tax: { rateBasisPoints: taxed.rateBasisPoints, amount: taxed.tax },
    total: taxed.gross,
  };
  if (line.quantity.kind !== 'grams') return priced;
  const buffered = authorizationEstimate(line.unitPrice, line.quantity.grams, context.weightBufferBasisPoints);
  const extra = divideCeiling(BigInt(buffered.amount - state.subtotal) * BigInt(10_000 + holdRate), 10_000n);
  return {
    ...priced,
    estimate: {
      grams: line.quantity.grams,
      bufferBasisPoints: context.weightBufferBasisPoints,
      authorizationAmount: buffered,
      authorizationTotal: money(taxed.gross.amount + toSafeInteger(extra), currency),
    },
  };
}

/** What a fee adds to the total: its amount, plus its tax when prices exclude tax. */
function grossOf(fee: PricedFee | undefined, mode: TaxMode): number {
  if (fee === undefined) return 0;
  return mode === 'exclusive' ? fee.amount.amount + fee.tax.amount.amount : fee.amount.amount;
}

function sum(amounts: readonly number[]): number {
  return toSafeInteger(amounts.reduce((total, amount) => total + BigInt(amount), 0n));
}

const QUANTITY_FOR: Record<PricingLine['soldBy'], LineQuantity['kind']> = {
  each: 'units',
  pack: 'units',
  weight: 'grams',
  volume: 'millilitres',
};

/** Refuses inputs that would make a price wrong rather than merely unusual. */
function checkInput(lines: readonly PricingLine[], context: PricingContext): void {
  const { currency } = context;
  money(0, currency);
  assertInteger('weightBufferBasisPoints', context.weightBufferBasisPoints, true);
  const sameCurrency = (m: Money | undefined) => {
    if (m !== undefined && m.currency !== currency) throw new CurrencyMismatchError(currency, m.currency);
  };
  unique(lines.map((l) => l.lineId), 'line id');
  for (const line of lines) {
    sameCurrency(line.unitPrice);
    assertInteger('unitPrice', line.unitPrice.amount, true);
    const { quantity } = line;
    if (QUANTITY_FOR[line.soldBy] !== quantity.kind) {
      throw new RangeError(`line ${line.lineId} is sold by ${line.soldBy}, so its quantity must be ${QUANTITY_FOR[line.soldBy]}, got ${quantity.kind}`);
    }
    const count = quantity.kind === 'units' ? quantity.count : quantity.kind === 'grams' ? quantity.grams : quantity.millilitres;
    assertInteger(quantity.kind, count, true);
    if (count === 0) throw new RangeError(`line ${line.lineId} has a quantity of zero ${quantity.kind}`);
  }
  unique(context.promotions.map((p) => p.id), 'promotion id');
  for (const { rule } of context.promotions) {
    if (rule.kind === 'fixed-off') sameCurrency(rule.amount);
    if (rule.kind === 'multi-buy' || rule.kind === 'bundle') sameCurrency(rule.price);
    if (rule.kind === 'spend-threshold') {
      sameCurrency(rule.minimumSpend);
      if (rule.reward.kind === 'fixed-off') sameCurrency(rule.reward.amount);
    }
    if (rule.kind === 'free-delivery') sameCurrency(rule.minimumSpend);
  }
  sameCurrency(context.fulfillment?.fee);
  if (context.fulfillment !== undefined) assertInteger('fee', context.fulfillment.fee.amount, true);
  sameCurrency(context.fulfillment?.minimumOrder);
  sameCurrency(context.loyalty?.policy.earn.per);
  sameCurrency(context.loyalty?.policy.redeem.value);
}

function unique(values: readonly string[], what: string): void {
  const seen = new Set<string>();
  for (const value of values) {
    if (seen.has(value)) throw new RangeError(`${what} ${value} appears twice`);
    seen.add(value);
  }
}
