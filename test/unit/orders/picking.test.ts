import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Cart, LineQuantity, Substitution } from '../../../shared/carts/model.js';
import { ValidationError } from '../../../shared/errors.js';
import { orderFromPricedCart } from '../../../shared/orders/from-cart.js';
import type { Order } from '../../../shared/orders/model.js';
import { MAX_PICK_LINES, type LinePick, PickRequest, type SubstituteTerms, amountDue, orderedPrice, pricePicks, protectedPrice, substitutePrice } from '../../../shared/orders/picking.js';
import { decideProposal } from '../../../shared/orders/substitutions.js';
import { type PricingContext, type PricingLine, priceCart } from '../../../shared/pricing/cart-pricing.js';
import type { Promotion, PromotionTarget } from '../../../shared/pricing/promotions.js';
import { POLICY, context, gbp, promotion, units, weighed } from '../pricing/cart-fixtures.js';
import { anOrder } from './fixtures.js';

const RUNS = { numRuns: 150 };
const AT = new Date('2025-06-15T12:00:00Z');
const MILK = '01JBQ8Y00000000000000000A1';
const CHEDDAR = '01JBQ8Y00000000000000000A2';
const UNKNOWN = '01JBQ8Y00000000000000000ZZ';

/** Order line ids are ULIDs; these are, in index order. */
const lineId = (i: number) => `01JBQ8Y0000000000000000${String(i).padStart(3, '0')}`;

function cartQuantity(quantity: PricingLine['quantity']): LineQuantity {
  switch (quantity.kind) {
    case 'units':
      return { count: quantity.count };
    case 'grams':
      return { grams: quantity.grams };
    case 'millilitres':
      return { millilitres: quantity.millilitres };
  }
}

/** An order checked out from `lines` priced in `pricing`, each line with the given substitution preference. */
function orderOf(lines: readonly PricingLine[], pricing: PricingContext, substitution: (i: number) => Substitution = () => 'best-match'): Order {
  const at = AT.toISOString();
  const cart: Cart = {
    id: '01JBQ8Y00000000000000000C1',
    shopperId: 'shopper-1',
    storeId: 'store-1',
    currency: 'GBP',
    taxMode: pricing.taxMode,
    lines: lines.map((line, i) => ({ lineId: line.lineId, sku: line.sku, productId: line.productId, quantity: cartQuantity(line.quantity), substitution: substitution(i), addedAt: at })),
    coupons: [],
    loyaltyPoints: 0,
    fulfillment: { mode: 'pickup', slotId: '2025-06-16T08:00Z~pickup' },
    status: 'held',
    version: 1,
    createdAt: at,
    updatedAt: at,
    expiresAt: '2025-07-15T12:00:00.000Z',
  };
  const priced = priceCart(lines, pricing);
  return orderFromPricedCart({ orderId: '01JBQ8Y0000000000000000001', cart, pricing: priced, pricedFrom: lines, names: new Map(), at: AT, actor: 'checkout' });
}

/** Product ids must be ULIDs in an order; the fixtures' are not. */
const asOrderLine = (line: PricingLine, i: number): PricingLine => ({ ...line, productId: lineId(500 + i) });

/** Every line handed over exactly as ordered. */
const asOrdered = (order: Order): LinePick[] => order.lines.map((line) => ({ lineId: line.lineId, quantity: line.quantity }));

/** The field errors a call throws, or a failure when it does not throw a ValidationError. */
function fieldsOf(call: () => unknown): { field: string; message: string }[] {
  try {
    call();
  } catch (error) {
    if (error instanceof ValidationError) return error.fields ?? [];
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('PickRequest', () => {
  const pick = { lineId: MILK, quantity: { count: 1 } };

  it('takes a line handed over, one not handed over and a substitute', () => {
    const body = { lines: [pick, { lineId: CHEDDAR }, { lineId: UNKNOWN, quantity: { grams: 480 }, substitute: { sku: 'GOUDA-1', productId: UNKNOWN, name: 'Gouda' } }] };
    expect(PickRequest.parse(body)).toEqual(body);
  });

  it('is strict, needs a line and takes no more than the limit', () => {
    expect(PickRequest.safeParse({ lines: [{ ...pick, price: 1 }] }).success).toBe(false);
    expect(PickRequest.safeParse({ lines: [{ ...pick, substitute: { sku: 'GOUDA-1', productId: UNKNOWN, name: 'Gouda', price: 1 } }] }).success).toBe(false);
    expect(PickRequest.safeParse({ lines: [pick], note: 'x' }).success).toBe(false);
    expect(PickRequest.safeParse({ lines: [] }).success).toBe(false);
    expect(PickRequest.safeParse({ lines: [{ lineId: MILK, quantity: { count: 0 } }] }).success).toBe(false);
    expect(PickRequest.safeParse({ lines: Array.from({ length: MAX_PICK_LINES }, () => pick) }).success).toBe(true);
    expect(PickRequest.safeParse({ lines: Array.from({ length: MAX_PICK_LINES + 1 }, () => pick) }).success).toBe(false);
  });
});

describe('pricePicks', () => {
  it('charges the order total when everything is handed over as ordered, against the hold while nothing is authorized', () => {
    const outcome = pricePicks(anOrder(), asOrdered(anOrder()));
    expect(outcome).toEqual({
      lines: [
        { lineId: MILK, quantity: { count: 2 }, total: 250, tax: 0 },
        { lineId: CHEDDAR, quantity: { grams: 500 }, total: 600, tax: 0 },
      ],
      finalTotal: 1000,
      exceedsAuthorization: false,
      authorized: 1090,
    });
  });

  it('reprices a weighed line at the picked grams and says when that is more than the authorization', () => {
    const picks = (grams: number) => [{ lineId: MILK, quantity: { count: 2 } }, { lineId: CHEDDAR, quantity: { grams } }];
    expect(pricePicks(anOrder(), picks(575))).toMatchObject({ finalTotal: 250 + 690 + 150, exceedsAuthorization: false });
    expect(pricePicks(anOrder(), picks(576))).toMatchObject({ finalTotal: 250 + 691 + 150, exceedsAuthorization: true, authorized: 1090 });
    expect(pricePicks(anOrder(), picks(420)).lines[1]).toEqual({ lineId: CHEDDAR, quantity: { grams: 420 }, total: 504, tax: 0 });
  });

  it('compares with the authorized amount once there is one', () => {
    const order = anOrder({ payment: { intentId: 'pi_1', authorized: 1200, captured: 0, refunded: 0, status: 'authorized' } });
    const outcome = pricePicks(order, [{ lineId: MILK, quantity: { count: 2 } }, { lineId: CHEDDAR, quantity: { grams: 600 } }]);
    expect(outcome).toMatchObject({ finalTotal: 1120, exceedsAuthorization: false, authorized: 1200 });
  });

  it('keeps a weighed line’s discounts as amounts and taxes what is left on top of it when prices exclude tax', () => {
    const off = promotion('PROMO-50', { kind: 'fixed-off', amount: gbp(50), per: 'order' }, { kind: 'sku', skus: ['HAM-1'] });
    const order = orderOf([weighed(CHEDDAR, 1000, 500, { sku: 'HAM-1', productId: UNKNOWN, taxCategory: 'non-food' })], context({ promotions: [off] }));
    expect(order.lines[0]).toMatchObject({ subtotal: 500, total: 540, tax: { rateBasisPoints: 2000, amount: 90 } });
    const at = (grams: number) => pricePicks(order, [{ lineId: CHEDDAR, quantity: { grams } }]).lines[0];
    expect(at(500)).toMatchObject({ total: 540, tax: 90 });
    expect(at(600)).toMatchObject({ total: 660, tax: 110 });
    expect(at(503)).toMatchObject({ total: 544, tax: 91 });
    expect(at(40)).toMatchObject({ total: 0, tax: 0 });
  });

  it('takes the tax out of a weighed line’s total when prices include tax', () => {
    const order = orderOf([weighed(CHEDDAR, 1000, 600, { sku: 'HAM-1', productId: UNKNOWN, taxCategory: 'non-food' })], context({ taxMode: 'inclusive' }));
    expect(order.lines[0]).toMatchObject({ total: 600, tax: { amount: 100 } });
    expect(pricePicks(order, [{ lineId: CHEDDAR, quantity: { grams: 601 } }]).lines[0]).toMatchObject({ total: 601, tax: 100 });
    expect(pricePicks(order, [{ lineId: CHEDDAR, quantity: { grams: 605 } }]).lines[0]).toMatchObject({ total: 605, tax: 101 });
  });

  it('takes a weighed line asked for as a count in grams, keeping the count that came with them', () => {
    const base = anOrder();
    const cheddar = { ...base.lines[1]!, quantity: { count: 3, grams: 500 } };
    const order = anOrder({ lines: [base.lines[0]!, cheddar] });
    const outcome = pricePicks(order, [{ lineId: MILK, quantity: { count: 2 } }, { lineId: CHEDDAR, quantity: { count: 3, grams: 540 } }]);
    expect(outcome.lines[1]).toEqual({ lineId: CHEDDAR, quantity: { count: 3, grams: 540 }, total: 648, tax: 0 });
  });

  it('charges part of a counted line its share of the line’s total and tax, rounded half up', () => {
    const order = orderOf([units(MILK, 333, 3, { sku: 'SOAP-1', productId: UNKNOWN, taxCategory: 'non-food' })], context());
    expect(order.lines[0]).toMatchObject({ total: 1199, tax: { amount: 200 } });
    const of = (count: number) => pricePicks(order, [{ lineId: MILK, quantity: { count } }]).lines[0];
    expect(of(3)).toMatchObject({ total: 1199, tax: 200 });
    expect(of(2)).toMatchObject({ total: 799, tax: 133 });
    expect(of(1)).toMatchObject({ total: 400, tax: 67 });
    const halves = anOrder({ lines: [{ ...anOrder().lines[0]!, total: 251, tax: { rateBasisPoints: 2000, amount: 41 } }, anOrder().lines[1]!] });
    expect(pricePicks(halves, [{ lineId: MILK, quantity: { count: 1 } }, { lineId: CHEDDAR, quantity: { grams: 500 } }]).lines[0]).toMatchObject({
      total: 126,
      tax: 21,
    });
  });

  it('charges part of a volume line its share by millilitres', () => {
    const order = orderOf([units(MILK, 200, 1, { sku: 'OIL-1', productId: UNKNOWN, soldBy: 'volume', quantity: { kind: 'millilitres', millilitres: 1500 } })], context());
    expect(order.lines[0]).toMatchObject({ quantity: { millilitres: 1500 }, total: 300 });
    expect(pricePicks(order, [{ lineId: MILK, quantity: { millilitres: 1000 } }]).lines[0]).toMatchObject({ total: 200, tax: 0 });
  });

  it('charges nothing for a line not handed over', () => {
    const outcome = pricePicks(anOrder(), [{ lineId: MILK }, { lineId: CHEDDAR, quantity: { grams: 500 } }]);
    expect(outcome.lines[0]).toEqual({ lineId: MILK, total: 0, tax: 0 });
    expect(outcome.finalTotal).toBe(600 + 150);
  });

  describe('a substitute', () => {
    const substitute = { sku: 'GOUDA-1', productId: UNKNOWN, name: 'Gouda' };
    const terms = (unitPrice: number, extra: Partial<SubstituteTerms> = {}): Map<string, SubstituteTerms> =>
      new Map([[CHEDDAR, { substitute, unitPrice, acceptedAtCutoff: true, proposedAt: AT.toISOString(), respondBy: '2025-06-15T12:30:00.000Z', ...extra }]]);
    const picks = [{ lineId: MILK, quantity: { count: 2 } }, { lineId: CHEDDAR, quantity: { grams: 450 }, substitute }];

    it('is proposed at its own price, charged the protected price until the shopper answers: a cheaper one its own', () => {
      const outcome = pricePicks(anOrder(), picks, terms(1000));
      expect(outcome.lines[1]).toEqual({
        lineId: CHEDDAR,
        quantity: { grams: 450 },
        substitute,
        total: 450,
        tax: 0,
        proposal: {
          substitute,
          quantity: { grams: 450 },
          unitPrice: 1000,
          price: { total: 450, tax: 0 },
          protectedPrice: { total: 450, tax: 0 },
          acceptedAtCutoff: true,
          status: 'proposed',
          proposedAt: AT.toISOString(),
          respondBy: '2025-06-15T12:30:00.000Z',
        },
      });
      expect(outcome.finalTotal).toBe(250 + 450 + 150);
    });

    it('costs no more than the ordered product at that quantity unless the shopper accepts its price', () => {
      const line = pricePicks(anOrder(), picks, terms(1500)).lines[1]!;
      expect(line.proposal).toMatchObject({ price: { total: 675, tax: 0 }, protectedPrice: { total: 540, tax: 0 } });
      expect(line.total).toBe(540);
      expect(decideProposal(line, true, 'shopper', AT.toISOString())).toMatchObject({ quantity: { grams: 450 }, substitute, total: 675 });
      expect(decideProposal(line, true, 'cut-off', AT.toISOString())).toMatchObject({ quantity: { grams: 450 }, substitute, total: 540 });
      expect(decideProposal(line, false, 'shopper', AT.toISOString())).toEqual({ total: 0, tax: 0, proposal: { ...line.proposal, status: 'rejected', decidedAt: AT.toISOString(), decidedBy: 'shopper' } });
    });

    it('proposed at or after its cut-off is decided at once by what the preference accepts', () => {
      const late = { respondBy: AT.toISOString() };
      expect(pricePicks(anOrder(), picks, terms(1500, late)).lines[1]).toMatchObject({ total: 540, proposal: { status: 'accepted', decidedBy: 'cut-off' } });
      const refused = pricePicks(anOrder(), picks, terms(1500, { ...late, acceptedAtCutoff: false }));
      expect(refused.lines[1]).toMatchObject({ total: 0, tax: 0, proposal: { status: 'rejected', decidedBy: 'cut-off' } });
      expect(refused.lines[1]).not.toHaveProperty('quantity');
      expect(refused.finalTotal).toBe(250 + 150);
    });

    it('needs its terms, which the caller reads from the catalog', () => {
      expect(() => pricePicks(anOrder(), picks)).toThrow(RangeError);
    });
  });

  it('says what an order comes to: as ordered before picking, as picked and decided after', () => {
    const order = anOrder();
    expect(amountDue(order)).toBe(1000);
    const outcome = pricePicks(order, [{ lineId: MILK, quantity: { count: 1 } }, { lineId: CHEDDAR, quantity: { grams: 500 } }]);
    const picked = { ...order, lines: order.lines.map((line, i) => ({ ...line, picked: outcome.lines[i]! })) };
    expect(amountDue(picked)).toBe(outcome.finalTotal);
    expect(amountDue(picked)).toBe(125 + 600 + 150);
  });

  it('adds the fee with its tax when prices exclude tax, so that picking as ordered charges the order total', () => {
    const fee = { mode: 'pickup' as const, fee: gbp(150), minimumOrder: gbp(0) };
    const order = orderOf([units(MILK, 125, 2, { productId: UNKNOWN, taxCategory: 'non-food' })], context({ fulfillment: fee }));
    expect(order.totals).toMatchObject({ fees: 150, tax: 50 + 30, total: 300 + 180 });
    expect(pricePicks(order, asOrdered(order)).finalTotal).toBe(480);
    expect(pricePicks(order, [{ lineId: MILK }]).finalTotal).toBe(180);
  });

  describe('refuses, naming each field', () => {
    const milk = { lineId: MILK, quantity: { count: 2 } };
    const cheddar = { lineId: CHEDDAR, quantity: { grams: 500 } };

    it('a line the order does not have, a line reported twice, and lines not reported', () => {
      expect(fieldsOf(() => pricePicks(anOrder(), [milk, cheddar, { lineId: UNKNOWN }]))).toEqual([
        { field: 'body.lines.2.lineId', message: `line ${UNKNOWN} is not a line of order ${anOrder().id}` },
      ]);
      expect(fieldsOf(() => pricePicks(anOrder(), [milk, cheddar, { lineId: MILK }]))).toEqual([
        { field: 'body.lines.2.lineId', message: `line ${MILK} is already reported at body.lines.0` },
      ]);
      expect(fieldsOf(() => pricePicks(anOrder(), [milk]))).toEqual([
        { field: 'body.lines', message: `every line of the order must be reported once; missing ${CHEDDAR}` },
      ]);
    });

    it('a quantity in another unit than the line’s', () => {
      expect(fieldsOf(() => pricePicks(anOrder(), [milk, { lineId: CHEDDAR, quantity: { count: 1 } }]))).toEqual([
        { field: 'body.lines.1.quantity', message: `line ${CHEDDAR} (CHEDDAR-1) is weighed: report grams` },
      ]);
      expect(fieldsOf(() => pricePicks(anOrder(), [{ lineId: MILK, quantity: { grams: 200 } }, cheddar]))[0]?.field).toBe('body.lines.0.quantity');
      expect(fieldsOf(() => pricePicks(anOrder(), [{ lineId: MILK, quantity: { count: 1, grams: 200 } }, cheddar]))[0]?.field).toBe('body.lines.0.quantity');
      expect(fieldsOf(() => pricePicks(anOrder(), [{ lineId: MILK, quantity: { millilitres: 200 } }, cheddar]))).toEqual([
        { field: 'body.lines.0.quantity', message: `line ${MILK} (MILK-1) is counted: report a count` },
      ]);
    });

    it('more of a counted or volume line than was ordered', () => {
      expect(fieldsOf(() => pricePicks(anOrder(), [{ lineId: MILK, quantity: { count: 3 } }, cheddar]))).toEqual([
        { field: 'body.lines.0.quantity', message: `line ${MILK} (MILK-1) is for 2: no more than that can be handed over` },
      ]);
      const oil = orderOf([units(MILK, 200, 1, { sku: 'OIL-1', productId: UNKNOWN, soldBy: 'volume', quantity: { kind: 'millilitres', millilitres: 1500 } })], context());
      expect(fieldsOf(() => pricePicks(oil, [{ lineId: MILK, quantity: { millilitres: 1501 } }]))[0]?.field).toBe('body.lines.0.quantity');
    });

    it('a substitute with nothing handed over', () => {
      const substitute = { sku: 'OATMILK-1', productId: UNKNOWN, name: 'Oat milk' };
      expect(fieldsOf(() => pricePicks(anOrder(), [milk, { lineId: CHEDDAR, substitute }]))).toEqual([
        { field: 'body.lines.1.substitute', message: 'a substitute needs the quantity handed over' },
      ]);
    });

    it('every problem at once', () => {
      const fields = fieldsOf(() => pricePicks(anOrder(), [{ lineId: MILK, quantity: { count: 5 } }, { lineId: MILK }, { lineId: UNKNOWN }]));
      expect(fields.map((f) => f.field)).toEqual(['body.lines.0.quantity', 'body.lines.1.lineId', 'body.lines.2.lineId', 'body.lines']);
    });
  });
});

/** A line of a random cart: counted, weighed or by volume, in any tax category. */
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

const SKUS = ['SKU-A', 'SKU-B', 'SKU-C'];

/** Discounts whose amounts pricing sizes from the lines: by percentage, fixed (per order or item) and on a threshold. */
const promotionsArb: fc.Arbitrary<Promotion[]> = fc
  .array(
    fc.oneof(
      fc.integer({ min: 1, max: 10_000 }).map((basisPoints) => ({ kind: 'percent-off', basisPoints })),
      fc.record({ kind: fc.constant('fixed-off'), amount: fc.integer({ min: 1, max: 1500 }).map(gbp), per: fc.constantFrom('order', 'item') }),
      fc.record({ kind: fc.constant('spend-threshold'), minimumSpend: fc.integer({ min: 1, max: 4000 }).map(gbp), reward: fc.constant({ kind: 'percent-off', basisPoints: 1000 }) }),
    ),
    { maxLength: 3 },
  )
  .chain((rules) =>
    fc.tuple(...rules.map(() => fc.oneof(fc.constant<PromotionTarget>({ kind: 'cart' }), fc.subarray(SKUS, { minLength: 1 }).map((skus): PromotionTarget => ({ kind: 'sku', skus }))))).map((targets) =>
      rules.map((rule, i) => promotion(`PROMO-${i}`, rule, targets[i])),
    ),
  );


const orderArb: fc.Arbitrary<Order> = fc
  .record({
    lines: fc.array(fc.tuple(lineArb, fc.constantFrom(...SKUS)), { minLength: 1, maxLength: 5 }),
    promotions: promotionsArb,
    taxMode: fc.constantFrom('exclusive' as const, 'inclusive' as const),
    rates: fc.tuple(fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 0, max: 3000 })),
    buffer: fc.integer({ min: 0, max: 3000 }),
    fee: fc.option(fc.integer({ min: 0, max: 800 }), { nil: undefined }),
    points: fc.option(fc.integer({ min: 0, max: 3000 }), { nil: undefined }),
    substitution: fc.array(fc.constantFrom<Substitution>('none', 'same-brand', 'best-match'), { minLength: 5, maxLength: 5 }),
  })
  .map(({ lines, promotions, taxMode, rates, buffer, fee, points, substitution }) => {
    const pricingLines = lines.map(([shape, sku], i) => asOrderLine({ ...shape, lineId: lineId(i), sku, productId: '' }, i));
    return orderOf(
      pricingLines,
      context({
        taxMode,
        taxRates: { GB: { food: rates[0], 'non-food': rates[1], alcohol: rates[2] } },
        weightBufferBasisPoints: buffer,
        promotions,
        ...(fee === undefined ? {} : { fulfillment: { mode: 'pickup', fee: gbp(fee), minimumOrder: gbp(0) } }),
        ...(points === undefined ? {} : { loyalty: { balance: points, pointsToRedeem: points, policy: POLICY } }),
      }),
      (i) => substitution[i] ?? 'best-match',
    );
  });

/** The most a weighed line may weigh and still be covered by the hold: its estimate plus the buffer, rounded down. */
const heaviestCovered = (grams: number, buffer: number) => Math.floor((grams * (10_000 + buffer)) / 10_000);

/** A pick of one order line: nothing, or up to what was ordered (counted, volume) or up to the buffer (weighed). */
function pickArb(line: Order['lines'][number]): fc.Arbitrary<LinePick> {
  const { quantity, estimate } = line;
  const nothing = fc.constant<LinePick>({ lineId: line.lineId });
  let handedOver: fc.Arbitrary<LineQuantity>;
  if ('grams' in quantity) {
    const most = heaviestCovered(estimate?.grams ?? quantity.grams, estimate?.bufferBasisPoints ?? 0);
    // The heaviest covered pick is where a hold one unit short would show, so it comes up often.
    handedOver = fc.oneof(fc.constant(most), fc.integer({ min: 1, max: most })).map((grams) => ({ grams }));
  } else if ('millilitres' in quantity) {
    handedOver = fc.integer({ min: 1, max: quantity.millilitres }).map((millilitres) => ({ millilitres }));
  } else {
    handedOver = fc.integer({ min: 1, max: quantity.count }).map((count) => ({ count }));
  }
  return fc.oneof(nothing, handedOver.map((q) => ({ lineId: line.lineId, quantity: q })));
}

const picksArb = (order: Order) => fc.tuple(...order.lines.map(pickArb));

describe('pricePicks properties', () => {
  it('charges exactly the order total, line by line, when everything is handed over as ordered', () => {
    fc.assert(
      fc.property(orderArb, (order) => {
        const outcome = pricePicks(order, asOrdered(order));
        expect(outcome.finalTotal).toBe(order.totals.total);
        expect(outcome.lines.map((l) => [l.total, l.tax])).toEqual(order.lines.map((l) => [l.total, l.tax.amount]));
        expect(outcome.exceedsAuthorization).toBe(false);
      }),
      RUNS,
    );
  });

  it('never exceeds the authorization for picks within the buffer and no more than ordered', () => {
    fc.assert(
      fc.property(
        orderArb.chain((order) => picksArb(order).map((picks) => ({ order, picks }))),
        ({ order, picks }) => {
          const outcome = pricePicks(order, picks);
          expect(outcome.authorized).toBe(order.totals.authorizationTotal);
          expect(outcome.exceedsAuthorization).toBe(false);
          for (const line of outcome.lines) expect(line.tax).toBeLessThanOrEqual(line.total);
        },
      ),
      RUNS,
    );
  });

  it('never charges less for more grams of a weighed line', () => {
    const withWeighed = orderArb.filter((order) => order.lines.some((l) => l.estimate !== undefined));
    fc.assert(
      fc.property(withWeighed, fc.nat(), fc.integer({ min: 1, max: 8000 }), fc.integer({ min: 1, max: 8000 }), (order, which, a, b) => {
        const weighedLines = order.lines.filter((l) => l.estimate !== undefined);
        const target = weighedLines[which % weighedLines.length]!.lineId;
        const at = (grams: number) =>
          pricePicks(order, asOrdered(order).map((pick) => (pick.lineId === target ? { lineId: target, quantity: { grams } } : pick))).finalTotal;
        expect(at(Math.min(a, b))).toBeLessThanOrEqual(at(Math.max(a, b)));
      }),
      RUNS,
    );
  });

  it('never charges more for dropping a line', () => {
    fc.assert(
      fc.property(
        orderArb.chain((order) => fc.tuple(fc.constant(order), picksArb(order), fc.nat())),
        ([order, picks, which]) => {
          const dropped = which % picks.length;
          const withoutOne = picks.map((pick, i) => (i === dropped ? { lineId: pick.lineId } : pick));
          expect(pricePicks(order, withoutOne).finalTotal).toBeLessThanOrEqual(pricePicks(order, picks).finalTotal);
        },
      ),
      RUNS,
    );
  });
});

describe('price protection', () => {
  const substitute = { sku: 'SUB-1', productId: UNKNOWN, name: 'Substitute' };
  /** Every line handed over in `picks` substituted by a product at a shelf price between nothing and four times the ordered one. */
  const substitutedArb = orderArb.chain((order) =>
    fc.tuple(
      fc.constant(order),
      picksArb(order),
      fc.array(fc.integer({ min: 0, max: 400 }), { minLength: order.lines.length, maxLength: order.lines.length }),
      fc.boolean(),
    ),
  );

  it('never charges a substitute the shopper has not accepted more than the ordered product at the same quantity', () => {
    fc.assert(
      fc.property(substitutedArb, ([order, picks, percents, acceptedAtCutoff]) => {
        const before = pricePicks(order, picks);
        const terms = new Map<string, SubstituteTerms>(
          order.lines.map((line, i) => [
            line.lineId,
            { substitute, unitPrice: Math.floor((line.unitPrice * percents[i]!) / 100), acceptedAtCutoff, proposedAt: AT.toISOString(), respondBy: '2025-06-15T12:30:00.000Z' },
          ]),
        );
        const substituted = picks.map((pick) => (pick.quantity === undefined ? pick : { ...pick, substitute }));
        const after = pricePicks(order, substituted, terms);
        after.lines.forEach((line, i) => {
          expect(line.total).toBeLessThanOrEqual(before.lines[i]!.total);
          if (line.proposal === undefined) return;
          expect(line.proposal.protectedPrice.total).toBeLessThanOrEqual(line.proposal.price.total);
          expect(line.tax).toBeLessThanOrEqual(line.total);
          // Decided at the cut-off: still never more than ordered; by the shopper: its own price, or nothing.
          const atCutoff = decideProposal(line, true, 'cut-off', AT.toISOString());
          expect(atCutoff.total).toBeLessThanOrEqual(before.lines[i]!.total);
          expect(decideProposal(line, true, 'shopper', AT.toISOString()).total).toBe(line.proposal.price.total);
          expect(decideProposal(line, false, 'cut-off', AT.toISOString()).total).toBe(0);
        });
        expect(after.finalTotal).toBeLessThanOrEqual(before.finalTotal);
      }),
      RUNS,
    );
  });

  it('prices a substitute at the ordered unit price exactly as the ordered product, weighed lines to the minor unit', () => {
    fc.assert(
      fc.property(
        orderArb.chain((order) => fc.tuple(fc.constant(order), picksArb(order))),
        ([order, picks]) => {
          picks.forEach((pick, i) => {
            const line = order.lines[i]!;
            if (pick.quantity === undefined || !('grams' in line.quantity)) return;
            expect(substitutePrice(line, line.unitPrice, pick.quantity, order)).toEqual(orderedPrice(line, pick.quantity, order));
          });
        },
      ),
      RUNS,
    );
  });

  it('never charges more for a dearer substitute, never less for a cheaper one than its own price', () => {
    fc.assert(
      fc.property(fc.nat(100_000), fc.nat(100_000), fc.nat(100_000), fc.nat(100_000), (ownTotal, ownTax, orderedTotal, orderedTax) => {
        const own = { total: ownTotal, tax: Math.min(ownTax, ownTotal) };
        const ordered = { total: orderedTotal, tax: Math.min(orderedTax, orderedTotal) };
        const charged = protectedPrice(own, ordered);
        expect(charged.total).toBe(Math.min(own.total, ordered.total));
        expect([own, ordered]).toContainEqual(charged);
      }),
      RUNS,
    );
  });
});
