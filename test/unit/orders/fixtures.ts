import type { Order } from '../../../shared/orders/model.js';

export const AT = new Date('2030-03-04T09:00:00.000Z');

/** A pending online order of one fixed-price line and one weighed line, authorizable for 1,000 minor units. */
export function anOrder(overrides: Partial<Order> = {}): Order {
  const at = AT.toISOString();
  return {
    id: '01JBQ8Y0000000000000000001',
    shopperId: 'shopper-1',
    storeId: 'store-1',
    channel: 'online',
    lines: [
      {
        lineId: '01JBQ8Y00000000000000000A1',
        sku: 'MILK-1',
        productId: '01JBQ8Y00000000000000000B1',
        name: 'Milk',
        soldBy: 'each',
        quantity: { count: 2 },
        unitPrice: 125,
        subtotal: 250,
        discounts: [],
        loyaltyRedemption: 0,
        tax: { rateBasisPoints: 0, amount: 0 },
        total: 250,
        substitution: 'none',
      },
      {
        lineId: '01JBQ8Y00000000000000000A2',
        sku: 'CHEDDAR-1',
        productId: '01JBQ8Y00000000000000000B2',
        name: 'Cheddar',
        soldBy: 'weight',
        quantity: { grams: 500 },
        unitPrice: 1200,
        subtotal: 600,
        discounts: [],
        loyaltyRedemption: 0,
        tax: { rateBasisPoints: 0, amount: 0 },
        total: 600,
        substitution: 'best-match',
        estimate: { grams: 500, bufferBasisPoints: 1500, authorizationAmount: 690, authorizationTotal: 690 },
      },
    ],
    totals: { currency: 'GBP', taxMode: 'inclusive', subtotal: 850, discount: 0, tax: 0, fees: 150, total: 1000, authorizationTotal: 1090 },
    fulfillment: { mode: 'pickup', slotId: '2030-03-05T08:00Z~pickup' },
    payment: { authorized: 0, captured: 0, refunded: 0, status: 'none' },
    promotions: [],
    loyalty: { pointsRedeemed: 0, redemptionAmount: 0, pointsEarned: 0 },
    status: 'pending',
    statusHistory: [],
    version: 1,
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
}
