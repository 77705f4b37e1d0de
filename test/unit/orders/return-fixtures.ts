import type { Order } from '../../../shared/orders/model.js';
import type { ReturnedGoods } from '../../../shared/orders/return-policy.js';
import { AT, anOrder } from './fixtures.js';

export const MILK = '01JBQ8Y00000000000000000A1';
export const CHEDDAR = '01JBQ8Y00000000000000000A2';
export const WASHING_UP = '01JBQ8Y00000000000000000A3';
export const WASHING_UP_PRODUCT = '01JBQ8Y00000000000000000B3';
export const SHIPMENT = '01JBQ8Y00000000000000000S1';

/** The catalog's facts about the fixture's products: milk and cheddar are fresh dairy, the washing-up liquid household goods. */
export const GOODS: ReadonlyMap<string, ReturnedGoods> = new Map([
  ['01JBQ8Y00000000000000000B1', { categoryPath: 'dairy-eggs/milk-cream', taxCategory: 'food' }],
  ['01JBQ8Y00000000000000000B2', { categoryPath: 'dairy-eggs/cheese', taxCategory: 'food' }],
  [WASHING_UP_PRODUCT, { categoryPath: 'household/cleaning', taxCategory: 'non-food' }],
]);

/**
 * A completed delivery order, received: two pints of milk (250, no VAT) and 540 g of cheddar picked for 500 ordered (648,
 * no VAT), packed chilled; three washing-up liquids (540, 90 of VAT at 20 %), packed ambient; a £3.99 delivery fee with
 * 67 of VAT; prices including tax. 1,837 captured, 157 of it tax. One own-van shipment, delivered at AT.
 */
export function aReceivedOrder(overrides: Partial<Order> = {}): Order {
  const base = anOrder();
  const [milk, cheddar] = base.lines;
  const at = AT.toISOString();
  return anOrder({
    lines: [
      { ...milk!, picked: { quantity: { count: 2 }, total: 250, tax: 0 } },
      { ...cheddar!, picked: { quantity: { grams: 540 }, total: 648, tax: 0 } },
      {
        lineId: WASHING_UP,
        sku: 'WASH-UP-500',
        productId: WASHING_UP_PRODUCT,
        name: 'Washing-up liquid 500 ml',
        soldBy: 'each',
        quantity: { count: 3 },
        unitPrice: 180,
        subtotal: 540,
        discounts: [],
        loyaltyRedemption: 0,
        tax: { rateBasisPoints: 2000, amount: 90 },
        total: 540,
        substitution: 'none',
        picked: { quantity: { count: 3 }, total: 540, tax: 90 },
      },
    ],
    totals: { currency: 'GBP', taxMode: 'inclusive', subtotal: 1390, discount: 0, tax: 157, fees: 399, total: 1789, authorizationTotal: 1879 },
    fulfillment: { mode: 'delivery', slotId: '2030-03-05T08:00Z~delivery', address: { line1: '1 Borough High St', city: 'London', postcode: 'SE1 9QQ', country: 'GB' } },
    payment: { intentId: 'pi_1', authorized: 1879, captured: 1837, refunded: 0, status: 'captured' },
    status: 'completed',
    statusHistory: [{ from: 'captured', to: 'completed', event: 'complete', at, actor: 'checkout-saga' }],
    fulfillmentStatus: 'delivered',
    packing: {
      zones: [
        { zone: 'chilled', bags: 1, lineIds: [MILK, CHEDDAR] },
        { zone: 'ambient', bags: 1, lineIds: [WASHING_UP] },
      ],
      bags: [
        { label: `${base.id}-C1/1`, zone: 'chilled', number: 1, of: 1 },
        { label: `${base.id}-A1/1`, zone: 'ambient', number: 1, of: 1 },
      ],
      packedAt: at,
      packedBy: 'pat',
    },
    shipments: [
      {
        id: SHIPMENT,
        carrier: 'own-van',
        trackingNumber: SHIPMENT,
        lines: [
          { lineId: MILK, sku: 'MILK-1', quantity: 2 },
          { lineId: CHEDDAR, sku: 'CHEDDAR-1', quantity: 540 },
          { lineId: WASHING_UP, sku: 'WASH-UP-500', quantity: 3 },
        ],
        stockMoves: [
          { lineId: MILK, sku: 'MILK-1', quantity: 2 },
          { lineId: CHEDDAR, sku: 'CHEDDAR-1', quantity: 540 },
          { lineId: WASHING_UP, sku: 'WASH-UP-500', quantity: 3 },
        ],
        status: 'delivered',
        attempt: 1,
        timeline: [
          { status: 'dispatched', at, actor: 'pat', attempt: 1 },
          { status: 'delivered', at, actor: 'dan', attempt: 1 },
        ],
        createdAt: at,
        updatedAt: at,
      },
    ],
    ...overrides,
  });
}
