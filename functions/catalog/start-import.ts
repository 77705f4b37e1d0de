import { SQSClient } from '@aws-sdk/client-sqs';
import { config } from '../../shared/config/config.js';
import { catalogDeps } from '../../shared/catalog/deps.js';
import { startImport } from '../../shared/catalog/import/start-import.js';
import { idempotency } from '../../shared/http/idempotency.js';
import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { accepted } from '../../shared/http/responses.js';
import { s3 } from '../../shared/storage/s3.js';

const sqs = new SQSClient({});

/**
 * POST /products/import: accepts a CSV, JSON array or NDJSON file of products, stores it and
 * queues the job; 202 with the job and its Location. The rows are checked and written by
 * `catalog-process-import`; `GET /imports/{id}` follows the progress and lists row errors.
 */
export const handler = httpHandler({ bodyKind: 'text', idempotency: idempotency() })(async (input) => {
  const principal = requirePrincipal(input);
  const mediaType = (input.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  const job = await startImport(
    { body: String(input.body), mediaType },
    { actor: principal.subject, correlationId: input.headers['x-correlation-id'] },
    { ...catalogDeps(), s3, importsBucket: config.importsBucket, sqs, queueUrl: config.queueUrl('catalog-import') },
  );
  return accepted(job, `/imports/${job.id}`);
});
