import type { APIGatewayProxyEvent } from 'aws-lambda';
import { AppError, type FieldError } from '../errors.js';
import { findPans, looksLikePan } from '../privacy/pan.js';

const MESSAGE =
  'Card numbers are never accepted here. Tokenize the card with the payment provider (Stripe.js or the mobile SDK) and send the payment method id (pm_...) instead.';

const FIELD_MESSAGE = 'looks like a card number; send a payment method id (pm_...) instead';

/**
 * The request headers a handler stores, logs or answers with, apart from `X-Correlation-Id`
 * (replaced rather than refused, by `correlationIdFor`) and the credentials the authorizer reads.
 * Other headers reach no handler's output, and proxies add plenty that are not ours to refuse.
 */
const SCANNED_HEADERS = ['idempotency-key', 'if-match'] as const;

/** A member name can itself be the card number, so path segments that look like one are masked before the path is shown. */
function maskedPath(where: string, path: string): string {
  const segments = path === '' ? [] : path.split('.').map((segment) => (looksLikePan(segment) ? '*' : segment));
  return [where, ...segments].join('.');
}

function queryValues(event: APIGatewayProxyEvent): Record<string, string[]> {
  const values: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(event.queryStringParameters ?? {})) {
    if (value !== undefined) values[name] = [value];
  }
  for (const [name, many] of Object.entries(event.multiValueQueryStringParameters ?? {})) {
    values[name] = [...(values[name] ?? []), ...(many ?? [])];
  }
  return values;
}

function keptHeaders(event: APIGatewayProxyEvent): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of SCANNED_HEADERS) {
    const value = event.headers?.[name];
    if (value !== undefined) headers[name] = value;
  }
  return headers;
}

/** The refusal: 400 `card-number-refused` naming each field (as `body.a.b`, `query.x`, `path.id`, `header.idempotency-key`), never a value. */
function cardNumberRefused(fields: readonly string[]): AppError {
  const errors: FieldError[] = [...new Set(fields)].map((field) => ({ field, message: FIELD_MESSAGE }));
  return new AppError('invalid', 'card-number-refused', MESSAGE, { fields: errors });
}

/**
 * Refuses a request that holds something reading as a card number (`findPans`) in its parsed JSON
 * body, query string, path parameters or the headers handlers keep (`SCANNED_HEADERS`), with 400
 * `card-number-refused` naming the fields, never their values. Must run right after body parsing,
 * before validation, idempotency and anything that logs or stores the request. On refusal all of
 * them are dropped from the event (the raw path too), so no later middleware (or a future one that
 * logs the event on error) can print them.
 *
 * Multipart fields are scanned by `multipartBody()` once parsed. Text bodies (imports, and
 * provider webhooks, read raw so their signature can be checked over the exact bytes) are handled
 * where they are read: an import row with a card number is that row's error, and a webhook's card
 * numbers are redacted before it is queued.
 */
export function refuseCardNumbers(event: APIGatewayProxyEvent, bodyIsJson: boolean): void {
  const fields = [
    ...(bodyIsJson ? findPans((event as { body: unknown }).body).map((path) => maskedPath('body', path)) : []),
    ...findPans(queryValues(event)).map((path) => maskedPath('query', path.replace(/\.\d+$/, ''))),
    ...findPans(event.pathParameters ?? {}).map((path) => `path.${path}`),
    ...findPans(keptHeaders(event)).map((path) => `header.${path}`),
  ];
  if (fields.length === 0) return;
  event.body = null;
  event.queryStringParameters = {};
  event.multiValueQueryStringParameters = null;
  event.pathParameters = {};
  event.path = event.resource;
  event.requestContext.path = event.resource;
  for (const name of SCANNED_HEADERS) delete event.headers[name];
  throw cardNumberRefused(fields.sort());
}

/** What of a parsed multipart part can carry text: a field's value, or a file's name and media type (never its bytes). */
function partText(part: unknown): unknown {
  if (Array.isArray(part)) return part.map(partText);
  if (part !== null && typeof part === 'object' && 'content' in part) {
    const { filename, mimetype } = part as { filename?: unknown; mimetype?: unknown };
    return { filename, mimetype };
  }
  return part;
}

/**
 * Refuses a multipart/form-data request whose field values, part names or file names (or media
 * types) read as card numbers, as `refuseCardNumbers` does for JSON: 400 `card-number-refused`
 * naming `body.<part>` or `body.<part>.filename`, and the parsed body dropped. A file's content is
 * not read: uploads are images, whose bytes are not text.
 */
export function refuseCardNumbersInParts(event: { body: unknown }): void {
  const parts = (event.body ?? {}) as Record<string, unknown>;
  const text = Object.fromEntries(Object.entries(parts).map(([name, part]) => [name, partText(part)]));
  const fields = findPans(text).map((path) => maskedPath('body', path));
  if (fields.length === 0) return;
  event.body = null;
  throw cardNumberRefused(fields.sort());
}
