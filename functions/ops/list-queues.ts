import { SQSClient } from '@aws-sdk/client-sqs';
import { config } from '../../shared/config/config.js';
import { httpHandler } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';
import { listDeadLetterQueues } from '../../shared/ops/dead-letters.js';

const sqs = new SQSClient({});

/**
 * GET /admin/queues: every wiring queue's dead-letter queue with its depth and its source queue's, for the console's
 * Operations page, whose Redrive button calls `POST /admin/queues/{id}/redrive`. Never cached: depths change by the second.
 */
export const handler = httpHandler({})(async () => ok(await listDeadLetterQueues(sqs, config.deadLetterQueues), { 'cache-control': 'no-store' }));
