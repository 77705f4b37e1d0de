import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  findPans,
  findPanSpans,
  gs1CheckDigitValid,
  isBarcodeField,
  looksLikePan,
  luhn,
  REDACTED_PAN,
  redactPans,
  redactPansDeep,
} from '../../../shared/privacy/pan.js';

const digit = fc.integer({ min: 0, max: 9 }).map(String);
const digits = (length: number) => fc.array(digit, { minLength: length, maxLength: length }).map((d) => d.join(''));

/** Appends the Luhn check digit to a payload. */
function withLuhn(payload: string): string {
  return payload + [...'0123456789'].find((d) => luhn(payload + d))!;
}

/** Appends the GS1 (weights 3,1 from the right) check digit to a GTIN payload. */
function withGs1(payload: string): string {
  const sum = [...payload].reverse().reduce((total, d, i) => total + Number(d) * (i % 2 === 0 ? 3 : 1), 0);
  return payload + String((10 - (sum % 10)) % 10);
}

/** Card numbers as the schemes issue them: the lengths and first digits the detector's policy names. */
const pan = fc.oneof(
  digits(11).map((rest) => withLuhn(`4${rest}`)),
  fc.tuple(fc.constantFrom('300', '305', '309', '36', '38', '39'), digits(11)).map(([prefix, rest]) => withLuhn((prefix + rest).slice(0, 13))),
  fc.tuple(fc.constantFrom('34', '37'), digits(12)).map(([prefix, rest]) => withLuhn(prefix + rest)),
  fc.tuple(fc.integer({ min: 16, max: 19 }), fc.integer({ min: 2, max: 9 })).chain(([length, first]) => digits(length - 2).map((rest) => withLuhn(`${first}${rest}`))),
);

const separator = fc
  .array(fc.constantFrom(' ', '-', '.', '/', '_', '\u00a0', '\u2013', '\t'), { minLength: 1, maxLength: 3 })
  .map((s) => s.join(''));

/** The ways people group a card: 4-4-4-4(-3) for most, 4-6-5 for Amex (and 4-6-4 for 14 digits). */
function groups(number: string): string[] {
  if (number.length === 15 || number.length === 14) return [number.slice(0, 4), number.slice(4, 10), number.slice(10)];
  return number.match(/.{1,4}/g)!;
}

/** Joins groups, each gap with its own separator (mixed separators). */
const spelled = (number: string) =>
  fc.array(separator, { minLength: 5, maxLength: 5 }).map((gaps) => groups(number).reduce((text, group, i) => (i === 0 ? group : text + gaps[i - 1] + group), ''));

/** Text that can stand before or after a number without gluing to it. */
const around = fc.constantFrom('', 'card: ', 'my card is ', '(', 'pan=', '"', 'n° ');
const after = fc.constantFrom('', ' exp 12/34', '.', ', cvc 123', ')', ' thanks');

const crockford = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const ulid = fc
  .tuple(fc.constantFrom(...'01234567'), fc.array(fc.constantFrom(...crockford), { minLength: 25, maxLength: 25 }))
  .map(([first, rest]) => first + rest.join(''));

const gtin = fc.constantFrom(8, 12, 13, 14).chain((length) => digits(length - 1).map(withGs1));

describe('luhn and the GS1 check digit', () => {
  it('accepts Stripe test cards and refuses a changed digit', () => {
    expect(luhn('4242424242424242')).toBe(true);
    expect(luhn('4000002500003155')).toBe(true);
    expect(luhn('4242424242424241')).toBe(false);
    expect(luhn('')).toBe(false);
  });

  it('checks GS1 check digits of real barcodes', () => {
    expect(gs1CheckDigitValid('4006381333931')).toBe(true);
    expect(gs1CheckDigitValid('5901234123457')).toBe(true);
    expect(gs1CheckDigitValid('96385074')).toBe(true);
    expect(gs1CheckDigitValid('4006381333932')).toBe(false);
  });
});

describe('looksLikePan: each spelling', () => {
  it.each([
    ['plain', '4242424242424242'],
    ['spaces', '4242 4242 4242 4242'],
    ['dashes', '4242-4242-4242-4242'],
    ['dots', '4242.4242.4242.4242'],
    ['slashes', '4242/4242/4242/4242'],
    ['underscores', '4242_4242_4242_4242'],
    ['mixed separators', '4242 - 4242.4242/4242'],
    ['no-break spaces', '4242\u00a04242\u00a04242\u00a04242'],
    ['en dashes', '5555–5555–5555–4444'],
    ['Amex 4-6-5', '3782 822463 10005'],
    ['Amex plain', '378282246310005'],
    ['13-digit Visa', '4222222222222'],
    ['14-digit Diners 4-6-4', '3056 930902 5904'],
    ['19 digits 4-4-4-4-3', `6011 0000 0000 0000 00${withLuhn('601100000000000000').slice(-1)}`],
    ['inside text', 'my card is 4242424242424242, thanks'],
    ['with its expiry', '4242 4242 4242 4242 12/34'],
    ['after a snake_case label', 'card_4242424242424242'],
    ['as a negative number', '-4242424242424242'],
    ['with cents', '4242424242424242.00'],
    ['after + but longer than a phone number', '+4242424242424242'],
    ['in full-width digits', '４２４２４２４２４２４２４２４２'],
    ['in Arabic-Indic digits', '٤٢٤٢٤٢٤٢٤٢٤٢٤٢٤٢'],
  ])('finds a card written %s', (_, text) => {
    expect(looksLikePan(text)).toBe(true);
  });

  it.each([
    ['a ULID', '01JD8Z4Q7W5X3N2M1K0H9G8F7E'],
    ['a UUID, even one with all-digit groups', '12345678-1234-4234-8234-123456789012'],
    ['a Stripe id', 'pi_3MtwBwLkdIwHu7ix28a3tqPa'],
    ['digits glued to letters', 'x4242424242424242'],
    ['a timestamp in ms', '1718000000000'],
    ['a timestamp in µs', '1718000000000000'],
    ['an ISO timestamp', '2024-06-14T12:30:45.123Z'],
    ['a date range', '2024-06-14 - 2024-06-21'],
    ['a decimal with a long fraction', '0.8472937460234783'],
    ['a phone number', '+4915112345678'],
    ['a grouped phone number', '+44 20 7946 0958'],
    ['a GTIN-13 that passes Luhn, alone', '4000000000006'],
    ['a Luhn-valid 15-digit number without an Amex prefix', withLuhn('44207946095812')],
    ['a price', '129900'],
  ])('leaves %s alone', (_, text) => {
    expect(looksLikePan(text)).toBe(false);
  });

  it('finds every Luhn-valid card number in any spelling, inside any text', () => {
    fc.assert(
      fc.property(pan.chain((number) => spelled(number).map((text) => [number, text] as const)), around, after, ([, text], before, tail) => {
        expect(looksLikePan(before + text + tail)).toBe(true);
      }),
    );
  });

  it('finds every plain card number, alone or in text, unless it is also a valid GTIN standing alone', () => {
    fc.assert(
      fc.property(pan, around, after, (number, before, tail) => {
        expect(looksLikePan(`${before}${number}${tail} x`)).toBe(true);
        const gtinShaped = (number.length === 13 || number.length === 14) && gs1CheckDigitValid(number);
        expect(looksLikePan(number)).toBe(!gtinShaped);
      }),
    );
  });

  it('never finds a Luhn-failing number', () => {
    fc.assert(
      fc.property(pan, around, (number, before) => {
        const broken = number.slice(0, -1) + String((Number(number.slice(-1)) + 1) % 10);
        expect(looksLikePan(before + broken)).toBe(false);
      }),
    );
  });

  it('leaves ULIDs, UUIDs, timestamps, decimals and phone numbers alone', () => {
    fc.assert(
      fc.property(ulid, fc.uuid(), (id, uuid) => {
        expect(looksLikePan(`order ${id} ${id.toLowerCase()} request ${uuid}`)).toBe(false);
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1e12, max: Date.UTC(2033, 4, 17) }), (ms) => {
        expect(looksLikePan(String(ms))).toBe(false);
        expect(looksLikePan(String(ms * 1000))).toBe(false);
        expect(looksLikePan(`${ms}000000`)).toBe(false);
        expect(looksLikePan(new Date(ms).toISOString())).toBe(false);
      }),
    );
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1_000_000, noNaN: true }), (value) => {
        expect(looksLikePan(String(value))).toBe(false);
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 7, max: 15 }).chain(digits), (number) => {
        expect(looksLikePan(`+${number}`)).toBe(false);
        expect(looksLikePan(`call +${number.match(/.{1,4}/g)!.join(' ')}`)).toBe(false);
      }),
    );
  });
});

describe('barcodes', () => {
  it('recognizes barcode fields by a word of their name', () => {
    for (const name of ['gtin', 'barcode', 'barcodes', 'ean', 'ean13', 'ean_13', 'upc', 'upcA', 'productGtin', 'gtin14', 'case-barcode']) {
      expect(isBarcodeField(name)).toBe(true);
    }
    for (const name of ['mean', 'ocean', 'description', 'cardNumber', 'number', '']) expect(isBarcodeField(name)).toBe(false);
  });

  it('never flags a GTIN with a valid check digit in a barcode field, or standing alone anywhere, as text or number', () => {
    fc.assert(
      fc.property(gtin, (code) => {
        expect(looksLikePan(code, { barcodeField: true })).toBe(false);
        expect(findPans({ gtin: code, barcodes: [code, Number(code)], ean: ` ${code} `, code, number: Number(code) })).toEqual([]);
      }),
    );
  });

  it('still finds a 13-digit card in a barcode-shaped number when it sits in text, since a barcode is then read like any number', () => {
    expect(luhn('4000000000006') && gs1CheckDigitValid('4000000000006')).toBe(true);
    expect(looksLikePan('4000000000006')).toBe(false);
    expect(looksLikePan('card 4000000000006')).toBe(true);
    expect(looksLikePan('4000000000006', { barcodeField: true })).toBe(false);
  });
});

describe('findPans', () => {
  it('reports the path of each card number in nested JSON, including numbers and member names', () => {
    const body = {
      shopper: 'alice',
      payment: { method: 'pm_card_visa', cards: [{ number: '4242 4242 4242 4242' }, { number: 4000002500003155 }] },
      notes: 'expiry after the number: 5555-5555-5555-4444 12/34',
      '378282246310005': 'amex as a key',
    };
    expect(findPans(body).sort()).toEqual(['378282246310005', 'notes', 'payment.cards.0.number', 'payment.cards.1.number']);
    expect(findPans('4242424242424242')).toEqual(['']);
  });

  it('walks a value nested far deeper than the call stack allows', () => {
    let deep: unknown = ['4242424242424242'];
    for (let i = 0; i < 200_000; i += 1) deep = [deep];
    expect(findPans(deep)).toHaveLength(1);
  });

  it('leaves ULIDs, payment method ids and prices alone', () => {
    fc.assert(
      fc.property(ulid, (id) => {
        expect(findPans({ orderId: id, cartId: id.toLowerCase(), total: { amount: 129900, currency: 'GBP' } })).toEqual([]);
      }),
    );
    expect(findPans({ paymentMethod: 'pm_card_visa', intent: 'pi_3MtwBwLkdIwHu7ix28a3tqPa' })).toEqual([]);
  });
});

describe('redaction', () => {
  it('replaces each card number, and only it, by the marker', () => {
    expect(redactPans('card 4242 4242 4242 4242 exp 12/34, and 378282246310005.')).toBe(`card ${REDACTED_PAN} exp 12/34, and ${REDACTED_PAN}.`);
    expect(redactPans('nothing to see: 01JD8Z4Q7W5X3N2M1K0H9G8F7E')).toBe('nothing to see: 01JD8Z4Q7W5X3N2M1K0H9G8F7E');
    expect(findPanSpans('x 4242424242424242 y')).toEqual([{ start: 2, end: 18 }]);
  });

  it('leaves nothing card-like behind in any spelling, and the text around it as it was', () => {
    fc.assert(
      fc.property(pan.chain(spelled), around, after, (text, before, tail) => {
        const redacted = redactPans(before + text + tail);
        expect(looksLikePan(redacted)).toBe(false);
        expect(redacted).toBe(before + REDACTED_PAN + tail);
      }),
    );
  });

  it('redacts a copy of a JSON value, card numbers in strings, numbers and names, and says where', () => {
    const payload = { id: 'evt_1', data: { object: { description: 'paid with 4242424242424242', amount: 1299, ref: 5555555555554444, '4000002500003155': true } } };
    const { value, paths } = redactPansDeep(payload);
    expect(value).toEqual({ id: 'evt_1', data: { object: { description: `paid with ${REDACTED_PAN}`, amount: 1299, ref: REDACTED_PAN, [REDACTED_PAN]: true } } });
    expect(paths.sort()).toEqual([`data.object.${REDACTED_PAN}`, 'data.object.description', 'data.object.ref']);
    expect(payload.data.object.ref).toBe(5555555555554444);
    expect(findPans(value)).toEqual([]);
  });
});
