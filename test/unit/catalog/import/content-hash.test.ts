import { describe, expect, it } from 'vitest';
import { canonicalJson, contentHash } from '../../../../shared/catalog/import/content-hash.js';

describe('content hashing', () => {
  it('ignores key order and undefined members at every level', () => {
    const a = { name: 'Beans', variants: [{ sku: 'B-1', price: { amount: 1, currency: 'GBP' } }], brand: undefined };
    const b = { variants: [{ price: { currency: 'GBP', amount: 1 }, sku: 'B-1' }], name: 'Beans' };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(contentHash(a)).toBe(contentHash(b));
  });

  it('changes with any value, and with the order of a list', () => {
    const base = { tags: ['a', 'b'], price: 100 };
    expect(contentHash(base)).not.toBe(contentHash({ ...base, price: 101 }));
    expect(contentHash(base)).not.toBe(contentHash({ ...base, tags: ['b', 'a'] }));
  });

  it('is a hex SHA-256', () => {
    expect(contentHash({})).toBe('44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a');
  });
});
