import { describe, expect, it } from 'vitest';
import { priceCart } from '../../../shared/pricing/cart-pricing.js';
import { Promotion, promotionStage } from '../../../shared/pricing/promotions.js';
import {
  BAKERY,
  CHEESE,
  FRESH,
  category,
  context,
  discountsOf,
  gbp,
  promotion,
  rejectionsOf,
  sku,
  skuOf,
  units,
  weighed,
} from './cart-fixtures.js';

const price = (lines: Parameters<typeof priceCart>[0], ...promotions: Promotion[]) => priceCart(lines, context({ promotions }));

describe('Promotion schema', () => {
  const body = {
    id: 'summer-10',
    name: '10 % off cheese',
    rule: { kind: 'percent-off', basisPoints: 1000 },
    target: { kind: 'category', categoryIds: [CHEESE] },
    stacking: { priority: 5 },
    schedule: { startsAt: '2025-06-01T00:00:00Z', endsAt: '2025-07-01T00:00:00Z' },
    couponCode: 'SUMMER10',
  };

  it('accepts a coupon promotion and fills the documented defaults', () => {
    expect(Promotion.parse(body)).toEqual({
      ...body,
      stacking: { priority: 5, exclusive: false },
      limits: {},
      combinableWithOtherCoupons: true,
    });
    expect(Promotion.parse({ ...body, rule: { kind: 'buy-x-get-y', buy: 2, get: 1 } }).rule).toEqual({
      kind: 'buy-x-get-y',
      buy: 2,
      get: 1,
      discountBasisPoints: 10_000,
    });
    expect(Promotion.parse({ ...body, rule: { kind: 'fixed-off', amount: gbp(100) } }).rule).toMatchObject({ per: 'order' });
  });

  it.each([
    ['an unknown field', { ...body, colour: 'red' }, []],
    ['a lower-case coupon code', { ...body, couponCode: 'summer10' }, ['couponCode']],
    ['an end before the start', { ...body, schedule: { startsAt: '2025-06-01T00:00:00Z', endsAt: '2025-05-01T00:00:00Z' } }, ['schedule', 'endsAt']],
    ['a percentage over 100 %', { ...body, rule: { kind: 'percent-off', basisPoints: 10_001 } }, ['rule', 'basisPoints']],
    ['a fractional amount', { ...body, rule: { kind: 'fixed-off', amount: gbp(99.5) } }, ['rule', 'amount', 'amount']],
    ['a zero amount off', { ...body, rule: { kind: 'fixed-off', amount: gbp(0) } }, ['rule', 'amount', 'amount']],
    ['a category id that is not a ULID', { ...body, target: { kind: 'category', categoryIds: ['cheese'] } }, ['target', 'categoryIds', 0]],
    ['a bundle of one component', { ...body, rule: { kind: 'bundle', components: [{ target: sku('a1'), quantity: 1 }], price: gbp(100) } }, ['rule', 'components']],
    ['a negative priority', { ...body, stacking: { priority: -1 } }, ['stacking', 'priority']],
  ])('refuses %s, naming the field', (_name, input, path) => {
    const result = Promotion.safeParse(input);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(path);
  });

  it('puts each rule in its stage', () => {
    expect(promotionStage(promotion('a', { kind: 'percent-off', basisPoints: 100 }, sku('x1')))).toBe('line');
    expect(promotionStage(promotion('b', { kind: 'percent-off', basisPoints: 100 }))).toBe('cart');
    expect(promotionStage(promotion('c', { kind: 'fixed-off', amount: gbp(100), per: 'item' }))).toBe('line');
    expect(promotionStage(promotion('d', { kind: 'bogo' }))).toBe('line');
    expect(promotionStage(promotion('e', { kind: 'spend-threshold', minimumSpend: gbp(100), reward: { kind: 'percent-off', basisPoints: 100 } }, sku('x1')))).toBe('cart');
    expect(promotionStage(promotion('f', { kind: 'free-delivery' }))).toBe('delivery');
  });
});

describe('percent off', () => {
  it('takes a percentage off each targeted SKU line, rounded half-up per line', () => {
    // 15 % of 750 = 112.5, so 113.
    const cart = price([units('a', 250, 3), units('b', 400, 1)], promotion('p', { kind: 'percent-off', basisPoints: 1500 }, sku('a')));
    expect(discountsOf(cart, 'a')).toEqual({ p: 113 });
    expect(discountsOf(cart, 'b')).toEqual({});
    expect(cart.total.amount).toBe(750 - 113 + 400);
  });

  it('targets a category and everything below it', () => {
    const cart = price(
      [units('brie', 500, 1, { categoryIds: [CHEESE, FRESH] }), units('bread', 200, 1, { categoryIds: [BAKERY] })],
      promotion('p', { kind: 'percent-off', basisPoints: 1000 }, category(FRESH)),
    );
    expect(discountsOf(cart, 'brie')).toEqual({ p: 50 });
    expect(discountsOf(cart, 'bread')).toEqual({});
  });

  it('on the cart, rounds once on the cart and spreads the discount over the lines by largest remainder', () => {
    // 10 % of 666 = 66.6, so 67 in all; per line it would have been 33 + 33 = 66.
    const cart = price([units('a', 333, 1), units('b', 333, 1)], promotion('p', { kind: 'percent-off', basisPoints: 1000 }));
    expect(discountsOf(cart, 'a')).toEqual({ p: 34 });
    expect(discountsOf(cart, 'b')).toEqual({ p: 33 });
    expect(cart.discountTotal.amount).toBe(67);
  });

  it('applies to weighed lines like any other', () => {
    // 1299 per kg × 450 g = 584.55, so 585; 10 % = 58.5, so 59.
    const cart = price([weighed('beef', 1299, 450)], promotion('p', { kind: 'percent-off', basisPoints: 1000 }, sku('beef')));
    expect(discountsOf(cart, 'beef')).toEqual({ p: 59 });
  });
});

describe('fixed off', () => {
  it('takes an amount once off the targeted goods, spread in proportion to each line', () => {
    const cart = price(
      [units('brie', 300, 1, { categoryIds: [CHEESE] }), units('feta', 100, 1, { categoryIds: [CHEESE] })],
      promotion('p', { kind: 'fixed-off', amount: gbp(100) }, category(CHEESE)),
    );
    expect(discountsOf(cart, 'brie')).toEqual({ p: 75 });
    expect(discountsOf(cart, 'feta')).toEqual({ p: 25 });
  });

  it('takes an amount off every targeted item, but not off weighed lines, which have no items', () => {
    const cart = price(
      [units('a', 150, 3), weighed('w', 1000, 500, { sku: skuOf('a') })],
      promotion('p', { kind: 'fixed-off', amount: gbp(20), per: 'item' }, sku('a')),
    );
    expect(discountsOf(cart, 'a')).toEqual({ p: 60 });
    expect(discountsOf(cart, 'w')).toEqual({});
  });

  it('never takes more than the line, and records what it would have taken', () => {
    const cart = price([units('a', 150, 3)], promotion('p', { kind: 'fixed-off', amount: gbp(200), per: 'item' }, sku('a')));
    expect(cart.lines[0]?.discounts).toEqual([{ promotionId: 'p', name: 'Promotion p', amount: gbp(450), uncapped: gbp(600) }]);
    expect(cart.total.amount).toBe(0);
  });
});

describe('BOGO and buy X get Y', () => {
  it('gives one free for every one bought', () => {
    expect(discountsOf(price([units('milk', 150, 3)], promotion('p', { kind: 'bogo' }, sku('milk'))), 'milk')).toEqual({ p: 150 });
    expect(discountsOf(price([units('milk', 150, 4)], promotion('p', { kind: 'bogo' }, sku('milk'))), 'milk')).toEqual({ p: 300 });
  });

  it('across several lines, makes the cheapest items the free ones', () => {
    const cheese = { categoryIds: [CHEESE] };
    const buy2get1 = promotion('p', { kind: 'buy-x-get-y', buy: 2, get: 1 }, category(CHEESE));
    // Five items make one set: the single cheapest (100) is free.
    const five = price([units('brie', 300, 3, cheese), units('feta', 100, 2, cheese)], buy2get1);
    expect(discountsOf(five, 'brie')).toEqual({});
    expect(discountsOf(five, 'feta')).toEqual({ p: 100 });
    // Six items make two sets: the two cheapest are free, even though both are on one line.
    const six = price([units('brie', 300, 3, cheese), units('feta', 100, 3, cheese)], buy2get1);
    expect(discountsOf(six, 'feta')).toEqual({ p: 200 });
  });

  it('gives a partial discount on the "get" item, rounded half-up per item', () => {
    // Half of 199 is 99.5, so 100.
    const cart = price([units('a', 199, 2)], promotion('p', { kind: 'buy-x-get-y', buy: 1, get: 1, discountBasisPoints: 5000 }, sku('a')));
    expect(discountsOf(cart, 'a')).toEqual({ p: 100 });
  });

  it('does not apply to weighed lines, and says there was nothing eligible', () => {
    const cart = price([weighed('beef', 1299, 450)], promotion('p', { kind: 'bogo' }, sku('beef')));
    expect(cart.discountTotal.amount).toBe(0);
    expect(rejectionsOf(cart)).toEqual({ p: 'no-eligible-items' });
  });

  it('needs a full set', () => {
    expect(rejectionsOf(price([units('milk', 150, 1)], promotion('p', { kind: 'bogo' }, sku('milk'))))).toEqual({ p: 'no-eligible-items' });
  });
});

describe('multi-buy', () => {
  it('prices each full group at the deal price', () => {
    // 3 for £5 on four £2 items: one group of 600 becomes 500; the fourth item pays full price.
    const cart = price([units('a', 200, 4)], promotion('p', { kind: 'multi-buy', quantity: 3, price: gbp(500) }, sku('a')));
    expect(discountsOf(cart, 'a')).toEqual({ p: 100 });
    expect(cart.total.amount).toBe(700);
  });

  it('mixes and matches with the dearest items first, spreading the saving by price (largest remainder)', () => {
    // Dearest three: 250 + 250 + 180 = 680 → 500 saves 180, shared 66 / 66 / 48.
    const cart = price([units('a', 250, 2), units('b', 180, 2)], promotion('p', { kind: 'multi-buy', quantity: 3, price: gbp(500) }));
    expect(discountsOf(cart, 'a')).toEqual({ p: 132 });
    expect(discountsOf(cart, 'b')).toEqual({ p: 48 });
  });

  it('never raises a price: a group already cheaper than the deal is left alone', () => {
    const cart = price([units('a', 100, 3)], promotion('p', { kind: 'multi-buy', quantity: 3, price: gbp(500) }, sku('a')));
    expect(cart.total.amount).toBe(300);
    expect(rejectionsOf(cart)).toEqual({ p: 'no-eligible-items' });
  });

  it('ignores weighed lines (they have no item count)', () => {
    const cart = price([weighed('w', 1000, 3000)], promotion('p', { kind: 'multi-buy', quantity: 2, price: gbp(100) }));
    expect(rejectionsOf(cart)).toEqual({ p: 'no-eligible-items' });
  });
});

describe('bundle price', () => {
  const mealDeal = promotion('meal', {
    kind: 'bundle',
    components: [
      { target: sku('sand'), quantity: 1 },
      { target: sku('crisps'), quantity: 1 },
      { target: sku('cola'), quantity: 1 },
    ],
    price: gbp(350),
  });

  it('prices one of each component at the bundle price, the saving spread by price', () => {
    // 300 + 100 + 150 = 550 → 350 saves 200: 109 / 36 / 55 (largest remainder).
    const cart = price([units('sand', 300, 2), units('crisps', 100, 1), units('cola', 150, 1)], mealDeal);
    expect(discountsOf(cart, 'sand')).toEqual({ meal: 109 });
    expect(discountsOf(cart, 'crisps')).toEqual({ meal: 36 });
    expect(discountsOf(cart, 'cola')).toEqual({ meal: 55 });
    expect(cart.total.amount).toBe(350 + 300);
  });

  it('needs every component', () => {
    expect(rejectionsOf(price([units('sand', 300, 1), units('crisps', 100, 1)], mealDeal))).toEqual({ meal: 'no-eligible-items' });
  });
});

describe('spend threshold', () => {
  const fiverOff = (target = { kind: 'cart' } as const) =>
    promotion('spend20', { kind: 'spend-threshold', minimumSpend: gbp(2000), reward: { kind: 'fixed-off', amount: gbp(500) } }, target);

  it('gives its reward once the goods after line promotions reach the threshold', () => {
    const cart = price([units('a', 1500, 1), units('b', 1000, 1)], fiverOff());
    expect(discountsOf(cart, 'a')).toEqual({ spend20: 300 });
    expect(discountsOf(cart, 'b')).toEqual({ spend20: 200 });
  });

  it('counts spend after line promotions, and refuses as minimum-not-met below it', () => {
    const cart = price(
      [units('a', 1100, 2)],
      promotion('half', { kind: 'percent-off', basisPoints: 5000 }, sku('a')),
      fiverOff(),
    );
    expect(rejectionsOf(cart)).toEqual({ spend20: 'minimum-not-met' });
    expect(cart.total.amount).toBe(1100);
  });

  it('can count only a category, and rewards only that category', () => {
    const cheeseDeal = promotion(
      'cheese',
      { kind: 'spend-threshold', minimumSpend: gbp(2000), reward: { kind: 'percent-off', basisPoints: 1000 } },
      category(CHEESE),
    );
    const cart = price([units('brie', 1000, 2, { categoryIds: [CHEESE] }), units('bread', 5000, 1)], cheeseDeal);
    expect(discountsOf(cart, 'brie')).toEqual({ cheese: 200 });
    expect(discountsOf(cart, 'bread')).toEqual({});
  });
});

describe('free delivery', () => {
  const fulfillment = { mode: 'delivery', fee: gbp(399), minimumOrder: gbp(0) } as const;
  const free = (extra: Record<string, unknown> = {}) => promotion('free', { kind: 'free-delivery', minimumSpend: gbp(3000), ...extra });

  it('waives the delivery fee and names the promotion', () => {
    const cart = priceCart([units('a', 3000, 1)], context({ promotions: [free()], fulfillment }));
    expect(cart.fees).toEqual([
      { kind: 'delivery', amount: gbp(0), listAmount: gbp(399), waivedBy: 'free', tax: { rateBasisPoints: 2000, amount: gbp(0) } },
    ]);
    expect(cart.total.amount).toBe(3000);
  });

  it('refuses below its minimum spend, counted after discounts', () => {
    const cart = priceCart(
      [units('a', 3000, 1)],
      context({ promotions: [free(), promotion('p', { kind: 'percent-off', basisPoints: 100 })], fulfillment }),
    );
    expect(rejectionsOf(cart)).toEqual({ free: 'minimum-not-met' });
    expect(cart.fees[0]?.amount).toEqual(gbp(399));
  });

  it('has nothing to waive on a pickup or without a slot', () => {
    const pickup = priceCart([units('a', 3000, 1)], context({ promotions: [free()], fulfillment: { ...fulfillment, mode: 'pickup' } }));
    expect(rejectionsOf(pickup)).toEqual({ free: 'no-eligible-items' });
    expect(rejectionsOf(priceCart([units('a', 3000, 1)], context({ promotions: [free()] })))).toEqual({ free: 'no-eligible-items' });
  });
});
