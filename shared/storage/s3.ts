import { Readable } from 'node:stream';
import type { ReadableStream } from 'node:stream/web';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { config } from '../config/config.js';

/**
 * The process-wide S3 client. Path-style addressing is switched on by configuration for local
 * engines (s3rver); the endpoint comes from the SDK's standard `AWS_ENDPOINT_URL_S3`, so nothing
 * here knows where it runs.
 */
export const s3 = new S3Client({ forcePathStyle: config.s3ForcePathStyle });

/** Stores bytes or text under a key. */
export async function putObject(
  client: S3Client,
  input: { bucket: string; key: string; body: Buffer | string; contentType: string; cacheControl?: string },
): Promise<void> {
  await client.send(
    new PutObjectCommand({
      Bucket: input.bucket,
      Key: input.key,
      Body: input.body,
      ContentType: input.contentType,
      ...(input.cacheControl ? { CacheControl: input.cacheControl } : {}),
    }),
  );
}

/**
 * Opens an object as a Node stream, so a large file is read piece by piece and never held whole.
 * @param options.ifMatch read only this version (ETag) of the object
 * @throws the SDK's `NoSuchKey` when the object is not there, `PreconditionFailed` when it is another version
 */
export async function openObjectStream(client: S3Client, bucket: string, key: string, options: { ifMatch?: string } = {}): Promise<Readable> {
  const { Body, ETag } = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...(options.ifMatch ? { IfMatch: options.ifMatch } : {}) }));
  // S3 answers a failed IfMatch with 412 itself; stores that ignore the header are caught here.
  if (options.ifMatch && ETag !== options.ifMatch) {
    (Body as { destroy?: () => void } | undefined)?.destroy?.();
    throw Object.assign(new Error(`s3://${bucket}/${key} is no longer the version ${options.ifMatch}`), { name: 'PreconditionFailed' });
  }
  if (Body instanceof Readable) return Body;
  if (!Body) throw new Error(`s3://${bucket}/${key} has no body`);
  return Readable.fromWeb((Body as { transformToWebStream(): ReadableStream }).transformToWebStream());
}

/** Reads a whole object into memory; only for objects whose size is already bounded (uploaded images). */
export async function getObjectBytes(client: S3Client, bucket: string, key: string): Promise<Buffer> {
  const { Body } = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  if (!Body) throw new Error(`s3://${bucket}/${key} has no body`);
  return Buffer.from(await Body.transformToByteArray());
}

/** Removes an object; removing one that is not there succeeds, as in S3 itself. */
export async function deleteObject(client: S3Client, bucket: string, key: string): Promise<void> {
  await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
}
