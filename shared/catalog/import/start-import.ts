import { Readable } from 'node:stream';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { AppError } from '../../errors.js';
import { putObject } from '../../storage/s3.js';
import type { Actor } from '../deps.js';
import { ImportFileError } from './errors.js';
import { newImportJob, putNewJob, toImportJobView, type ImportJobView } from './job.js';
import { FORMAT_BY_MEDIA_TYPE, readRecords, type ImportFormat } from './readers.js';
import type { ImportDeps } from './run-import.js';

export interface StartImportDeps extends ImportDeps {
  sqs: SQSClient;
  /** The `catalog-import` queue. */
  queueUrl: string;
}

const EXTENSION: Record<ImportFormat, string> = { csv: 'csv', json: 'json', ndjson: 'ndjson' };

/** Where an import's upload is kept: `imports/<jobId>/source.csv|json|ndjson`. */
export function sourceKey(jobId: string, format: ImportFormat): string {
  return `imports/${jobId}/source.${EXTENSION[format]}`;
}

/**
 * Reads the whole upload once through the same streaming readers the worker uses, counting its
 * rows. A bad header, a CSV that cannot be split, a JSON body that is not an array, or a file with
 * no rows is refused here with a 400, before a job exists; row-level problems are the job's report.
 * @throws ImportFileError
 */
export async function countRows(format: ImportFormat, body: string): Promise<number> {
  let rows = 0;
  for await (const _record of readRecords(format, Readable.from([body]))) rows++;
  if (rows === 0) throw new ImportFileError('The file has no rows to import.');
  return rows;
}

/**
 * Accepts an import: checks the file, stores it in the imports bucket, records a queued job and
 * hands its id to the `catalog-import` queue. The rows are validated and written by the worker.
 * @param mediaType the request's Content-Type, which picks the format
 * @throws ImportFileError (400) when the file cannot be imported at all
 */
export async function startImport(
  input: { body: string; mediaType: string },
  who: Actor,
  deps: StartImportDeps,
): Promise<ImportJobView> {
  const format = FORMAT_BY_MEDIA_TYPE[input.mediaType];
  if (!format) {
    throw new AppError('unsupported-media-type', 'unsupported-media-type', `Send text/csv, application/json or application/x-ndjson.`);
  }
  const expectedRows = await countRows(format, input.body);
  const id = deps.newId();
  const now = deps.now().toISOString();
  const job = newImportJob({
    id,
    status: 'queued',
    format,
    sourceKey: sourceKey(id, format),
    sizeBytes: Buffer.byteLength(input.body),
    expectedRows,
    createdBy: who.actor,
    createdAt: now,
    updatedAt: now,
  });
  await putObject(deps.s3, { bucket: deps.importsBucket, key: job.sourceKey, body: input.body, contentType: input.mediaType });
  await putNewJob(deps, job);
  await deps.sqs.send(new SendMessageCommand({ QueueUrl: deps.queueUrl, MessageBody: JSON.stringify({ jobId: id }) }));
  return toImportJobView(job, []);
}
