import { describe, expect, it } from 'vitest';
import { median, percentile, ratio, roundOrder } from '../lib/stats.js';

describe('median', () => {
  it('takes the middle value of an odd count, whatever the input order', () => {
    expect(median([9, 1, 5])).toBe(5);
  });

  it('averages the two middle values of an even count', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('ignores a single outlier that would drag a mean', () => {
    expect(median([10, 11, 12, 900])).toBe(11.5);
  });

  it('is NaN for no samples, so a missing figure never reads as zero', () => {
    expect(median([])).toBeNaN();
  });
});

describe('percentile', () => {
  it('uses the nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
  });

  it('returns the smallest value for percentile 0 rather than reading out of range', () => {
    expect(percentile([3, 1, 2], 0)).toBe(1);
  });
});

describe('ratio', () => {
  it('divides measured figures', () => {
    expect(ratio(150, 100)).toBe(1.5);
  });

  it('is NaN when either side is missing or the divisor is zero', () => {
    expect(ratio(Number.NaN, 1)).toBeNaN();
    expect(ratio(1, Number.NaN)).toBeNaN();
    expect(ratio(1, 0)).toBeNaN();
  });
});

describe('roundOrder', () => {
  it('alternates forwards and backwards so that no contender always runs last', () => {
    expect(roundOrder(['a', 'b', 'c'], 0)).toEqual(['a', 'b', 'c']);
    expect(roundOrder(['a', 'b', 'c'], 1)).toEqual(['c', 'b', 'a']);
    expect(roundOrder(['a', 'b', 'c'], 2)).toEqual(['a', 'b', 'c']);
  });

  it('leaves the input array untouched', () => {
    const items = ['a', 'b'];
    roundOrder(items, 1);
    expect(items).toEqual(['a', 'b']);
  });
});
