import { SQSClient } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import { NotFoundError } from '../../shared/errors.js';
import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';
import { logger } from '../../shared/observability/logger.js';
import { config } from '../../shared/config/config.js';
import { redriveQueue } from '../../shared/ops/redrive.js';

const sqs = new SQSClient({});

const QueueIdParams = z.strictObject({ id: z.string().regex(/^[a-z0-9-]{1,64}$/, 'must be a queue id such as billing-sync') });

/** Leaves time to answer before API Gateway's 29 s integration timeout; what is left stays for the next call. */
const HTTP_BUDGET_MS = 20_000;

/**
 * POST /admin/queues/{id}/redrive: moves the messages waiting in a queue's DLQ back onto the queue, and reports how
 * many moved; `more: true` means call again. A queue that is not a wiring queue (`access.deadLetters`) is a 404.
 */
export const handler = httpHandler({ params: QueueIdParams })(async (input) => {
  const principal = requirePrincipal(input);
  const target = config.deadLetterQueues.find((q) => q.queueId === input.params.id);
  if (!target) throw new NotFoundError('Queue', input.params.id);
  const report = await redriveQueue(sqs, target, { deadline: Date.now() + HTTP_BUDGET_MS });
  logger.info('dlq redrive', { actor: principal.subject, ...report });
  return ok(report);
});
