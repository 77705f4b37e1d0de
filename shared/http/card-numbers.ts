import type { APIGatewayProxyEvent } from 'aws-lambda';
import { AppError, type FieldError } from '../errors.js';
import { findPans, looksLikePan } from '../payments/pan.js';

const MESSAGE =
  'Card numbers are never accepted here. Tokenize the card with the payment provider (Stripe.js or the mobile SDK) and send the payment method id (pm_...) instead.';

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

/**
 * Refuses a request whose parsed JSON body or query string holds something that reads as a card
 * number (`findPans`), with 400 `card-number-refused` naming the fields, never their values.
 * Must run right after body parsing, before validation, idempotency and anything that logs the
 * body. On refusal the body and query are dropped from the event, so no later middleware (or a
 * future one that logs the event on error) can print them.
 *
 * Text bodies (CSV and JSON-lines imports, and provider webhooks, which arrive raw so their
 * signature can be verified over the exact bytes) are not parsed here and not scanned: a
 * webhook is signed by the provider and carries only a card's last four digits.
 */
export function refuseCardNumbers(event: APIGatewayProxyEvent, bodyIsJson: boolean): void {
  const paths = [
    ...(bodyIsJson ? findPans((event as { body: unknown }).body).map((path) => maskedPath('body', path)) : []),
    ...findPans(queryValues(event)).map((path) => maskedPath('query', path.replace(/\.\d+$/, ''))),
  ];
  if (paths.length === 0) return;
  event.body = null;
  event.queryStringParameters = {};
  event.multiValueQueryStringParameters = null;
  const fields: FieldError[] = [...new Set(paths)].map((field) => ({
    field,
    message: 'looks like a card number; send a payment method id (pm_...) instead',
  }));
  throw new AppError('invalid', 'card-number-refused', MESSAGE, { fields });
}
