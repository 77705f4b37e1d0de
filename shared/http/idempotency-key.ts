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

/**
 * What one `Idempotency-Key` is scoped to: the method, the path as called (its parameters filled in), the caller and
 * the key. The path as called, not its template: the same key and body sent to two carts are two requests, and the
 * second must not replay the first cart's answer. Parameters are URI-encoded so that no value can forge another path.
 */
export function idempotencyScope(
  route: { method: string; path: string },
  pathParameters: Readonly<Record<string, string | undefined>> | null | undefined,
  subject: string | undefined,
  key: string,
): string {
  const path = route.path.replace(/\{(\w+)\+?\}/g, (_, name: string) => encodeURIComponent(pathParameters?.[name] ?? ''));
  return `${route.method} ${path} ${subject ?? 'anonymous'} ${key}`;
}
