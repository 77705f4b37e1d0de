import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { ConflictError, NotFoundError } from '../../errors.js';
import type { CatalogDeps } from '../deps.js';
import { getJob, getRowErrors, queueUploadedJob, toImportJobView, unqueueUploadedJob, type ImportJob, type ImportJobView } from './job.js';

export interface StartUploadedImportDeps extends CatalogDeps {
  s3: S3Client;
  importsBucket: string;
  sqs: SQSClient;
  /** The `catalog-import` queue. */
  queueUrl: string;
}

/**
 * Checks the uploaded object against the job before it is queued: it must be there, and be the
 * size the job declared. S3 already refuses a presigned upload of another size (Content-Length is
 * signed); this also holds where signatures are not checked (s3rver) and says why in the job's terms.
 * @param uploadedBytes the object's size, or `undefined` when nothing was uploaded
 * @throws ConflictError `upload-missing` or `upload-size-mismatch`
 */
export function checkUpload(job: Pick<ImportJob, 'id' | 'sizeBytes'>, uploadedBytes: number | undefined): void {
  if (uploadedBytes === undefined) {
    throw new ConflictError('upload-missing', `Nothing has been uploaded for import ${job.id} yet: PUT the file to its upload URL first.`, {
      extensions: { importId: job.id },
    });
  }
  if (uploadedBytes !== job.sizeBytes) {
    throw new ConflictError(
      'upload-size-mismatch',
      `The uploaded file is ${uploadedBytes} bytes, but import ${job.id} was created for ${job.sizeBytes}: create a new import for this file.`,
      { extensions: { importId: job.id, declaredBytes: job.sizeBytes, uploadedBytes } },
    );
  }
}

/** The size and ETag of an object, or `undefined` when there is none. */
async function objectHead(client: S3Client, bucket: string, key: string): Promise<{ size: number; etag: string } | undefined> {
  try {
    const { ContentLength, ETag } = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    if (!ETag) throw new Error(`s3://${bucket}/${key} has no ETag`);
    return { size: ContentLength ?? 0, etag: ETag };
  } catch (error) {
    const name = (error as { name?: unknown }).name;
    if (name === 'NotFound' || name === 'NoSuchKey') return undefined;
    throw error;
  }
}

/**
 * Starts an uploaded import: checks the upload, moves the job from `awaiting-upload` to `queued`
 * and hands it to the `catalog-import` queue, whose worker streams the file from S3.
 *
 * Idempotent: a job that is already queued (or further) is returned as it is, and of concurrent
 * starts only the one that moved the job sends a message. If the message cannot be sent, the job
 * goes back to `awaiting-upload` before the error is raised, so starting it again works.
 * @throws NotFoundError when there is no such import
 * @throws ConflictError when the upload is missing or of another size
 */
export async function startUploadedImport(id: string, deps: StartUploadedImportDeps): Promise<ImportJobView> {
  const job = await getJob(deps, id);
  if (!job) throw new NotFoundError('Import', id);
  if (job.status !== 'awaiting-upload') return toImportJobView(job, await getRowErrors(deps, id));
  const head = await objectHead(deps.s3, deps.importsBucket, job.sourceKey);
  checkUpload(job, head?.size);
  const queued = await queueUploadedJob(deps, id, head!.etag);
  if (!queued) return toImportJobView((await getJob(deps, id))!, await getRowErrors(deps, id));
  try {
    await deps.sqs.send(new SendMessageCommand({ QueueUrl: deps.queueUrl, MessageBody: JSON.stringify({ jobId: id }) }));
  } catch (error) {
    await unqueueUploadedJob(deps, job);
    throw error;
  }
  return toImportJobView(queued, []);
}
