import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { logger } from './logger.js';

/**
 * A scheduled job's handler: its log entries carry the function's name and request id, like every other handler's,
 * and keys one run appends never reach the next. Jobs budget their own time, so middy must not cut them short.
 */
export function scheduledJob<E, R>(run: (event: E, context: Context) => Promise<R>) {
  return middy(run, { timeoutEarlyInMillis: 0 }).use(injectLambdaContext(logger, { resetKeys: true }));
}
