import { describe, expect, it } from 'vitest';
import { decodeSearchCursor, encodeSearchCursor, SearchQuery } from '../../../shared/search/requests.js';

const parse = (raw: Record<string, string>) => SearchQuery.parse(raw);
const failures = (raw: Record<string, string>) => {
  const result = SearchQuery.safeParse(raw);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('SearchQuery', () => {
  it('reads comma-separated brands and dietary flags, flags and defaults', () => {
    expect(parse({ q: ' bananas ', brand: 'Heinz, Walkers,Heinz', diet: 'vegan,gluten-free', onOffer: 'true' })).toEqual({
      q: 'bananas',
      brand: ['Heinz', 'Walkers'],
      diet: ['vegan', 'gluten-free'],
      onOffer: true,
      sort: 'relevance',
      limit: 24,
    });
  });

  it('refuses unknown parameters, unknown flags and out-of-range limits, naming each', () => {
    expect(failures({ colour: 'red' })).toEqual([expect.stringContaining('colour')]);
    expect(failures({ diet: 'vegan,keto' })[0]).toMatch(/^diet\.1: /);
    expect(failures({ limit: '0' })[0]).toMatch(/^limit: /);
    expect(failures({ limit: '101' })[0]).toMatch(/^limit: /);
    expect(failures({ sort: 'name' })[0]).toMatch(/^sort: /);
    expect(failures({ onOffer: 'yes' })[0]).toMatch(/^onOffer: /);
  });

  it('refuses inStock without a store to count stock at', () => {
    expect(failures({ inStock: 'true' })).toEqual(['inStock: needs store: stock is counted per store']);
    expect(failures({ inStock: 'true', store: 'camden' })).toEqual([]);
  });
});

describe('search cursors', () => {
  const query = parse({ q: 'milk', diet: 'organic', sort: 'price-asc' });

  it('carry the offset of the next page of the same search, whatever the page size', () => {
    const cursor = encodeSearchCursor(query, 48);
    expect(decodeSearchCursor(query, cursor)).toBe(48);
    expect(decodeSearchCursor({ ...query, limit: 10 }, cursor)).toBe(48);
  });

  it('are refused by another search', () => {
    const cursor = encodeSearchCursor(query, 24);
    expect(() => decodeSearchCursor({ ...query, q: 'cheese' }, cursor)).toThrow(expect.objectContaining({ fields: [{ field: 'query.cursor', message: expect.stringMatching(/another search/) }] }));
    expect(() => decodeSearchCursor({ ...query, sort: 'price-desc' }, cursor)).toThrow(/cursor is not valid/);
    expect(() => decodeSearchCursor({ ...query, diet: undefined }, cursor)).toThrow(/cursor is not valid/);
  });

  it('are refused when edited or garbled', () => {
    const body = JSON.parse(Buffer.from(encodeSearchCursor(query, 24), 'base64url').toString('utf8')) as { o: number; f: string };
    const edited = Buffer.from(JSON.stringify({ ...body, o: 2400 })).toString('base64url');
    expect(() => decodeSearchCursor(query, edited)).toThrow(/cursor is not valid/);
    expect(() => decodeSearchCursor(query, 'not a cursor')).toThrow(/cursor is not valid/);
    expect(() => decodeSearchCursor(query, Buffer.from('{"o":-1,"f":"x"}').toString('base64url'))).toThrow(/cursor is not valid/);
  });
});
