/**
 * When a webhook delivery is tried again. Pure: the sender (`send-delivery.ts`) asks it what to do after a failed
 * attempt, and how long the next SQS hop may wait.
 *
 * The first attempt goes out as soon as the event reaches the fan-out; each failure waits the next delay of the
 * schedule, so a delivery is tried `delays.length + 1` times over `retryWindowSeconds(delays)` (about 61.6 hours with
 * the production schedule), then given up as `failed`. The same window decides when an endpoint that keeps failing is
 * disabled: one that has failed without a success for the whole window has had every delivery of that time retried to
 * the end.
 */

/**
 * The production schedule, in seconds: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, 14 h, 20 h (61 h 35 min 5 s in all).
 * Quick at first (a deploy or a restart of the receiver), then hours apart (an outage over a weekend).
 */
export const DEFAULT_RETRY_DELAYS_SECONDS: readonly number[] = [5, 300, 1800, 7200, 18_000, 36_000, 36_000, 50_400, 72_000];

/** The longest `DelaySeconds` SQS takes: a longer wait is made of several hops of at most this. */
export const MAX_SQS_DELAY_SECONDS = 900;

/** The whole retry window of a schedule: from the first attempt to the last, in seconds. */
export function retryWindowSeconds(delays: readonly number[]): number {
  return delays.reduce((sum, delay) => sum + delay, 0);
}

/**
 * How long to wait before the next attempt once `attemptsMade` attempts (at least one) have failed, or `undefined`
 * when the schedule is spent and the delivery is given up.
 */
export function delayAfterFailure(delays: readonly number[], attemptsMade: number): number | undefined {
  if (!Number.isInteger(attemptsMade) || attemptsMade < 1) throw new RangeError(`attemptsMade must be a positive integer, got ${attemptsMade}`);
  return delays[attemptsMade - 1];
}

/**
 * The `DelaySeconds` of the message that waits for `notBefore`: the time left, rounded up to a whole second, at most
 * one SQS hop. A message received with time still left is sent again with the next hop (see `send-delivery.ts`).
 */
export function hopDelaySeconds(notBefore: Date, now: Date): number {
  const remaining = Math.ceil((notBefore.getTime() - now.getTime()) / 1000);
  return Math.min(MAX_SQS_DELAY_SECONDS, Math.max(0, remaining));
}

/**
 * Whether an endpoint failing since `failingSince` (its first failure after a success) has failed for the whole retry
 * window by `now`, and is to be disabled at this failure.
 */
export function failedPastWindow(failingSince: Date | undefined, now: Date, delays: readonly number[]): boolean {
  if (failingSince === undefined) return false;
  return now.getTime() - failingSince.getTime() >= retryWindowSeconds(delays) * 1000;
}
