import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { tableDeps, type TableDeps } from '../db/deps.js';
import { keys, TTL_ATTRIBUTE } from '../db/keys.js';
import { AppError } from '../errors.js';
import { fixedWindow, retryAfterSeconds, type FixedWindow } from './windows.js';

/**
 * A per-subject rate limiter in the table: one counter item per limiter, subject and fixed window, taken with ONE
 * conditional update (`count < :limit`), so that racing requests can never together exceed the limit, and removed by
 * TTL an hour after its window ends. Nothing is read first.
 */

/** A limit: at most `limit` takes per subject in each window of `windowSeconds`. */
export interface RateLimit {
  /** Names the limiter in its keys and in the problem; kebab-case. */
  name: string;
  limit: number;
  windowSeconds: number;
  /** The problem type a refusal answers with. */
  code: string;
  /** What the refusal says was too frequent, as the end of "Too many …". */
  what: string;
}

/**
 * The limits the API applies per subject (the principal's subject: a shopper, a member of staff, an integration).
 * - holds and checkouts: 10 a minute each, far above what a person clicking does, far below what hoarding scripts need;
 * - coupon attempts that fail: 5 in 15 minutes, after which the subject's coupon attempts are refused until the window
 *   ends, so guessing codes (at most 10 in a burst across a window's edge) is useless against 12-character codes.
 */
export const RATE_LIMITS = {
  cartHold: { name: 'cart-hold', limit: 10, windowSeconds: 60, code: 'too-many-requests', what: 'basket holds' },
  checkout: { name: 'checkout', limit: 10, windowSeconds: 60, code: 'too-many-requests', what: 'checkouts' },
  couponFailures: { name: 'coupon-failures', limit: 5, windowSeconds: 15 * 60, code: 'too-many-coupon-attempts', what: 'coupon codes that did not apply' },
} as const satisfies Record<string, RateLimit>;

/** How long a window's counter outlives the window before TTL removes it. */
const RETENTION_SECONDS = 60 * 60;

/** The subject used its budget for this window; `Retry-After` says when the next one starts. */
export class RateLimitedError extends AppError {
  override readonly name = 'RateLimitedError';
  constructor(limit: RateLimit, retryAfter: number) {
    super('rate-limited', limit.code, `Too many ${limit.what}: at most ${limit.limit} every ${limit.windowSeconds} seconds. Try again in ${retryAfter} seconds.`, {
      retryAfterSeconds: retryAfter,
      extensions: { limit: limit.limit, windowSeconds: limit.windowSeconds },
    });
  }
}

/** A take from one window, to give back to that same window even after the clock has moved into the next. */
export interface RateTicket {
  limit: RateLimit;
  subject: string;
  window: FixedWindow;
}

/**
 * Counts one request of `subject` against `limit` in the current window, or refuses it.
 * @throws RateLimitedError (429, with `retryAfterSeconds` until the window ends) when the window's budget is spent
 */
export async function takeRate(limit: RateLimit, subject: string, deps: Pick<TableDeps, 'db' | 'tableName' | 'now'> = tableDeps()): Promise<RateTicket> {
  const now = deps.now();
  const window = fixedWindow(now, limit.windowSeconds);
  try {
    await deps.db.send(
      new UpdateCommand({
        TableName: deps.tableName,
        Key: keys.rateWindow(limit.name, subject, window.start.toISOString()),
        UpdateExpression: 'SET entityType = :type, schemaVersion = :schema, #ttl = :ttl ADD #count :one',
        ConditionExpression: 'attribute_not_exists(#count) OR #count < :limit',
        ExpressionAttributeNames: { '#count': 'count', '#ttl': TTL_ATTRIBUTE },
        ExpressionAttributeValues: {
          ':type': 'RateWindow',
          ':schema': 1,
          ':ttl': Math.floor(window.end.getTime() / 1000) + RETENTION_SECONDS,
          ':one': 1,
          ':limit': limit.limit,
        },
      }),
    );
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) throw new RateLimitedError(limit, retryAfterSeconds(now, window.end));
    throw error;
  }
  return { limit, subject, window };
}

/**
 * Gives a take back to its window: for limits that count only failures (a coupon that did apply costs nothing), the
 * attempt is taken first, so that racing attempts cannot overrun the limit, and returned when it succeeded.
 */
export async function giveBackRate(ticket: RateTicket, deps: Pick<TableDeps, 'db' | 'tableName'> = tableDeps()): Promise<void> {
  await deps.db.send(
    new UpdateCommand({
      TableName: deps.tableName,
      Key: keys.rateWindow(ticket.limit.name, ticket.subject, ticket.window.start.toISOString()),
      UpdateExpression: 'ADD #count :minusOne',
      // Never below zero, and never recreating a window that TTL already removed.
      ConditionExpression: '#count > :zero',
      ExpressionAttributeNames: { '#count': 'count' },
      ExpressionAttributeValues: { ':minusOne': -1, ':zero': 0 },
    }),
  ).catch((error: unknown) => {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  });
}
