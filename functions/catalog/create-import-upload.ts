import { config } from '../../shared/config/config.js';
import { catalogDeps } from '../../shared/catalog/deps.js';
import { createImportUpload, CreateImportUploadRequest, presigningClient } from '../../shared/catalog/import/create-import-upload.js';
import { idempotency } from '../../shared/http/idempotency.js';
import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { created } from '../../shared/http/responses.js';

const presigner = presigningClient();

/**
 * POST /imports: the way in for files of any size up to 200 MB. Creates an import awaiting its
 * file and answers 201 with the job and a presigned S3 URL to PUT the file to; then
 * `POST /imports/{id}/start` queues it.
 */
export const handler = httpHandler({ body: CreateImportUploadRequest, idempotency: idempotency() })(async (input) => {
  const principal = requirePrincipal(input);
  const job = await createImportUpload(
    input.body,
    { actor: principal.subject, correlationId: input.headers['x-correlation-id'] },
    { ...catalogDeps(), presigner, importsBucket: config.importsBucket },
  );
  return created(job, `/imports/${job.id}`);
});
