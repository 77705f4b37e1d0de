import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fixedWindow, retryAfterSeconds } from '../../../shared/limits/windows.js';

const instants = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true });
const lengths = fc.integer({ min: 1, max: 24 * 60 * 60 });

describe('fixed windows', () => {
  it('puts an instant in the window of its minute, aligned on the epoch', () => {
    expect(fixedWindow(new Date('2030-03-04T09:00:59.999Z'), 60)).toEqual({ start: new Date('2030-03-04T09:00:00Z'), end: new Date('2030-03-04T09:01:00Z') });
    expect(fixedWindow(new Date('2030-03-04T09:14:00Z'), 900)).toEqual({ start: new Date('2030-03-04T09:00:00Z'), end: new Date('2030-03-04T09:15:00Z') });
  });

  it('always holds its instant, lasts exactly its length and starts on a multiple of it', () => {
    fc.assert(
      fc.property(instants, lengths, (at, seconds) => {
        const { start, end } = fixedWindow(at, seconds);
        expect(start.getTime()).toBeLessThanOrEqual(at.getTime());
        expect(at.getTime()).toBeLessThan(end.getTime());
        expect(end.getTime() - start.getTime()).toBe(seconds * 1000);
        expect(start.getTime() % (seconds * 1000)).toBe(0);
      }),
    );
  });

  it('gives every instant of one window the same window, and the next window starts where it ends', () => {
    fc.assert(
      fc.property(instants, lengths, fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (at, seconds, fraction) => {
        const window = fixedWindow(at, seconds);
        const other = new Date(window.start.getTime() + Math.floor(fraction * seconds * 1000));
        expect(fixedWindow(other, seconds)).toEqual(window);
        expect(fixedWindow(window.end, seconds).start).toEqual(window.end);
      }),
    );
  });

  it('says to retry after whole seconds that reach the next window, at least 1 and at most the window', () => {
    expect(retryAfterSeconds(new Date('2030-03-04T09:00:00Z'), new Date('2030-03-04T09:15:00Z'))).toBe(900);
    expect(retryAfterSeconds(new Date('2030-03-04T09:00:59.001Z'), new Date('2030-03-04T09:01:00Z'))).toBe(1);
    fc.assert(
      fc.property(instants, lengths, (at, seconds) => {
        const { end } = fixedWindow(at, seconds);
        const retry = retryAfterSeconds(at, end);
        expect(retry).toBeGreaterThanOrEqual(1);
        expect(retry).toBeLessThanOrEqual(seconds);
        expect(at.getTime() + retry * 1000).toBeGreaterThanOrEqual(end.getTime());
      }),
    );
  });

  it('refuses a window that is not a positive whole number of seconds', () => {
    for (const seconds of [0, -1, 1.5, Number.NaN]) expect(() => fixedWindow(new Date(), seconds)).toThrow(RangeError);
  });
});
