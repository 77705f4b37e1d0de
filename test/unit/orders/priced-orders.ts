import fc from 'fast-check';
import type { Cart, LineQuantity } from '../../../shared/carts/model.js';
import { orderFromPricedCart } from '../../../shared/orders/from-cart.js';
import type { Order, PickedLine } from '../../../shared/orders/model.js';
import { type PricingLine, priceCart } from '../../../shared/pricing/cart-pricing.js';
import { context, gbp, promotion } from '../pricing/cart-fixtures.js';

/**
 * Random orders priced by the real `priceCart` (either tax mode, rates per category, a percentage promotion, a fee or
 * none), picked (as ordered, short, or nothing of a line) and captured for what the picks and the fee come to: what the
 * books, the invoice, refunds and returns are computed from.
 */

const AT = new Date('2025-06-15T12:00:00Z');
const ulid = (i: number) => `01JBQ8Y0000000000000000${String(i).padStart(3, '0')}`;

function cartQuantity(quantity: PricingLine['quantity']): LineQuantity {
  if (quantity.kind === 'units') return { count: quantity.count };
  if (quantity.kind === 'grams') return { grams: quantity.grams };
  return { millilitres: quantity.millilitres };
}

const lineArb = fc
  .record({
    kind: fc.constantFrom('units' as const, 'grams' as const, 'millilitres' as const),
    amount: fc.integer({ min: 1, max: 3000 }),
    count: fc.integer({ min: 1, max: 6 }),
    price: fc.integer({ min: 0, max: 4000 }),
    taxCategory: fc.constantFrom('food' as const, 'non-food' as const, 'alcohol' as const),
  })
  .map(({ kind, amount, count, price, taxCategory }): Omit<PricingLine, 'lineId' | 'sku' | 'productId'> => {
    const base = { categoryIds: [], taxCategory, unitPrice: gbp(price) };
    if (kind === 'units') return { ...base, soldBy: 'each', quantity: { kind, count } };
    if (kind === 'grams') return { ...base, soldBy: 'weight', quantity: { kind, grams: amount } };
    return { ...base, soldBy: 'volume', quantity: { kind, millilitres: amount } };
  });

/** A checked-out order, not picked yet: 1 to 5 lines, either tax mode, a fee or none. */
export const checkedOutOrderArb: fc.Arbitrary<Order> = fc
  .record({
    lines: fc.array(lineArb, { minLength: 1, maxLength: 5 }),
    taxMode: fc.constantFrom('exclusive' as const, 'inclusive' as const),
    rates: fc.tuple(fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 0, max: 3000 })),
    percentOff: fc.option(fc.integer({ min: 1, max: 5000 }), { nil: undefined }),
    fee: fc.option(fc.integer({ min: 1, max: 800 }), { nil: undefined }),
  })
  .map(({ lines, taxMode, rates, percentOff, fee }) => {
    const at = AT.toISOString();
    const pricingLines: PricingLine[] = lines.map((shape, i) => ({ ...shape, lineId: ulid(i + 1), sku: `SKU-${i}`, productId: ulid(500 + i) }));
    const pricing = context({
      taxMode,
      taxRates: { GB: { food: rates[0], 'non-food': rates[1], alcohol: rates[2] } },
      promotions: percentOff === undefined ? [] : [promotion('PROMO-1', { kind: 'percent-off', basisPoints: percentOff })],
      ...(fee === undefined ? {} : { fulfillment: { mode: 'delivery', fee: gbp(fee), minimumOrder: gbp(0) } }),
    });
    const cart: Cart = {
      id: ulid(900),
      shopperId: 'shopper-1',
      storeId: 'store-1',
      currency: 'GBP',
      taxMode,
      lines: pricingLines.map((line) => ({ lineId: line.lineId, sku: line.sku, productId: line.productId, quantity: cartQuantity(line.quantity), substitution: 'none', addedAt: at })),
      coupons: [],
      loyaltyPoints: 0,
      fulfillment: { mode: 'pickup', slotId: '2025-06-16T08:00Z~pickup' },
      status: 'held',
      version: 1,
      createdAt: at,
      updatedAt: at,
      expiresAt: '2025-07-15T12:00:00.000Z',
    };
    const priced = priceCart(pricingLines, pricing);
    return orderFromPricedCart({ orderId: ulid(1), cart, pricing: priced, pricedFrom: pricingLines, names: new Map(), at: AT, actor: 'checkout' });
  });

/** `amount` × part / whole, rounded half up, as picking prorates a line. */
const prorate = (amount: number, part: number, whole: number) => Math.floor((2 * amount * part + whole) / (2 * whole));

/** What was handed over of one line: all of it, part of a counted line (prorated as picking does), or nothing. */
function pickedArb(line: Order['lines'][number]): fc.Arbitrary<PickedLine> {
  const all = fc.constant<PickedLine>({ quantity: line.quantity, total: line.total, tax: line.tax.amount });
  const nothing = fc.constant<PickedLine>({ total: 0, tax: 0 });
  const { quantity } = line;
  if (!('count' in quantity) || 'grams' in quantity) return fc.oneof(all, nothing);
  const some = fc
    .integer({ min: 1, max: quantity.count })
    .map((count) => ({ quantity: { count }, total: prorate(line.total, count, quantity.count), tax: prorate(line.tax.amount, count, quantity.count) }));
  return fc.oneof(all, some, nothing);
}

/** A completed order: picked (as ordered, short or not at all, line by line) and captured for what the picks and the fee come to. */
export const completedOrderArb: fc.Arbitrary<Order> = checkedOutOrderArb.chain((order) =>
  fc.tuple(...order.lines.map(pickedArb)).map((picks) => {
    const lines = order.lines.map((line, i) => ({ ...line, picked: picks[i]! }));
    const feeTax = order.totals.tax - order.lines.reduce((sum, line) => sum + line.tax.amount, 0);
    const fee = order.totals.taxMode === 'exclusive' ? order.totals.fees + feeTax : order.totals.fees;
    const captured = lines.reduce((sum, line) => sum + line.picked.total, fee);
    return {
      ...order,
      lines,
      payment: { intentId: 'pi_1', authorized: Math.max(captured, order.totals.authorizationTotal), captured, refunded: 0, status: 'captured' as const },
      status: 'completed' as const,
    };
  }),
);
