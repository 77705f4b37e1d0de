import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { correlationIdFor } from '../../../shared/http/correlation-id.js';

const REQUEST_ID = 'c0a8f3e2-7b1d-4e5f-9a6b-0c1d2e3f4a5b';
const safeChar = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:-'.split(''));

describe('correlationIdFor', () => {
  it('keeps a caller id of 1 to 64 safe characters that is not card-like', () => {
    for (const id of ['abc', 'logs-01JD8Z4Q7W5X3N2M1K0H9G8F7E-product-3', 'tour:step.1', REQUEST_ID, 'x'.repeat(64), '5901234123457']) {
      expect(correlationIdFor(id, REQUEST_ID)).toBe(id);
    }
  });

  it('uses the request id when none is given, or the given one is empty, too long, or has other characters', () => {
    for (const id of [undefined, '', 'x'.repeat(65), 'a b', 'line\nbreak', '{"level":"ERROR"}', 'ünïcode', 'id;drop']) {
      expect(correlationIdFor(id, REQUEST_ID)).toBe(REQUEST_ID);
    }
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 80 }), (id) => {
        fc.pre(!/^[A-Za-z0-9._:-]{1,64}$/.test(id));
        expect(correlationIdFor(id, REQUEST_ID)).toBe(REQUEST_ID);
      }),
    );
  });

  it('never keeps a card number, in any of the spellings its characters allow', () => {
    for (const id of ['4242424242424242', '4242-4242-4242-4242', '4242.4242.4242.4242', 'card:4242_4242_4242_4242', 'ref-378282246310005']) {
      expect(correlationIdFor(id, REQUEST_ID)).toBe(REQUEST_ID);
    }
  });

  it('keeps every safe id with no digits at all', () => {
    fc.assert(
      fc.property(fc.array(safeChar, { minLength: 1, maxLength: 64 }).map((c) => c.join('').replace(/\d/g, 'x')), (id) => {
        expect(correlationIdFor(id, REQUEST_ID)).toBe(id);
      }),
    );
  });
});
