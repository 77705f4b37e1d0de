import type { Cart } from '../carts/model.js';
import type { PricedCart, PricingLine } from '../pricing/cart-pricing.js';
import type { Order, OrderFulfillment, OrderLine, PromotionRedemption } from './model.js';
import { Order as OrderSchema } from './model.js';

/** What an online order is frozen from: the cart, its price, and the facts pricing does not carry. */
export interface CheckoutSnapshot {
  orderId: string;
  cart: Cart;
  pricing: PricedCart;
  /** The lines as they were handed to pricing (`CartPricing.pricedFrom`): product ids and how each is sold. */
  pricedFrom: readonly PricingLine[];
  /** Product names by SKU, as the shopper saw them. */
  names: ReadonlyMap<string, string>;
  at: Date;
  actor: string;
}

function fulfillmentOf(cart: Cart): OrderFulfillment {
  if (cart.fulfillment === undefined) throw new RangeError(`cart ${cart.id} has no slot chosen, so it cannot become an order`);
  return cart.fulfillment;
}

/** Each promotion once, with what it took off the lines; a fee waiver takes nothing off the lines. */
function redemptions(pricing: PricedCart, coupons: readonly string[], codes: ReadonlyMap<string, string>): PromotionRedemption[] {
  const taken = new Map<string, number>();
  for (const line of pricing.lines) {
    for (const d of line.discounts) taken.set(d.promotionId, (taken.get(d.promotionId) ?? 0) + d.amount.amount);
  }
  for (const fee of pricing.fees) {
    if (fee.waivedBy !== undefined && fee.waivedBy !== 'delivery-pass' && !taken.has(fee.waivedBy)) taken.set(fee.waivedBy, 0);
  }
  return [...taken].map(([promotionId, discount]) => {
    const code = codes.get(promotionId);
    return { promotionId, ...(code !== undefined && coupons.includes(code) ? { code } : {}), discount };
  });
}

/**
 * A new online order, `pending`, with every line and amount frozen from a priced cart. Lines the cart holds but pricing
 * left out (no longer sold) are not ordered. Pure.
 *
 * @param couponPromotions the promotion id each applied coupon code unlocked, to record which code redeemed what
 * @throws RangeError when the cart has no slot, or a priced line is not a line of the cart or of `pricedFrom`
 * @throws ZodError when the result is not a valid order (e.g. no line could be priced)
 */
export function orderFromPricedCart(snapshot: CheckoutSnapshot, couponPromotions: ReadonlyMap<string, string> = new Map()): Order {
  const { cart, pricing, at } = snapshot;
  const cartLines = new Map(cart.lines.map((line) => [line.lineId, line]));
  const inputs = new Map(snapshot.pricedFrom.map((line) => [line.lineId, line]));
  const lines: OrderLine[] = pricing.lines.map((priced) => {
    const cartLine = cartLines.get(priced.lineId);
    const input = inputs.get(priced.lineId);
    if (cartLine === undefined || input === undefined) throw new RangeError(`priced line ${priced.lineId} is not a line of cart ${cart.id}`);
    return {
      lineId: priced.lineId,
      sku: priced.sku,
      productId: input.productId,
      name: snapshot.names.get(priced.sku) ?? priced.sku,
      soldBy: input.soldBy,
      quantity: cartLine.quantity,
      unitPrice: priced.unitPrice.amount,
      subtotal: priced.subtotal.amount,
      discounts: priced.discounts.map((d) => ({ promotionId: d.promotionId, name: d.name, amount: d.amount.amount })),
      loyaltyRedemption: priced.loyaltyRedemption.amount,
      tax: { rateBasisPoints: priced.tax.rateBasisPoints, amount: priced.tax.amount.amount },
      total: priced.total.amount,
      substitution: cartLine.substitution,
      ...(cartLine.substituteSku === undefined ? {} : { substituteSku: cartLine.substituteSku }),
      ...(priced.estimate === undefined
        ? {}
        : {
            estimate: {
              grams: priced.estimate.grams,
              bufferBasisPoints: priced.estimate.bufferBasisPoints,
              authorizationAmount: priced.estimate.authorizationAmount.amount,
              authorizationTotal: priced.estimate.authorizationTotal.amount,
            },
          }),
    };
  });
  const codes = new Map([...couponPromotions].map(([code, promotionId]) => [promotionId, code]));
  const when = at.toISOString();
  return OrderSchema.parse({
    id: snapshot.orderId,
    shopperId: cart.shopperId,
    storeId: cart.storeId,
    channel: 'online',
    cartId: cart.id,
    lines,
    totals: {
      currency: pricing.currency,
      taxMode: pricing.taxMode,
      subtotal: pricing.subtotal.amount,
      discount: pricing.discountTotal.amount,
      tax: pricing.tax.amount,
      fees: pricing.fees.reduce((sum, fee) => sum + fee.amount.amount, 0),
      total: pricing.total.amount,
      authorizationTotal: pricing.authorizationTotal.amount,
    },
    fulfillment: fulfillmentOf(cart),
    payment: { authorized: 0, captured: 0, refunded: 0, status: 'none' },
    promotions: redemptions(pricing, cart.coupons, codes),
    loyalty: { pointsRedeemed: pricing.loyalty.pointsRedeemed, redemptionAmount: pricing.loyalty.redemptionAmount.amount, pointsEarned: pricing.loyalty.pointsEarned },
    status: 'pending',
    statusHistory: [],
    version: 1,
    createdAt: when,
    updatedAt: when,
  } satisfies Order);
}
