/**
 * Fixed time windows, the arithmetic behind the rate limiter. Pure: every instant is given, none is read.
 *
 * A fixed window (rather than a sliding one) costs one counter item and one conditional update per request, and its
 * worst case is known: a caller who spends a window's budget at its very end and the next window's at its very
 * start gets twice the limit in a short burst, never more.
 */

/** One window of a limiter: from `start` (inclusive) to `end` (exclusive). */
export interface FixedWindow {
  start: Date;
  end: Date;
}

/**
 * The window of `windowSeconds` that contains `at`. Windows are aligned on the epoch, so every container and every
 * request agrees on where one ends without sharing any state.
 * @throws RangeError when `windowSeconds` is not a positive whole number
 */
export function fixedWindow(at: Date, windowSeconds: number): FixedWindow {
  if (!Number.isSafeInteger(windowSeconds) || windowSeconds <= 0) throw new RangeError(`a window lasts a positive whole number of seconds, not ${windowSeconds}`);
  const length = windowSeconds * 1000;
  const start = Math.floor(at.getTime() / length) * length;
  return { start: new Date(start), end: new Date(start + length) };
}

/**
 * What `Retry-After` says at `at` for a window that ends at `end`: whole seconds, rounded up so that a client that
 * waits exactly that long is in the next window, and at least 1.
 */
export function retryAfterSeconds(at: Date, end: Date): number {
  return Math.max(1, Math.ceil((end.getTime() - at.getTime()) / 1000));
}
