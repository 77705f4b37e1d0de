import type { LoyaltyPolicy } from './loyalty.js';
import type { Money } from './money.js';
import type { Promotion } from './promotions.js';
import type { TaxCategory, TaxMode, TaxRateTable } from './tax.js';

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
    /** What this line contributes to the authorization: the buffered price less this line's discounts, with tax. */
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
  /** What to authorize on the card: total with each weighed line at its buffered estimate. */
  authorizationTotal: Money;
  minimumOrder?: { required: Money; met: boolean };
  /** Promotions considered but not applied, with why: for clear coupon errors. */
  rejected: RejectedPromotion[];
  /** Applied coupon codes that no promotion in the context carries. */
  unknownCoupons: string[];
}
