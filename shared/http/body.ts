import type { APIGatewayProxyEvent } from 'aws-lambda';
import { AppError } from '../errors.js';
import { describeJsonTextProblem, jsonTextProblem, MAX_JSON_DEPTH } from './json-text.js';

/** How a route reads its body: none, strict JSON, multipart/form-data, or text (CSV or JSON lines for imports). */
export type BodyKind = 'none' | 'json' | 'multipart' | 'text';

const MEDIA_TYPES: Record<Exclude<BodyKind, 'none'>, readonly string[]> = {
  json: ['application/json', 'application/merge-patch+json'],
  multipart: ['multipart/form-data'],
  text: ['text/csv', 'application/json', 'application/x-ndjson'],
};

function byteLength(event: APIGatewayProxyEvent): number {
  if (event.body === null || event.body === undefined) return 0;
  return event.isBase64Encoded ? Math.floor((event.body.length * 3) / 4) : Buffer.byteLength(event.body);
}

/**
 * Enforces the route's body limit and media type, then parses JSON bodies in place. Multipart
 * bodies are left for the multipart parser; text bodies are decoded to a string.
 *
 * A JSON body is checked before it is parsed: nested deeper than `MAX_JSON_DEPTH` is a 400
 * `body-too-deep` (nothing after this, the card-number scan included, ever walks it), and a
 * malformed one a 400 `malformed-json` naming the line and column. No detail here repeats what the
 * client sent, not even its Content-Type: whatever it holds, a card number included, would be
 * shown and logged.
 */
export function parseBody(event: APIGatewayProxyEvent, kind: BodyKind, maxBytes: number): void {
  const size = byteLength(event);
  if (size > maxBytes) {
    throw new AppError('too-large', 'body-too-large', `The body is ${size} bytes; this operation accepts at most ${maxBytes}.`, {
      extensions: { maxBytes },
    });
  }
  if (kind === 'none') return;
  const raw = event.body;
  if (raw === null || raw === undefined || raw === '') {
    throw new AppError('invalid', 'body-required', 'This operation needs a request body.');
  }
  const mediaType = (event.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (!MEDIA_TYPES[kind].includes(mediaType)) {
    throw new AppError(
      'unsupported-media-type',
      'unsupported-media-type',
      `${mediaType ? 'This Content-Type is' : 'A body without a Content-Type is'} not accepted here; send ${MEDIA_TYPES[kind].join(' or ')}.`,
    );
  }
  if (kind === 'multipart') return;
  const text = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  event.isBase64Encoded = false;
  if (kind === 'text') {
    event.body = text;
    return;
  }
  const problem = jsonTextProblem(text);
  if (problem?.kind === 'too-deep') {
    throw new AppError('invalid', 'body-too-deep', `The body ${describeJsonTextProblem(problem)}.`, { extensions: { maxDepth: MAX_JSON_DEPTH } });
  }
  if (problem) throw new AppError('invalid', 'malformed-json', `The body ${describeJsonTextProblem(problem)}.`);
  (event as { body: unknown }).body = JSON.parse(text) as unknown;
}
