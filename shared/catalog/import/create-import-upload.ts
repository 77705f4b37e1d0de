import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { z } from 'zod';
import { config } from '../../config/config.js';
import type { Actor, CatalogDeps } from '../deps.js';
import { newImportJob, putNewJob, toImportJobView, type ImportJobView } from './job.js';
import { IMPORT_FORMATS, MEDIA_TYPE_BY_FORMAT } from './readers.js';
import { sourceKey } from './start-import.js';

/** The largest file an upload may declare: at about 160 bytes a row, over a million rows. */
export const MAX_UPLOAD_BYTES = 200 * 1024 * 1024;

/** How long the presigned URL accepts the upload. */
export const UPLOAD_URL_SECONDS = 15 * 60;

/** How long a job that was never started is kept; its URL expired long before. */
export const AWAITING_UPLOAD_TTL_SECONDS = 24 * 60 * 60;

/** `POST /imports`: the file's format and its exact size in bytes, which the upload must match. */
export const CreateImportUploadRequest = z.strictObject({
  format: z.enum(IMPORT_FORMATS),
  sizeBytes: z.number().int().min(1).max(MAX_UPLOAD_BYTES),
});
export type CreateImportUploadRequest = z.infer<typeof CreateImportUploadRequest>;

/** How to send the file: one `PUT` of exactly `sizeBytes` bytes to `url` with `headers`, before `expiresAt`. */
export interface UploadInstructions {
  method: 'PUT';
  url: string;
  headers: { 'content-type': string };
  expiresAt: string;
}

/** What `POST /imports` answers: the new job, and where to upload its file. */
export interface ImportUploadView extends ImportJobView {
  upload: UploadInstructions;
}

export interface CreateImportUploadDeps extends CatalogDeps {
  /** The client URLs are signed with; see `presigningClient`. */
  presigner: S3Client;
  importsBucket: string;
}

/**
 * An S3 client for presigning uploads. The SDK's default flexible checksums would sign a CRC32
 * of the empty body into the URL (`x-amz-checksum-crc32=AAAAAA==`), and S3 would refuse every
 * real upload as corrupt; computing checksums only when an operation requires them leaves them
 * out. Path-style addressing and the endpoint follow the same configuration as `shared/storage/s3`.
 */
export function presigningClient(): S3Client {
  return new S3Client({ forcePathStyle: config.s3ForcePathStyle, requestChecksumCalculation: 'WHEN_REQUIRED' });
}

/**
 * Presigns a `PUT` of the source file. Content-Type and Content-Length are signed headers, so
 * S3 refuses an upload of another type or size with 403 `SignatureDoesNotMatch`.
 */
export async function presignUpload(
  client: S3Client,
  input: { bucket: string; key: string; contentType: string; sizeBytes: number; now: Date },
): Promise<UploadInstructions> {
  const url = await getSignedUrl(
    client,
    new PutObjectCommand({ Bucket: input.bucket, Key: input.key, ContentType: input.contentType, ContentLength: input.sizeBytes }),
    { expiresIn: UPLOAD_URL_SECONDS, signableHeaders: new Set(['content-type']), signingDate: input.now },
  );
  return {
    method: 'PUT',
    url,
    headers: { 'content-type': input.contentType },
    expiresAt: new Date(input.now.getTime() + UPLOAD_URL_SECONDS * 1000).toISOString(),
  };
}

/**
 * Creates an import whose file is uploaded straight to S3 rather than through the API, so its
 * size is bounded by `MAX_UPLOAD_BYTES` instead of Lambda's 6 MB payload: a job `awaiting-upload`
 * and a presigned URL for its source key. `POST /imports/{id}/start` queues it once uploaded.
 */
export async function createImportUpload(input: CreateImportUploadRequest, who: Actor, deps: CreateImportUploadDeps): Promise<ImportUploadView> {
  const id = deps.newId();
  const now = deps.now();
  const at = now.toISOString();
  const job = newImportJob({
    id,
    status: 'awaiting-upload',
    format: input.format,
    sourceKey: sourceKey(id, input.format),
    sizeBytes: input.sizeBytes,
    expiresAt: Math.floor(now.getTime() / 1000) + AWAITING_UPLOAD_TTL_SECONDS,
    createdBy: who.actor,
    createdAt: at,
    updatedAt: at,
  });
  const upload = await presignUpload(deps.presigner, {
    bucket: deps.importsBucket,
    key: job.sourceKey,
    // Signed into the URL, so the upload must send exactly this Content-Type.
    contentType: MEDIA_TYPE_BY_FORMAT[input.format],
    sizeBytes: input.sizeBytes,
    now,
  });
  await putNewJob(deps, job);
  return { ...toImportJobView(job, []), upload };
}
