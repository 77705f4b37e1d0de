import { AppError } from '../errors.js';

/**
 * The request's `Idempotency-Key`, for routes that cannot do without one (a checkout must never become two orders
 * because a phone retried on a bad network).
 * @throws AppError (400 `idempotency-key-required`) when it is missing or empty, or longer than 255 characters
 */
export function requireIdempotencyKey(headers: Record<string, string | undefined>): string {
  const key = headers['idempotency-key']?.trim();
  if (!key) throw new AppError('invalid', 'idempotency-key-required', 'This request needs an Idempotency-Key header: a unique value per checkout, repeated on retries.');
  if (key.length > 255) throw new AppError('invalid', 'bad-idempotency-key', 'Idempotency-Key is longer than 255 characters.');
  return key;
}
