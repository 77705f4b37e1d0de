import { describe, expect, it } from 'vitest';
import type { Cart } from '../../../shared/carts/model.js';
import { orderFromPricedCart } from '../../../shared/orders/from-cart.js';
import { priceCart } from '../../../shared/pricing/cart-pricing.js';
import { context, promotion, units, weighed } from '../pricing/cart-fixtures.js';

const MILK = '01JBQ8Y00000000000000000A1';
const CHEDDAR = '01JBQ8Y00000000000000000A2';
const AT = new Date('2025-06-15T12:00:00Z');

function aCart(overrides: Partial<Cart> = {}): Cart {
  const at = AT.toISOString();
  return {
    id: '01JBQ8Y00000000000000000C1',
    shopperId: 'shopper-1',
    storeId: 'store-1',
    currency: 'GBP',
    taxMode: 'inclusive',
    lines: [
      { lineId: MILK, sku: 'MILK-1', productId: '01JBQ8Y00000000000000000B1', quantity: { count: 2 }, substitution: 'none', addedAt: at },
      { lineId: CHEDDAR, sku: 'CHEDDAR-1', productId: '01JBQ8Y00000000000000000B2', quantity: { grams: 500 }, substitution: 'best-match', addedAt: at },
    ],
    coupons: ['TENOFF'],
    loyaltyPoints: 0,
    fulfillment: { mode: 'pickup', slotId: '2025-06-16T08:00Z~pickup' },
    status: 'held',
    version: 4,
    createdAt: at,
    updatedAt: at,
    expiresAt: '2025-07-15T12:00:00.000Z',
    ...overrides,
  };
}

const pricedFrom = [
  units(MILK, 125, 2, { sku: 'MILK-1', productId: '01JBQ8Y00000000000000000B1' }),
  weighed(CHEDDAR, 1200, 500, { sku: 'CHEDDAR-1', productId: '01JBQ8Y00000000000000000B2' }),
];
const tenOff = promotion('PROMO-10', { kind: 'percent-off', basisPoints: 1000 }, { kind: 'sku', skus: ['MILK-1'] }, { couponCode: 'TENOFF' });

function snapshot(cart: Cart) {
  const pricing = priceCart(pricedFrom, context({ promotions: [tenOff], appliedCoupons: ['TENOFF'], weightBufferBasisPoints: 1500 }));
  return { orderId: '01JBQ8Y0000000000000000001', cart, pricing, pricedFrom, names: new Map([['MILK-1', 'Milk']]), at: AT, actor: 'checkout' };
}

describe('orderFromPricedCart', () => {
  it('freezes each line, the totals and the authorization of the weighed line from the priced cart, pending at version 1', () => {
    const input = snapshot(aCart());
    const order = orderFromPricedCart(input, new Map([['TENOFF', 'PROMO-10']]));
    expect(order).toMatchObject({ id: input.orderId, shopperId: 'shopper-1', storeId: 'store-1', channel: 'online', cartId: aCart().id, status: 'pending', version: 1, statusHistory: [] });
    expect(order.lines[0]).toMatchObject({ sku: 'MILK-1', name: 'Milk', soldBy: 'each', quantity: { count: 2 }, unitPrice: 125, subtotal: 250, total: 225, substitution: 'none' });
    expect(order.lines[0]!.discounts).toEqual([{ promotionId: 'PROMO-10', name: 'Promotion PROMO-10', amount: 25 }]);
    expect(order.lines[1]).toMatchObject({ sku: 'CHEDDAR-1', name: 'CHEDDAR-1', soldBy: 'weight', quantity: { grams: 500 }, subtotal: 600, total: 600 });
    expect(order.lines[1]!.estimate).toEqual({ grams: 500, bufferBasisPoints: 1500, authorizationAmount: 690, authorizationTotal: 690 });
    expect(order.totals).toEqual({
      currency: 'GBP',
      taxMode: input.pricing.taxMode,
      subtotal: 850,
      discount: 25,
      tax: input.pricing.tax.amount,
      fees: 0,
      total: input.pricing.total.amount,
      authorizationTotal: input.pricing.authorizationTotal.amount,
    });
    expect(order.totals.authorizationTotal).toBeGreaterThan(order.totals.total);
    expect(order.promotions).toEqual([{ promotionId: 'PROMO-10', code: 'TENOFF', discount: 25 }]);
    expect(order.payment).toEqual({ authorized: 0, captured: 0, refunded: 0, status: 'none' });
    expect(order.fulfillment).toEqual({ mode: 'pickup', slotId: '2025-06-16T08:00Z~pickup' });
  });

  it('takes the delivery’s snapshot from the cart, its recipient with it, as a copy the cart no longer reaches', () => {
    const recipient = { name: 'Ada Lovelace', phone: '+447700900123', instructions: 'Side door' };
    const address = { line1: '2 Shopper Road', city: 'London', postcode: 'SE1 2BB', country: 'GB' };
    const cart = aCart({ fulfillment: { mode: 'delivery', slotId: '2025-06-16T08:00Z~delivery', address, recipient } });
    const order = orderFromPricedCart(snapshot(cart));
    expect(order.fulfillment).toEqual({ mode: 'delivery', slotId: '2025-06-16T08:00Z~delivery', address, recipient });
    recipient.phone = '+447700900999';
    expect(order.fulfillment).toMatchObject({ recipient: { phone: '+447700900123' } });
  });

  it('refuses a cart with no slot and a priced line the cart does not hold', () => {
    expect(() => orderFromPricedCart(snapshot(aCart({ fulfillment: undefined })))).toThrow('has no slot chosen');
    expect(() => orderFromPricedCart(snapshot(aCart({ lines: aCart().lines.slice(0, 1) })))).toThrow(`priced line ${CHEDDAR} is not a line of cart`);
  });
});
