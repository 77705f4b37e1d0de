import { SQSClient } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import { config } from '../../shared/config/config.js';
import { catalogDeps } from '../../shared/catalog/deps.js';
import { startUploadedImport } from '../../shared/catalog/import/start-uploaded-import.js';
import { Id } from '../../shared/catalog/model.js';
import { httpHandler } from '../../shared/http/handler.js';
import { accepted } from '../../shared/http/responses.js';
import { s3 } from '../../shared/storage/s3.js';

const sqs = new SQSClient({});

/**
 * POST /imports/{id}/start: queues an import whose file has been uploaded; 202 with the job and
 * its Location. 409 while nothing (or a file of another size) is uploaded. Starting a job that is
 * already under way returns it unchanged.
 */
export const handler = httpHandler({ params: z.strictObject({ id: Id }) })(async ({ params }) => {
  const job = await startUploadedImport(params.id, {
    ...catalogDeps(),
    s3,
    importsBucket: config.importsBucket,
    sqs,
    queueUrl: config.queueUrl('catalog-import'),
  });
  return accepted(job, `/imports/${job.id}`);
});
