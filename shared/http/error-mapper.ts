import type middy from '@middy/core';
import {
  IdempotencyAlreadyInProgressError,
  IdempotencyValidationError,
} from '@aws-lambda-powertools/idempotency';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { AppError } from '../errors.js';
import { logger } from '../observability/logger.js';
import { internalProblem, problem, PROBLEM_CONTENT_TYPE, type Problem } from './problem.js';
import { SECURITY_HEADERS } from './responses.js';

/** Maps any thrown error to a problem document: AppErrors verbatim, known library errors by kind, the rest as a hidden 500. */
export function toProblem(error: unknown, requestId: string): Problem {
  if (error instanceof AppError) {
    return problem(error.kind, error.code, error.message, requestId, {
      ...(error.fields ? { errors: error.fields } : {}),
      ...(error.extensions ? { extensions: error.extensions } : {}),
    });
  }
  if (error instanceof IdempotencyValidationError) {
    return problem('unprocessable', 'idempotency-key-reused', 'This Idempotency-Key was already used with a different body.', requestId);
  }
  if (error instanceof IdempotencyAlreadyInProgressError) {
    return problem('conflict', 'request-in-progress', 'A request with this Idempotency-Key is still being processed; retry shortly.', requestId);
  }
  const status = (error as { statusCode?: unknown }).statusCode;
  if (status === 415) {
    return problem('unsupported-media-type', 'unsupported-media-type', 'The body must be multipart/form-data.', requestId);
  }
  if (status === 422 || status === 413) {
    return problem('invalid', 'malformed-multipart', 'The multipart/form-data body could not be parsed.', requestId);
  }
  return internalProblem(requestId);
}

/** The outermost HTTP middleware: every error leaves as RFC 9457 problem+json; 5xx details are logged, never returned. */
export function errorMapper(): middy.MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> {
  return {
    onError: (request) => {
      const requestId = request.event.requestContext?.requestId ?? 'unknown';
      const error = request.error;
      const doc = toProblem(error, requestId);
      // An AppError is a failure we expected and explained, even a 503; anything else is a bug to look at.
      if (doc.status >= 500 && !(error instanceof AppError)) logger.error('request failed', { error: error as Error });
      else logger.info('request rejected', { status: doc.status, type: doc.type });
      const correlationId = request.event.headers?.['x-correlation-id'];
      const retryAfter = error instanceof AppError ? error.retryAfterSeconds : undefined;
      request.response = {
        statusCode: doc.status,
        headers: {
          ...SECURITY_HEADERS,
          // A problem describes this request alone: never one to cache.
          'cache-control': 'no-store',
          'content-type': PROBLEM_CONTENT_TYPE,
          ...(correlationId ? { 'x-correlation-id': correlationId } : {}),
          ...(retryAfter === undefined ? {} : { 'retry-after': String(retryAfter) }),
        },
        body: JSON.stringify(doc),
      };
    },
  };
}
