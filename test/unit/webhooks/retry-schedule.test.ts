import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RETRY_DELAYS_SECONDS,
  delayAfterFailure,
  failedPastWindow,
  hopDelaySeconds,
  MAX_SQS_DELAY_SECONDS,
  retryWindowSeconds,
} from '../../../shared/webhooks/retry-schedule.js';

const HOUR = 3600;

/** A retry schedule as configuration may give it: up to 12 delays of up to a week. */
const schedule = fc.array(fc.integer({ min: 0, max: 7 * 24 * HOUR }), { minLength: 1, maxLength: 12 });

describe('webhook retry schedule', () => {
  it('waits longer after each failure of the production schedule, never shorter', () => {
    for (let n = 2; n <= DEFAULT_RETRY_DELAYS_SECONDS.length; n += 1) {
      expect(delayAfterFailure(DEFAULT_RETRY_DELAYS_SECONDS, n)!).toBeGreaterThanOrEqual(delayAfterFailure(DEFAULT_RETRY_DELAYS_SECONDS, n - 1)!);
    }
    expect(delayAfterFailure(DEFAULT_RETRY_DELAYS_SECONDS, 1)).toBe(5);
  });

  it('retries for about three days in production: the window lands between 60 and 72 hours, ten attempts in all', () => {
    const window = retryWindowSeconds(DEFAULT_RETRY_DELAYS_SECONDS);
    expect(window).toBeGreaterThanOrEqual(60 * HOUR);
    expect(window).toBeLessThanOrEqual(72 * HOUR);
    expect(window).toBe(221_705);
    expect(delayAfterFailure(DEFAULT_RETRY_DELAYS_SECONDS, DEFAULT_RETRY_DELAYS_SECONDS.length + 1)).toBeUndefined();
  });

  it('makes exactly one attempt more than the schedule has delays, the delays adding up to the window', () => {
    fc.assert(
      fc.property(schedule, (delays) => {
        let waited = 0;
        let attempts = 1;
        for (let delay = delayAfterFailure(delays, attempts); delay !== undefined; delay = delayAfterFailure(delays, attempts)) {
          waited += delay;
          attempts += 1;
        }
        expect(attempts).toBe(delays.length + 1);
        expect(waited).toBe(retryWindowSeconds(delays));
      }),
    );
  });

  it('refuses an attempt count that is not a positive whole number', () => {
    expect(() => delayAfterFailure(DEFAULT_RETRY_DELAYS_SECONDS, 0)).toThrow(RangeError);
    expect(() => delayAfterFailure(DEFAULT_RETRY_DELAYS_SECONDS, 1.5)).toThrow(RangeError);
  });

  it('reaches any due time in SQS hops of at most 15 minutes that add up to the wait, however far it is', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3 * 24 * HOUR * 1000 }), fc.date({ min: new Date('2020-01-01'), max: new Date('2040-01-01'), noInvalidDate: true }), (waitMs, start) => {
        const notBefore = new Date(start.getTime() + waitMs);
        let now = start;
        let hops = 0;
        for (let hop = hopDelaySeconds(notBefore, now); hop > 0; hop = hopDelaySeconds(notBefore, now)) {
          expect(hop).toBeLessThanOrEqual(MAX_SQS_DELAY_SECONDS);
          now = new Date(now.getTime() + hop * 1000);
          hops += 1;
        }
        // Whole seconds, rounded up: never early, at most a second late.
        expect(now.getTime()).toBeGreaterThanOrEqual(notBefore.getTime());
        expect(now.getTime() - notBefore.getTime()).toBeLessThan(1000);
        expect(hops).toBe(Math.ceil(Math.ceil(waitMs / 1000) / MAX_SQS_DELAY_SECONDS));
      }),
    );
  });

  it('needs no hop for a message due now or already past', () => {
    const now = new Date('2030-05-01T12:00:00Z');
    expect(hopDelaySeconds(now, now)).toBe(0);
    expect(hopDelaySeconds(new Date(now.getTime() - 60_000), now)).toBe(0);
    expect(hopDelaySeconds(new Date(now.getTime() + 1), now)).toBe(1);
  });

  it('disables an endpoint only once it has failed for the whole window', () => {
    fc.assert(
      fc.property(schedule, fc.integer({ min: 0, max: 30 * 24 * HOUR }), (delays, failingForSeconds) => {
        const now = new Date('2030-05-01T12:00:00Z');
        const since = new Date(now.getTime() - failingForSeconds * 1000);
        expect(failedPastWindow(since, now, delays)).toBe(failingForSeconds >= retryWindowSeconds(delays));
      }),
    );
    expect(failedPastWindow(undefined, new Date(), DEFAULT_RETRY_DELAYS_SECONDS)).toBe(false);
  });
});
