import { z } from 'zod';
import { catalogDeps } from '../../shared/catalog/deps.js';
import { getJob, getRowErrors, toImportJobView } from '../../shared/catalog/import/job.js';
import { Id } from '../../shared/catalog/model.js';
import { NotFoundError } from '../../shared/errors.js';
import { httpHandler } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';

/** GET /imports/{id}: an import's status, progress, counters and its first 1,000 failing rows. */
export const handler = httpHandler({ params: z.strictObject({ id: Id }) })(async ({ params }) => {
  const deps = catalogDeps();
  const job = await getJob(deps, params.id);
  if (!job) throw new NotFoundError('Import', params.id);
  return ok(toImportJobView(job, await getRowErrors(deps, params.id)));
});
