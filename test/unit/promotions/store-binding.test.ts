import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ALL_STORES } from '../../../shared/auth/principal.js';
import { priceCart } from '../../../shared/pricing/cart-pricing.js';
import { availableAtStore } from '../../../shared/pricing/promotions.js';
import { withinStores } from '../../../shared/promotions/promotions.js';
import { context, promotion, units } from '../pricing/cart-fixtures.js';

const store = fc.constantFrom('a', 'b', 'c', 'd');
const stores = fc.option(fc.uniqueArray(store, { minLength: 1, maxLength: 4 }), { nil: undefined });

describe('promotions bound to stores', () => {
  it('apply at every store when they name none, and only at the stores they name otherwise', () => {
    expect(availableAtStore({}, 'a')).toBe(true);
    expect(availableAtStore({ stores: ['a', 'b'] }, 'b')).toBe(true);
    expect(availableAtStore({ stores: ['a', 'b'] }, 'c')).toBe(false);
  });

  it('discount a cart only at their stores; elsewhere they are left out, and their code is unknown there', () => {
    const lines = [units('milk', 200, 5)];
    fc.assert(
      fc.property(stores, store, fc.boolean(), (bound, at, coupon) => {
        const offer = promotion('ten-off', { kind: 'percent-off', basisPoints: 1000 }, { kind: 'cart' }, { ...(bound ? { stores: bound } : {}), ...(coupon ? { couponCode: 'TENOFF' } : {}) });
        const priced = priceCart(lines, context({ storeId: at, promotions: [offer], appliedCoupons: coupon ? ['TENOFF'] : [] }));
        const applies = bound === undefined || bound.includes(at);
        expect(priced.discountTotal.amount).toBe(applies ? 100 : 0);
        expect(priced.unknownCoupons).toEqual(coupon && !applies ? ['TENOFF'] : []);
      }),
    );
  });

  it('are within a store-bound actor’s reach only when every store they apply at is theirs; chain-wide staff reach all', () => {
    fc.assert(
      fc.property(stores, fc.uniqueArray(store, { maxLength: 4 }), (bound, own) => {
        const within = withinStores({ ...(bound ? { stores: bound } : {}) }, { stores: own });
        expect(within).toBe(bound !== undefined && bound.every((s) => own.includes(s)));
        expect(withinStores({ ...(bound ? { stores: bound } : {}) }, { stores: [ALL_STORES] })).toBe(true);
      }),
    );
  });
});
