import { describe, expect, it } from 'vitest';
import type { Promotion } from '../../../shared/pricing/promotions.js';
import { SearchIndex, type IndexQuery } from '../../../shared/search/index.js';
import { offerTargets } from '../../../shared/search/offers.js';
import { CATEGORIES, doc, id } from './fixtures.js';

const gbp = (amount: number) => ({ amount, currency: 'GBP' });

/** A running automatic promotion; tests vary its rule and target. */
function promotion(promotionId: string, extra: Partial<Promotion>): Promotion {
  return {
    id: promotionId,
    name: promotionId,
    rule: { kind: 'percent-off', basisPoints: 1000 },
    target: { kind: 'cart' },
    stacking: { priority: 10, exclusive: false },
    schedule: { startsAt: '2025-01-01T00:00:00Z' },
    limits: {},
    combinableWithOtherCoupons: true,
    ...extra,
  };
}

const skuDeal = promotion('jaffa-bogo', { rule: { kind: 'bogo' }, target: { kind: 'sku', skus: ['SKU-2B'] } });
const fruitDeal = promotion('fruit-10', { target: { kind: 'category', categoryIds: [CATEGORIES.fruit.id] } });
const foodDeal = promotion('food-3-for-2', { rule: { kind: 'multi-buy', quantity: 3, price: gbp(200) }, target: { kind: 'category', categoryIds: [CATEGORIES.food.id] } });

/** Promotions that discount no product in particular, or not for everyone. */
const notProductOffers = [
  promotion('spend-50', { rule: { kind: 'spend-threshold', minimumSpend: gbp(5000), reward: { kind: 'fixed-off', amount: gbp(500) } } }),
  promotion('spend-on-dairy', {
    rule: { kind: 'spend-threshold', minimumSpend: gbp(1000), reward: { kind: 'percent-off', basisPoints: 500 } },
    target: { kind: 'category', categoryIds: [CATEGORIES.dairy.id] },
  }),
  promotion('free-delivery', { rule: { kind: 'free-delivery', minimumSpend: gbp(4000) } }),
  promotion('cart-10', {}),
  promotion('cart-5-off', { rule: { kind: 'fixed-off', amount: gbp(500), per: 'order' } }),
  promotion('coupon-household', { target: { kind: 'category', categoryIds: [CATEGORIES.household.id] }, couponCode: 'CLEAN10' }),
  promotion('coupon-sku', { rule: { kind: 'bogo' }, target: { kind: 'sku', skus: ['SKU-4'] }, couponCode: 'MILKBOGO' }),
];

const all = (overrides: Partial<IndexQuery> = {}): IndexQuery => ({ sort: 'price-asc', offset: 0, limit: 100, ...overrides });

/** Bananas (two variants) and apples in fruit, milk in dairy, soap in household. */
function shop(): SearchIndex {
  const index = new SearchIndex();
  index.upsert(doc({ n: 1, name: 'Apples', category: 'fruit', price: 100 }));
  index.upsert(doc({ n: 2, name: 'Bananas', category: 'fruit', price: 200, skus: ['SKU-2A', 'SKU-2B'] }));
  index.upsert(doc({ n: 4, name: 'Milk', category: 'dairy', price: 400 }));
  index.upsert(doc({ n: 6, name: 'Soap', category: 'household', price: 600 }));
  return index;
}

const onOffer = (index: SearchIndex) => index.query(all({ onOffer: true })).hits.map((h) => h.summary.name);

describe('offerTargets', () => {
  it('takes the SKUs and categories of promotions that discount products', () => {
    expect(offerTargets([skuDeal, fruitDeal, foodDeal])).toEqual({ skus: ['SKU-2B'], categoryIds: [CATEGORIES.fruit.id, CATEGORIES.food.id] });
  });

  it('leaves out cart-level promotions (spend thresholds, free delivery, cart-wide amounts) and coupons', () => {
    expect(offerTargets(notProductOffers)).toEqual({ skus: [], categoryIds: [] });
  });

  it('leaves out a promotion of some stores only: the facet is the chain’s', () => {
    expect(offerTargets([{ ...skuDeal, stores: ['london-bridge'] }, fruitDeal])).toEqual({ skus: [], categoryIds: [CATEGORIES.fruit.id] });
  });

  it('takes the components of a bundle over the whole cart', () => {
    const mealDeal = promotion('meal-deal', {
      rule: {
        kind: 'bundle',
        components: [
          { target: { kind: 'sku', skus: ['SKU-4'] }, quantity: 1 },
          { target: { kind: 'category', categoryIds: [CATEGORIES.fruit.id] }, quantity: 1 },
        ],
        price: gbp(300),
      },
    });
    expect(offerTargets([mealDeal])).toEqual({ skus: ['SKU-4'], categoryIds: [CATEGORIES.fruit.id] });
  });
});

describe('SearchIndex on offer', () => {
  it('puts a product on offer when a promotion targets any of its SKUs', () => {
    const index = shop();
    expect(index.setOffers(offerTargets([skuDeal, ...notProductOffers]))).toBe(1);
    expect(onOffer(index)).toEqual(['Bananas']);
    expect(index.summary(id(2))?.onOffer).toBe(true);
    expect(index.query(all()).facets.onOffer).toEqual([
      { value: true, count: 1 },
      { value: false, count: 3 },
    ]);
  });

  it('puts every product of a targeted category or of any category below it on offer', () => {
    const index = shop();
    index.setOffers(offerTargets([foodDeal]));
    expect(onOffer(index)).toEqual(['Apples', 'Bananas', 'Milk']);
    index.setOffers(offerTargets([fruitDeal]));
    expect(onOffer(index)).toEqual(['Apples', 'Bananas']);
    expect(index.query(all({ onOffer: false })).hits.map((h) => h.summary.name)).toEqual(['Milk', 'Soap']);
  });

  it('takes a product off offer when its promotion ends, and gives a product added later its bit', () => {
    const index = shop();
    index.setOffers(offerTargets([skuDeal, fruitDeal]));
    const before = index.query(all({ onOffer: true })).hits[0]!.summary;

    expect(index.setOffers(offerTargets([skuDeal]))).toBe(1);
    expect(onOffer(index)).toEqual(['Bananas']);
    expect(index.summary(id(1))?.onOffer).toBe(false);
    // A summary handed out before keeps what it said then.
    expect(before).toMatchObject({ name: 'Apples', onOffer: true });

    const breadDeal = promotion('bread-bogo', { rule: { kind: 'bogo' }, target: { kind: 'sku', skus: ['SKU-8'] } });
    expect(index.setOffers(offerTargets([skuDeal, breadDeal]))).toBe(0);
    index.upsert(doc({ n: 7, name: 'Plantain', category: 'fruit', price: 700 }));
    index.upsert(doc({ n: 8, name: 'Banana bread', category: 'household', price: 800 }));
    expect(onOffer(index)).toEqual(['Bananas', 'Banana bread']);
    expect(index.setOffers(offerTargets([]))).toBe(2);
    expect(index.query(all()).facets.onOffer).toEqual([
      { value: true, count: 0 },
      { value: false, count: 6 },
    ]);
  });

  it('keeps the promotions it was given across a snapshot', () => {
    const index = shop();
    index.setOffers(offerTargets([fruitDeal]));
    const copy = SearchIndex.fromSnapshot(JSON.parse(JSON.stringify(index.toSnapshot())));
    copy.upsert(doc({ n: 9, name: 'Pears', category: 'fruit', price: 900 }));
    expect(onOffer(copy)).toEqual(['Apples', 'Bananas', 'Pears']);
  });
});
