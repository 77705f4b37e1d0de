import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertDeliversTo, deliversTo, inArea, offersCollectionTo, OutsideDeliveryAreaError, storesServing } from '../../../shared/stores/areas.js';
import type { Store } from '../../../shared/stores/model.js';
import { SAMPLE_STORES } from '../../../shared/stores/seed.js';

const AT = '2030-01-01T00:00:00.000Z';
const store = (overrides: Partial<Store> = {}): Store => ({ ...SAMPLE_STORES[0]!, createdAt: AT, updatedAt: AT, ...overrides });
const area = (districts: string[], prefixes: string[] = []) => ({ districts, prefixes });

describe('deliversTo', () => {
  it('matches a district exactly: SE1 is not SE16', () => {
    const se1 = store({ deliveryArea: area(['SE1']) });
    expect(deliversTo(se1, 'SE1 2TF', 'GB')).toBe(true);
    expect(deliversTo(se1, 'SE16 4AB', 'GB')).toBe(false);
    expect(deliversTo(se1, 'SE11 5QY', 'GB')).toBe(false);
  });

  it('matches a prefix as a prefix of the compact postcode: SE1 takes SE16 too', () => {
    const prefixed = store({ deliveryArea: area([], ['SE1']) });
    expect(deliversTo(prefixed, 'SE1 2TF', 'GB')).toBe(true);
    expect(deliversTo(prefixed, 'SE16 4AB', 'GB')).toBe(true);
    expect(deliversTo(prefixed, 'SE2 9AA', 'GB')).toBe(false);
  });

  it('reads the postcode as typed (lower case, no space)', () => {
    expect(deliversTo(store({ deliveryArea: area(['SE1']) }), 'se12tf', 'GB')).toBe(true);
  });

  it('delivers only within the store’s country, to well-formed postcodes, when the store delivers at all', () => {
    const se1 = store({ deliveryArea: area(['SE1'], ['SE']) });
    expect(deliversTo(se1, 'SE1 2TF', 'IE')).toBe(false);
    expect(deliversTo(se1, 'SE1', 'GB')).toBe(false);
    expect(deliversTo({ ...se1, fulfillmentModes: ['pickup'] }, 'SE1 2TF', 'GB')).toBe(false);
  });

  it('covers every postcode the tests and benches deliver to at the sample stores', () => {
    const [london, manchester, leith] = SAMPLE_STORES.map((s) => store(s));
    for (const pc of ['SE1 2TF', 'SE1 2BB', 'SE1 3UN', 'SE1 9RA', 'SE1 9AA', 'SE1 9QQ', 'SE1 1AA', 'SE1 2TU', 'E1 1AA']) expect(deliversTo(london!, pc, 'GB'), pc).toBe(true);
    expect(deliversTo(manchester!, 'M1 1FT', 'GB')).toBe(true);
    expect(deliversTo(leith!, 'EH6 6LX', 'GB')).toBe(true);
    expect(deliversTo(london!, 'ZE2 9XX', 'GB')).toBe(false);
  });

  it('agrees with the area: a listed district always delivers, a district neither listed nor under a prefix never does', () => {
    const district = fc.tuple(fc.constantFrom('SE', 'E', 'N', 'M', 'EH'), fc.integer({ min: 1, max: 29 })).map(([a, n]) => `${a}${n}`);
    const inward = fc.constantFrom('1AA', '2TF', '9XX', '4AB');
    fc.assert(
      fc.property(fc.uniqueArray(district, { maxLength: 8 }), district, inward, (listed, asked, tail) => {
        const s = store({ deliveryArea: area(listed) });
        expect(deliversTo(s, `${asked} ${tail}`, 'GB')).toBe(listed.includes(asked));
      }),
    );
  });
});

describe('offersCollectionTo and storesServing', () => {
  it('marks each store with delivery and collection, and leaves out the stores that do neither', () => {
    const stores = SAMPLE_STORES.map((s) => store(s));
    const near = storesServing(stores, 'SE5 8AA', 'GB');
    expect(near.map((s) => [s.id, s.delivers, s.collection])).toEqual([['london-bridge', false, true]]);
    const at = storesServing(stores, 'SE1 2TF', 'GB');
    expect(at.map((s) => [s.id, s.delivers, s.collection])).toEqual([['london-bridge', true, true]]);
    expect(storesServing(stores, 'ZE2 9XX', 'GB')).toEqual([]);
  });

  it('offers collection only at stores that take pickups', () => {
    const leith = store(SAMPLE_STORES[2]);
    expect(offersCollectionTo({ ...leith, collectionArea: area(['EH6']) }, 'EH6 6LX', 'GB')).toBe(false);
    expect(inArea(area(['EH6']), { district: 'EH6', compact: 'EH66LX' })).toBe(true);
  });
});

describe('assertDeliversTo', () => {
  it('is a 422 naming the store and the postcode', () => {
    expect(() => assertDeliversTo(store(), { postcode: 'ZE2 9XX', country: 'GB' })).toThrow(OutsideDeliveryAreaError);
    try {
      assertDeliversTo(store(), { postcode: 'ZE2 9XX', country: 'GB' });
    } catch (error) {
      expect(error).toMatchObject({ kind: 'unprocessable', code: 'address-outside-delivery-area', extensions: { storeId: 'london-bridge', postcode: 'ZE2 9XX' } });
      expect((error as Error).message).toBe('SmartShelf London Bridge (london-bridge) does not deliver to ZE2 9XX, GB.');
    }
  });
});
