import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findPans, looksLikePan, luhn } from '../../../shared/payments/pan.js';

const digit = fc.integer({ min: 0, max: 9 }).map(String);
const digits = (length: number) => fc.array(digit, { minLength: length, maxLength: length }).map((d) => d.join(''));

/** Appends the Luhn check digit to a payload. */
function withLuhn(payload: string): string {
  const check = [...'0123456789'].find((d) => luhn(payload + d)) as string;
  return payload + check;
}

/** Appends the GS1 (weights 3,1 from the right) check digit to a GTIN payload. */
function withGs1(payload: string): string {
  const sum = [...payload].reverse().reduce((total, d, i) => total + Number(d) * (i % 2 === 0 ? 3 : 1), 0);
  return payload + String((10 - (sum % 10)) % 10);
}

const pan = fc.oneof(
  fc.integer({ min: 16, max: 19 }).chain((length) => digits(length - 1).map(withLuhn)),
  fc.tuple(fc.constantFrom('34', '37'), digits(12)).map(([prefix, rest]) => withLuhn(prefix + rest)),
);

function grouped(number: string, separator: string): string {
  return number.match(/.{1,4}/g)!.join(separator);
}

const crockford = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const ulid = fc
  .tuple(fc.constantFrom(...'01234567'), fc.array(fc.constantFrom(...crockford), { minLength: 25, maxLength: 25 }))
  .map(([first, rest]) => first + rest.join(''));

describe('luhn', () => {
  it('accepts Stripe test cards and refuses a changed digit', () => {
    expect(luhn('4242424242424242')).toBe(true);
    expect(luhn('4000002500003155')).toBe(true);
    expect(luhn('4242424242424241')).toBe(false);
    expect(luhn('')).toBe(false);
  });
});

describe('findPans', () => {
  it('catches every generated Luhn-valid card number, plain, grouped by spaces or dashes, or inside text', () => {
    fc.assert(
      fc.property(pan, fc.constantFrom('', ' ', '-'), fc.constantFrom('', 'card: ', 'my card is '), (number, separator, prefix) => {
        expect(looksLikePan(prefix + grouped(number, separator))).toBe(true);
      }),
    );
  });

  it('reports the path of each card number in nested JSON, including integers and member names', () => {
    const body = {
      shopper: 'alice',
      payment: { method: 'pm_card_visa', cards: [{ number: '4242 4242 4242 4242' }, { number: 4000002500003155 }] },
      notes: 'expiry after the number: 5555-5555-5555-4444 12/34',
      '378282246310005': 'amex as a key',
    };
    expect(findPans(body).sort()).toEqual(['378282246310005', 'notes', 'payment.cards.0.number', 'payment.cards.1.number']);
    expect(findPans('4242424242424242')).toEqual(['']);
  });

  it('leaves ULIDs, payment method ids and Luhn-failing numbers alone', () => {
    fc.assert(
      fc.property(ulid, (id) => {
        expect(findPans({ orderId: id, cartId: id.toLowerCase() })).toEqual([]);
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 16, max: 19 }).chain((length) => digits(length - 1)), (payload) => {
        const valid = withLuhn(payload);
        const invalid = valid.slice(0, -1) + String((Number(valid.slice(-1)) + 1) % 10);
        expect(looksLikePan(invalid)).toBe(false);
      }),
    );
    expect(findPans({ paymentMethod: 'pm_card_visa', intent: 'pi_3MtwBwLkdIwHu7ix28a3tqPa' })).toEqual([]);
  });

  it('never flags a GTIN-8, -12, -13 or -14 barcode, even one that happens to pass Luhn', () => {
    fc.assert(
      fc.property(fc.constantFrom(8, 12, 13, 14).chain((length) => digits(length - 1).map(withGs1)), (gtin) => {
        expect(findPans({ gtin, barcodes: [gtin, Number(gtin)] })).toEqual([]);
      }),
    );
    expect(luhn('4006381333931')).toBe(false);
    expect(luhn('4000000000006')).toBe(true);
    expect(looksLikePan('4000000000006')).toBe(false);
  });

  it('does not read phone numbers as cards, including 15-digit ones that pass Luhn', () => {
    fc.assert(
      fc.property(fc.integer({ min: 7, max: 15 }).chain(digits), (number) => {
        expect(looksLikePan(`+${number}`)).toBe(false);
        expect(looksLikePan(`+${grouped(number, ' ')}`)).toBe(false);
      }),
    );
    expect(looksLikePan('020 7946 0958')).toBe(false);
    expect(looksLikePan(withLuhn('44207946095812'))).toBe(false);
  });
});
