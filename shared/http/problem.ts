import type { ErrorKind, FieldError } from '../errors.js';

/** RFC 9457 problem details, with SmartShelf's `errors` member for failing fields. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
export const PROBLEM_TYPE_BASE = 'https://smartshelf.dev/problems/';

const STATUS: Record<ErrorKind, { status: number; title: string }> = {
  invalid: { status: 400, title: 'Bad Request' },
  unauthenticated: { status: 401, title: 'Unauthorized' },
  forbidden: { status: 403, title: 'Forbidden' },
  'not-found': { status: 404, title: 'Not Found' },
  'method-not-allowed': { status: 405, title: 'Method Not Allowed' },
  conflict: { status: 409, title: 'Conflict' },
  gone: { status: 410, title: 'Gone' },
  'too-large': { status: 413, title: 'Content Too Large' },
  'unsupported-media-type': { status: 415, title: 'Unsupported Media Type' },
  unprocessable: { status: 422, title: 'Unprocessable Content' },
  'rate-limited': { status: 429, title: 'Too Many Requests' },
  unavailable: { status: 503, title: 'Service Unavailable' },
};

/** The HTTP status of an error kind. */
export function statusOf(kind: ErrorKind): number {
  return STATUS[kind].status;
}

/** Builds a problem document for a caller-facing failure. */
export function problem(
  kind: ErrorKind,
  code: string,
  detail: string,
  requestId: string,
  extra: { errors?: FieldError[]; extensions?: Record<string, unknown> } = {},
): Problem {
  return {
    ...extra.extensions,
    type: `${PROBLEM_TYPE_BASE}${code}`,
    title: STATUS[kind].title,
    status: STATUS[kind].status,
    detail,
    instance: `urn:smartshelf:request:${requestId}`,
    ...(extra.errors ? { errors: extra.errors } : {}),
  };
}

/** The problem for an unexpected failure: its detail is never shown, only logged. */
export function internalProblem(requestId: string): Problem {
  return {
    type: `${PROBLEM_TYPE_BASE}internal`,
    title: 'Internal Server Error',
    status: 500,
    detail: 'Something went wrong on our side. Quote the instance when you contact support.',
    instance: `urn:smartshelf:request:${requestId}`,
  };
}
