import { looksLikePan } from '../privacy/pan.js';

/** The shape a caller's correlation id must have to be kept: short, and only characters that are safe in a log line, a header and an event. */
const SAFE = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * The correlation id a request goes by: the caller's `X-Correlation-Id` when it is 1 to 64
 * characters of `[A-Za-z0-9._:-]` that do not read as a card number, otherwise the request id.
 * The id is appended to every log entry, answered in a header and copied into outbox events, so
 * a value that could carry anything (a card number, a forged log line) is replaced, not refused:
 * the request itself is fine, and the caller sees the id we used in the answer's header.
 */
export function correlationIdFor(given: string | undefined, requestId: string): string {
  return given !== undefined && SAFE.test(given) && !looksLikePan(given) ? given : requestId;
}
