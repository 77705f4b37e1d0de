import { describe, expect, it } from 'vitest';
import { AddLineRequest, ApplyCouponRequest, CreateCartRequest, FulfillmentRequest, LoyaltyRequest, UpdateLineRequest } from '../../../shared/carts/requests.js';
import { fieldErrors } from '../../../shared/http/validate.js';

function errorsOf(schema: { safeParse: (v: unknown) => { success: boolean; error?: unknown } }, value: unknown) {
  const result = schema.safeParse(value);
  expect(result.success).toBe(false);
  return fieldErrors('body', result.error as never);
}

describe('AddLineRequest', () => {
  it('defaults the substitution to none', () => {
    expect(AddLineRequest.parse({ sku: 'MILK-1L', quantity: { count: 2 } })).toEqual({ sku: 'MILK-1L', quantity: { count: 2 }, substitution: 'none' });
  });

  it('refuses half an item, naming the count', () => {
    const errors = errorsOf(AddLineRequest, { sku: 'MILK-1L', quantity: { count: 0.5 } });
    expect(errors.map((e) => e.field)).toContain('body.quantity.count');
    expect(errors.find((e) => e.field === 'body.quantity.count')?.message).toBe('must be a whole number of items');
  });

  it('refuses zero, negative and absurd quantities', () => {
    for (const quantity of [{ count: 0 }, { count: -1 }, { count: 100 }, { count: 1e9 }, { grams: 10 }, { grams: 25_001 }, { millilitres: 0 }, { grams: 100.5 }]) {
      expect(AddLineRequest.safeParse({ sku: 'X1', quantity }).success, JSON.stringify(quantity)).toBe(false);
    }
  });

  it('refuses two kinds of quantity at once, unknown fields and unknown substitutions', () => {
    expect(AddLineRequest.safeParse({ sku: 'X1', quantity: { count: 1, grams: 100 } }).success).toBe(false);
    expect(errorsOf(AddLineRequest, { sku: 'X1', quantity: { count: 1 }, price: 1 })).toEqual([{ field: 'body', message: 'unknown field: price' }]);
    expect(AddLineRequest.safeParse({ sku: 'X1', quantity: { count: 1 }, substitution: 'whatever' }).success).toBe(false);
  });

  it('refuses a malformed SKU', () => {
    expect(errorsOf(AddLineRequest, { sku: 'lower case', quantity: { count: 1 } }).map((e) => e.field)).toEqual(['body.sku']);
  });
});

describe('UpdateLineRequest', () => {
  it('needs a quantity or a substitution', () => {
    expect(UpdateLineRequest.safeParse({}).success).toBe(false);
    expect(UpdateLineRequest.parse({ substitution: 'best-match' })).toEqual({ substitution: 'best-match' });
    expect(UpdateLineRequest.parse({ quantity: { grams: 500 } })).toEqual({ quantity: { grams: 500 } });
  });

  it('takes a chosen substitute with specific only, naming substituteSku otherwise', () => {
    expect(UpdateLineRequest.parse({ substitution: 'specific', substituteSku: 'OAT-1L' })).toEqual({ substitution: 'specific', substituteSku: 'OAT-1L' });
    expect(errorsOf(UpdateLineRequest, { substitution: 'specific' }).map((e) => e.field)).toEqual(['body.substituteSku']);
    expect(errorsOf(UpdateLineRequest, { substitution: 'best-match', substituteSku: 'OAT-1L' }).map((e) => e.field)).toEqual(['body.substituteSku']);
    expect(errorsOf(UpdateLineRequest, { quantity: { count: 1 }, substituteSku: 'OAT-1L' }).map((e) => e.field)).toEqual(['body.substituteSku']);
  });
});

describe('substitution preferences', () => {
  it('reads the spelling before issue 12, any, as best-match', () => {
    expect(AddLineRequest.parse({ sku: 'X1', quantity: { count: 1 }, substitution: 'any' })).toMatchObject({ substitution: 'best-match' });
    expect(UpdateLineRequest.parse({ substitution: 'any' })).toEqual({ substitution: 'best-match' });
  });

  it('defaults to none and needs the chosen SKU for specific', () => {
    expect(AddLineRequest.parse({ sku: 'X1', quantity: { count: 1 } })).toMatchObject({ substitution: 'none' });
    expect(AddLineRequest.parse({ sku: 'X1', quantity: { count: 1 }, substitution: 'specific', substituteSku: 'X2' })).toMatchObject({ substitution: 'specific', substituteSku: 'X2' });
    expect(errorsOf(AddLineRequest, { sku: 'X1', quantity: { count: 1 }, substitution: 'specific' }).map((e) => e.field)).toEqual(['body.substituteSku']);
    expect(errorsOf(AddLineRequest, { sku: 'X1', quantity: { count: 1 }, substituteSku: 'X2' }).map((e) => e.field)).toEqual(['body.substituteSku']);
  });
});

describe('other cart requests', () => {
  it('takes a store id slug only', () => {
    expect(CreateCartRequest.parse({ storeId: 'london-bridge' })).toEqual({ storeId: 'london-bridge' });
    expect(CreateCartRequest.safeParse({ storeId: 'London Bridge' }).success).toBe(false);
  });

  it('upper-cases coupon codes and refuses malformed ones', () => {
    expect(ApplyCouponRequest.parse({ code: ' welcome10 ' })).toEqual({ code: 'WELCOME10' });
    expect(ApplyCouponRequest.safeParse({ code: 'no spaces allowed' }).success).toBe(false);
    expect(ApplyCouponRequest.safeParse({ code: '' }).success).toBe(false);
  });

  it('takes whole, non-negative loyalty points', () => {
    expect(LoyaltyRequest.parse({ points: 0 })).toEqual({ points: 0 });
    expect(LoyaltyRequest.safeParse({ points: -5 }).success).toBe(false);
    expect(LoyaltyRequest.safeParse({ points: 2.5 }).success).toBe(false);
  });

  it('needs an address for delivery and a well-formed slot id for both modes', () => {
    const address = { line1: '1 High St', city: 'London', postcode: 'SE1 9RA', country: 'GB' };
    expect(FulfillmentRequest.safeParse({ mode: 'delivery', slotId: '2026-11-27T08:00Z~delivery', address }).success).toBe(true);
    expect(FulfillmentRequest.safeParse({ mode: 'pickup', slotId: '2026-11-27T08:00Z~pickup' }).success).toBe(true);
    expect(FulfillmentRequest.safeParse({ mode: 'delivery', slotId: '2026-11-27T08:00Z~delivery' }).success).toBe(false);
    expect(FulfillmentRequest.safeParse({ mode: 'pickup', slotId: 'tomorrow' }).success).toBe(false);
    expect(FulfillmentRequest.safeParse({ mode: 'pickup', slotId: '2026-11-27T08:00Z~pickup', address }).success).toBe(false);
    // A saved address instead of an inline one: exactly one of the two.
    expect(FulfillmentRequest.safeParse({ mode: 'delivery', slotId: '2026-11-27T08:00Z~delivery', addressId: '01J00000000000000000000000' }).success).toBe(true);
    expect(FulfillmentRequest.safeParse({ mode: 'delivery', slotId: '2026-11-27T08:00Z~delivery', address, addressId: '01J00000000000000000000000' }).success).toBe(false);
  });
});
