import { describe, expect, it } from 'vitest';
import { type PricingLine, priceCart } from '../../../shared/pricing/cart-pricing.js';
import type { Promotion } from '../../../shared/pricing/promotions.js';
import { context, discountsOf, gbp, promotion, rejectionsOf, sku, units } from './cart-fixtures.js';

const price = (lines: readonly PricingLine[], ...promotions: Promotion[]) => priceCart(lines, context({ promotions }));
const at = (priority: number, extra: Record<string, unknown> = {}) => ({ stacking: { priority, ...extra } });
const percent = (id: string, basisPoints: number, target = sku('a'), extra: Record<string, unknown> = {}) =>
  promotion(id, { kind: 'percent-off', basisPoints }, target, extra);
const poundOff = (id: string, amount: number, target = sku('a'), extra: Record<string, unknown> = {}) =>
  promotion(id, { kind: 'fixed-off', amount: gbp(amount) }, target, extra);

describe('priority', () => {
  it('applies promotions in priority order, each on what the previous left', () => {
    const tenFirst = price([units('a', 1000, 1)], percent('ten', 1000, sku('a'), at(1)), poundOff('pound', 100, sku('a'), at(2)));
    expect(discountsOf(tenFirst, 'a')).toEqual({ ten: 100, pound: 100 });
    expect(tenFirst.total.amount).toBe(800);

    const poundFirst = price([units('a', 1000, 1)], percent('ten', 1000, sku('a'), at(2)), poundOff('pound', 100, sku('a'), at(1)));
    expect(discountsOf(poundFirst, 'a')).toEqual({ pound: 100, ten: 90 });
    expect(poundFirst.total.amount).toBe(810);
  });

  it('breaks equal priorities by id, whatever order the promotions come in', () => {
    const promotions = [percent('a-ten', 1000, sku('a'), at(5)), poundOff('b-pound', 100, sku('a'), at(5))];
    const forwards = price([units('a', 1000, 1)], ...promotions);
    expect(forwards.lines[0]?.discounts.map((d) => d.promotionId)).toEqual(['a-ten', 'b-pound']);
    expect(price([units('a', 1000, 1)], ...[...promotions].reverse())).toEqual(forwards);
  });

  it('runs line promotions before cart promotions regardless of priority', () => {
    // The cart's 10 % (priority 0) still sees the line after its £1 off (priority 9): 10 % of 900.
    const cart = price([units('a', 1000, 1)], percent('cart', 1000, { kind: 'cart' }, at(0)), poundOff('line', 100, sku('a'), at(9)));
    expect(discountsOf(cart, 'a')).toEqual({ line: 100, cart: 90 });
  });
});

describe('exclusive promotions', () => {
  it('keep every later promotion off the lines they discounted, and only those', () => {
    const cart = price(
      [units('a', 1000, 1), units('b', 1000, 1)],
      percent('only', 2000, sku('a'), at(1, { exclusive: true })),
      percent('everything', 1000, { kind: 'cart' }, at(5)),
    );
    expect(discountsOf(cart, 'a')).toEqual({ only: 200 });
    expect(discountsOf(cart, 'b')).toEqual({ everything: 100 });
  });

  it('are refused on lines an earlier promotion already discounted, naming it', () => {
    const cart = price([units('a', 1000, 1)], percent('first', 1000, sku('a'), at(1)), percent('only', 2000, sku('a'), at(2, { exclusive: true })));
    expect(cart.rejected).toEqual([{ promotionId: 'only', reason: 'not-combinable', blockedBy: 'first' }]);
    expect(discountsOf(cart, 'a')).toEqual({ first: 100 });
  });

  it('refuse later promotions on their lines, naming themselves', () => {
    const cart = price([units('a', 1000, 1)], percent('only', 2000, sku('a'), at(1, { exclusive: true })), percent('later', 1000, sku('a'), at(2)));
    expect(cart.rejected).toEqual([{ promotionId: 'later', reason: 'not-combinable', blockedBy: 'only' }]);
  });

  it('on the cart, need a cart no promotion has touched', () => {
    const cart = price(
      [units('a', 1000, 1), units('b', 1000, 1)],
      percent('line', 1000, sku('a'), at(9)),
      percent('quarter', 2500, { kind: 'cart' }, at(1, { exclusive: true })),
    );
    expect(cart.rejected).toEqual([{ promotionId: 'quarter', reason: 'not-combinable', blockedBy: 'line' }]);
    expect(cart.discountTotal.amount).toBe(100);
  });

  it('on the cart, take the whole cart from every later promotion', () => {
    const cart = price(
      [units('a', 1000, 1), units('b', 1000, 1)],
      percent('quarter', 2500, { kind: 'cart' }, at(1, { exclusive: true })),
      poundOff('pound', 100, { kind: 'cart' }, at(2)),
    );
    expect(rejectionsOf(cart)).toEqual({ pound: 'not-combinable' });
    expect(cart.discountTotal.amount).toBe(500);
  });
});

describe('groups: best for the shopper', () => {
  const weekly = (priority: number) => at(priority, { group: 'weekly' });

  it('apply only the member that saves the shopper most', () => {
    const promotions = [percent('ten', 1000, { kind: 'cart' }, weekly(1)), poundOff('three', 300, { kind: 'cart' }, weekly(2))];
    const small = price([units('a', 2000, 1)], ...promotions);
    expect(discountsOf(small, 'a')).toEqual({ three: 300 });
    expect(small.rejected).toEqual([{ promotionId: 'ten', reason: 'not-combinable', blockedBy: 'three' }]);

    const large = price([units('a', 5000, 1)], ...promotions);
    expect(discountsOf(large, 'a')).toEqual({ ten: 500 });
    expect(large.rejected).toEqual([{ promotionId: 'three', reason: 'not-combinable', blockedBy: 'ten' }]);
  });

  it('break ties by priority, then id', () => {
    const byPriority = price([units('a', 1000, 1)], poundOff('zz', 100, sku('a'), weekly(1)), poundOff('aa', 100, sku('a'), weekly(2)));
    expect(discountsOf(byPriority, 'a')).toEqual({ zz: 100 });
    const byId = price([units('a', 1000, 1)], poundOff('zz', 100, sku('a'), weekly(1)), poundOff('aa', 100, sku('a'), weekly(1)));
    expect(discountsOf(byId, 'a')).toEqual({ aa: 100 });
  });

  it('compare what the whole cart costs, so a bigger but exclusive discount loses when it blocks more', () => {
    // 20 % then the ungrouped 10 %: 1000 − 200 − 80 = 720, better than 15 % then 10 %: 1000 − 150 − 85 = 765.
    const cart = price(
      [units('a', 1000, 1)],
      percent('twenty', 2000, sku('a'), weekly(1)),
      percent('fifteen', 1500, sku('a'), weekly(2)),
      percent('extra', 1000, sku('a'), at(3)),
    );
    expect(discountsOf(cart, 'a')).toEqual({ twenty: 200, extra: 80 });

    // Made exclusive, 20 % alone costs 800, so 15 % and the extra 10 % (765) win.

    const exclusiveTwenty = price(
      [units('a', 1000, 1)],
      percent('twenty', 2000, sku('a'), at(1, { group: 'weekly', exclusive: true })),
      percent('fifteen', 1500, sku('a'), weekly(2)),
      percent('extra', 1000, sku('a'), at(3)),
    );
    expect(exclusiveTwenty.total.amount).toBe(765);
    expect(exclusiveTwenty.rejected).toEqual([{ promotionId: 'twenty', reason: 'not-combinable', blockedBy: 'fifteen' }]);
  });

  it('report a losing member that would not have applied anyway with its own reason', () => {
    const cart = price(
      [units('a', 1000, 1)],
      promotion('spend', { kind: 'spend-threshold', minimumSpend: gbp(2000), reward: { kind: 'fixed-off', amount: gbp(500) } }, { kind: 'cart' }, weekly(1)),
      percent('five', 500, { kind: 'cart' }, weekly(2)),
    );
    expect(rejectionsOf(cart)).toEqual({ spend: 'minimum-not-met' });
    expect(discountsOf(cart, 'a')).toEqual({ five: 50 });
  });
});

describe('quantity deals and caps', () => {
  it('use each item in one deal only', () => {
    const cart = price(
      [units('milk', 150, 4)],
      promotion('bogo', { kind: 'bogo' }, sku('milk'), at(1)),
      promotion('two-for', { kind: 'multi-buy', quantity: 2, price: gbp(200) }, sku('milk'), at(2)),
    );
    expect(discountsOf(cart, 'milk')).toEqual({ bogo: 300 });
    expect(cart.rejected).toEqual([{ promotionId: 'two-for', reason: 'not-combinable', blockedBy: 'bogo' }]);
  });

  it('let a percentage stack on what a deal left', () => {
    const cart = price([units('milk', 150, 4)], promotion('bogo', { kind: 'bogo' }, sku('milk'), at(1)), percent('ten', 1000, sku('milk'), at(2)));
    expect(discountsOf(cart, 'milk')).toEqual({ bogo: 300, ten: 30 });
  });

  it('cap a discount at what is left of the line and record what it would have taken', () => {
    const cart = price(
      [units('milk', 150, 2)],
      promotion('bogo', { kind: 'bogo' }, sku('milk'), at(1)),
      promotion('pound', { kind: 'fixed-off', amount: gbp(100), per: 'item' }, sku('milk'), at(2)),
    );
    expect(cart.lines[0]?.discounts.map((d) => [d.promotionId, d.amount.amount, d.uncapped?.amount])).toEqual([
      ['bogo', 150, undefined],
      ['pound', 150, 200],
    ]);
    expect(cart.total.amount).toBe(0);
  });

  it('never spread a cart discount onto a line that is already free', () => {
    const cart = price(
      [units('a', 400, 1), units('b', 300, 1)],
      percent('free-a', 10_000, sku('a'), at(1)),
      poundOff('fiver', 500, { kind: 'cart' }, at(2)),
    );
    expect(discountsOf(cart, 'a')).toEqual({ 'free-a': 400 });
    expect(cart.lines[1]?.discounts).toEqual([{ promotionId: 'fiver', name: 'Promotion fiver', amount: gbp(300), uncapped: gbp(500) }]);
    expect(cart.total.amount).toBe(0);
  });
});
