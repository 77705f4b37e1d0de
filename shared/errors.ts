/**
 * The one error vocabulary shared by every bounded context. Domain code throws these (or
 * subclasses in `shared/<context>/errors.ts`); `shared/http/problem.ts` turns each kind into an
 * RFC 9457 problem with its status. Nothing below the HTTP layer knows about status codes.
 */
export type ErrorKind =
  | 'invalid'
  | 'unauthenticated'
  | 'forbidden'
  | 'not-found'
  | 'method-not-allowed'
  | 'conflict'
  | 'gone'
  | 'too-large'
  | 'unsupported-media-type'
  | 'unprocessable'
  | 'rate-limited'
  | 'unavailable';

/** One failing field of a request: where (`body.variants.0.price`) and what was wrong. */
export interface FieldError {
  field: string;
  message: string;
}

export interface AppErrorOptions {
  cause?: unknown;
  fields?: FieldError[];
  /** Extra members for the problem document, e.g. the ids a conflict concerns. */
  extensions?: Record<string, unknown>;
  /** When the caller may try again, sent as `Retry-After` (a rate limit, a service not yet ready). */
  retryAfterSeconds?: number;
}

/** A failure the caller can act on; its message is shown to them verbatim. */
export class AppError extends Error {
  override readonly name: string = 'AppError';
  readonly fields: FieldError[] | undefined;
  readonly extensions: Record<string, unknown> | undefined;
  readonly retryAfterSeconds: number | undefined;

  /**
   * @param kind what sort of failure, which fixes the HTTP status
   * @param code a stable slug for the problem `type` URI, e.g. `sku-taken`
   * @param message the exact, caller-facing explanation
   */
  constructor(
    readonly kind: ErrorKind,
    readonly code: string,
    message: string,
    options: AppErrorOptions = {},
  ) {
    super(message, { cause: options.cause });
    this.fields = options.fields;
    this.extensions = options.extensions;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export class ValidationError extends AppError {
  override readonly name: string = 'ValidationError';
  constructor(fields: FieldError[], message = 'The request is not valid.') {
    super('invalid', 'validation-failed', message, { fields });
  }
}

export class NotFoundError extends AppError {
  override readonly name: string = 'NotFoundError';
  constructor(entity: string, id: string) {
    super('not-found', 'not-found', `${entity} ${id} does not exist.`, { extensions: { entity, id } });
  }
}

export class ConflictError extends AppError {
  override readonly name: string = 'ConflictError';
  constructor(code: string, message: string, options: AppErrorOptions = {}) {
    super('conflict', code, message, options);
  }
}
