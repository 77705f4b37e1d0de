import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { z } from 'zod';
import { logger } from '../observability/logger.js';

/** A task's input that does not match its contract: a wiring bug in the state machine, never retried (not in any Retry list). */
export class TaskInputError extends Error {
  override readonly name = 'TaskInputError';
}

/**
 * A Step Functions task function: the input is parsed with `schema`, the result goes back as the task's output, and an
 * error leaves with its `name` intact, because that name is what the state's `Retry` and `Catch` match. Each failure
 * is logged with the execution's order id, so a compensation can be followed from the logs.
 */
export function workflowTask<S extends z.ZodType, R>(schema: S, fn: (input: z.infer<S>) => Promise<R>) {
  const run = async (event: unknown, _context: Context): Promise<R> => {
    const parsed = schema.safeParse(event);
    if (!parsed.success) {
      logger.error('task input does not match its contract', { issues: parsed.error.issues });
      throw new TaskInputError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    }
    try {
      return await fn(parsed.data);
    } catch (error) {
      logger.warn('task failed', { error: error instanceof Error ? { name: error.name, message: error.message } : String(error), input: redact(parsed.data) });
      throw error;
    }
  };
  // Tasks budget their own time; middy must not cut them short.
  return middy(run, { timeoutEarlyInMillis: 0 }).use(injectLambdaContext(logger, { resetKeys: true }));
}

/** Task tokens are bearer credentials for the execution: never logged. */
function redact(input: unknown): unknown {
  if (input === null || typeof input !== 'object') return input;
  return Object.fromEntries(Object.entries(input).map(([key, value]) => [key, key === 'taskToken' ? '[redacted]' : value]));
}
