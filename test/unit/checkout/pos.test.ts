import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loyaltyCreditOf, MAX_POS_LINES, PosOrderRequest, repeatedSkus, saleCart } from '../../../shared/checkout/pos.js';
import { walkInShopper } from '../../../shared/orders/model.js';

const AT = new Date('2030-03-04T09:00:00.000Z');
const STORE = { id: 'store-1', currency: 'GBP', taxJurisdiction: 'GB' };
const US_STORE = { id: 'store-us', currency: 'USD', taxJurisdiction: 'US-NY' };

const sale = (overrides: Record<string, unknown> = {}) => ({
  channel: 'pos',
  storeId: 'store-1',
  posReference: 'TILL3/000123',
  lines: [{ sku: 'MILK-1', quantity: { count: 2 } }],
  fulfillment: { mode: 'in-store' },
  paymentMethod: 'pm_card_visa',
  ...overrides,
});

const issuePaths = (input: unknown) => {
  const result = PosOrderRequest.safeParse(input);
  return result.success ? [] : [...new Set(result.error.issues.map((issue) => issue.path.join('.')))];
};

describe('repeatedSkus', () => {
  it('names every line after the first of its SKU, with the line it repeats', () => {
    expect(repeatedSkus([{ sku: 'A' }, { sku: 'B' }, { sku: 'A' }, { sku: 'A' }])).toEqual([
      { field: 'body.lines.2.sku', message: expect.stringContaining('already line 0') },
      { field: 'body.lines.3.sku', message: expect.stringContaining('already line 0') },
    ]);
    expect(repeatedSkus([{ sku: 'A' }, { sku: 'B' }])).toEqual([]);
  });

  it('reports exactly as many lines as there are beyond the distinct SKUs (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('A', 'B', 'C', 'D'), { maxLength: 30 }), (skus) => {
        const problems = repeatedSkus(skus.map((sku) => ({ sku })));
        expect(problems).toHaveLength(skus.length - new Set(skus).size);
        for (const { field } of problems) {
          const index = Number(field.split('.')[2]);
          expect(skus.indexOf(skus[index]!)).toBeLessThan(index);
        }
      }),
    );
  });
});

describe('saleCart', () => {
  const line = { lineId: '01JBQ8Y00000000000000000A1', sku: 'MILK-1', productId: '01JBQ8Y00000000000000000B1', quantity: { count: 2 }, substitution: 'none' as const, addedAt: AT.toISOString() };

  it('prices a till sale without a slot, in the store’s currency and tax mode, with no coupons or points', () => {
    const cart = saleCart({ id: 'o1', shopperId: walkInShopper('store-1'), store: STORE, lines: [line], fulfillment: { mode: 'in-store' }, at: AT });
    expect(cart).toEqual({
      id: 'o1',
      shopperId: 'pos:store-1',
      storeId: 'store-1',
      currency: 'GBP',
      taxMode: 'inclusive',
      lines: [line],
      coupons: [],
      loyaltyPoints: 0,
      status: 'open',
      version: 1,
      createdAt: AT.toISOString(),
      updatedAt: AT.toISOString(),
      expiresAt: AT.toISOString(),
    });
    expect(cart).not.toHaveProperty('fulfillment');
  });

  it('keeps the slot of a pickup or delivery sale, so its fee and minimum apply; US stores price tax on top', () => {
    const pickup = { mode: 'pickup' as const, slotId: '2030-03-05T08:00Z~pickup' };
    expect(saleCart({ id: 'o2', shopperId: 's', store: US_STORE, lines: [line], fulfillment: pickup, at: AT })).toMatchObject({ fulfillment: pickup, taxMode: 'exclusive', currency: 'USD' });
  });
});

describe('PosOrderRequest', () => {
  it('takes a till sale handed over at once, and pickup or delivery sales by phone', () => {
    expect(issuePaths(sale())).toEqual([]);
    expect(issuePaths(sale({ channel: 'phone', fulfillment: { mode: 'pickup', slotId: '2030-03-05T08:00Z~pickup' } }))).toEqual([]);
    expect(
      issuePaths(
        sale({
          channel: 'phone',
          loyaltyId: '7k3m9qx2d4hzp8tb',
          storeMetadata: { operator: 'op-1', line: 2, recorded: true },
          fulfillment: { mode: 'delivery', slotId: '2030-03-05T08:00Z~delivery', address: { line1: '1 Road', city: 'London', postcode: 'SE1 1AA', country: 'GB' } },
        }),
      ),
    ).toEqual([]);
  });

  it('takes a shopper only by the loyalty identifier they hold, never by account id (issue 11)', () => {
    expect(issuePaths(sale({ shopperId: 'someone-else' }))).toEqual(['']);
    expect(issuePaths(sale({ loyaltyId: 'someone-else' }))).toEqual(['loyaltyId']);
    expect(issuePaths(sale({ loyaltyId: '7K3M9QX2D4HZP8TI' }))).toEqual(['loyaltyId']);
    expect(PosOrderRequest.parse(sale({ loyaltyId: ' 7k3m9qx2d4hzp8tb ' })).loyaltyId).toBe('7K3M9QX2D4HZP8TB');
  });

  it('says whom a sale credited: the identifier’s holder, nobody for an unknown identifier, nobody for none', () => {
    expect(loyaltyCreditOf({ shopperId: 'shopper-9', storeId: 'store-1' }, '7K3M9QX2D4HZP8TB')).toBe('shopper');
    expect(loyaltyCreditOf({ shopperId: walkInShopper('store-1'), storeId: 'store-1' }, '7K3M9QX2D4HZP8TB')).toBe('unknown-id');
    expect(loyaltyCreditOf({ shopperId: walkInShopper('store-1'), storeId: 'store-1' }, undefined)).toBe('none');
  });

  it('refuses a phone order handed over at the till, naming the mode', () => {
    expect(issuePaths(sale({ channel: 'phone' }))).toEqual(['fulfillment.mode']);
  });

  it('refuses no lines, more than 90, unknown fields, a card number for a payment method and a malformed reference', () => {
    expect(issuePaths(sale({ lines: [] }))).toEqual(['lines']);
    const many = (n: number) => Array.from({ length: n }, (_, i) => ({ sku: `SKU-${i}`, quantity: { count: 1 } }));
    expect(issuePaths(sale({ lines: many(MAX_POS_LINES) }))).toEqual([]);
    expect(issuePaths(sale({ lines: many(MAX_POS_LINES + 1) }))).toEqual(['lines']);
    expect(issuePaths(sale({ discount: 100 }))).toEqual(['']);
    expect(issuePaths(sale({ paymentMethod: '4242424242424242' }))).toEqual(['paymentMethod']);
    expect(issuePaths(sale({ posReference: ' ' }))).toEqual(['posReference']);
    expect(issuePaths(sale({ lines: [{ sku: 'MILK-1', quantity: { count: 1, grams: 100 } }] }))).toEqual(['lines.0.quantity']);
    expect(issuePaths(sale({ fulfillment: { mode: 'pickup' } }))).toEqual(['fulfillment.slotId']);
  });
});
