import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAdultOn } from '../../../shared/checkout/age.js';
import { checkoutKeyOf } from '../../../shared/checkout/start.js';
import { describeFailure } from '../../../shared/checkout/steps/compensation.js';
import { orderHoldSeconds } from '../../../shared/checkout/steps/reservation.js';
import { MAX_HOLD_SECONDS } from '../../../shared/inventory/reservations.js';

describe('isAdultOn', () => {
  it('comes of age on the 18th birthday, not the day before', () => {
    expect(isAdultOn('2008-11-26', new Date('2026-11-26T00:00:00Z'))).toBe(true);
    expect(isAdultOn('2008-11-27', new Date('2026-11-26T23:59:59Z'))).toBe(false);
  });

  it('makes a 29 February birthday come of age on 1 March in a year without one', () => {
    expect(isAdultOn('2008-02-29', new Date('2026-02-28T12:00:00Z'))).toBe(false);
    expect(isAdultOn('2008-02-29', new Date('2026-03-01T00:00:00Z'))).toBe(true);
  });

  it('is monotone: once of age, always of age', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('1950-01-01'), max: new Date('2030-12-31'), noInvalidDate: true }), fc.nat(20_000), (born, days) => {
        const dob = born.toISOString().slice(0, 10);
        const on = new Date(born.getTime() + days * 86_400_000);
        const later = new Date(on.getTime() + 86_400_000);
        if (isAdultOn(dob, on)) expect(isAdultOn(dob, later)).toBe(true);
      }),
    );
  });
});

describe('orderHoldSeconds', () => {
  const now = new Date('2026-11-26T10:00:00Z');

  it('holds to the end of the slot and a day beyond, for late picks', () => {
    expect(orderHoldSeconds('2026-11-27T10:00:00Z', now)).toBe(2 * 24 * 60 * 60);
  });

  it('holds a till sale an hour, and never less than an hour or more than the longest hold', () => {
    expect(orderHoldSeconds(undefined, now)).toBe(3600);
    expect(orderHoldSeconds('2026-11-20T10:00:00Z', now)).toBe(3600);
    expect(orderHoldSeconds('2027-01-01T00:00:00Z', now)).toBe(MAX_HOLD_SECONDS);
  });
});

describe('describeFailure', () => {
  it('names a timeout by what the order waited for', () => {
    expect(describeFailure({ Error: 'States.Timeout' }, 'payment-pending').code).toBe('authentication-timeout');
    expect(describeFailure({ Error: 'States.Timeout' }, 'picking').code).toBe('pick-timeout');
    // Picked, the saga waits only on the shopper authenticating a re-authorization.
    expect(describeFailure({ Error: 'States.Timeout' }, 'picked').code).toBe('authentication-timeout');
  });

  it('keeps the message of a failure the shopper can act on, from a Lambda cause or a plain one', () => {
    expect(describeFailure({ Error: 'PaymentDeclined', Cause: JSON.stringify({ errorMessage: 'card declined (card_declined)', errorType: 'PaymentDeclined' }) }, 'reserved')).toEqual({
      code: 'payment-declined',
      reason: 'card declined (card_declined)',
    });
    expect(describeFailure({ Error: 'InsufficientStockError', Cause: 'short of FP-APPLES' }, 'pending')).toEqual({ code: 'insufficient-stock', reason: 'short of FP-APPLES' });
  });

  it('hides the detail of anything unexpected', () => {
    const described = describeFailure({ Error: 'TypeError', Cause: JSON.stringify({ errorMessage: 'cannot read x of undefined at /var/task/index.js' }) }, 'confirmed');
    expect(described.code).toBe('checkout-error');
    expect(described.reason).not.toContain('/var/task');
  });
});

describe('checkoutKeyOf', () => {
  it('ties a key to its shopper: the same key from two shoppers is two checkouts', () => {
    expect(checkoutKeyOf('alice', 'k1')).toBe(checkoutKeyOf('alice', 'k1'));
    expect(checkoutKeyOf('alice', 'k1')).not.toBe(checkoutKeyOf('bob', 'k1'));
    expect(checkoutKeyOf('alice', 'k1')).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });
});
