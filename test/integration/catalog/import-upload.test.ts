import { HeadObjectCommand } from '@aws-sdk/client-s3';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { handler as createUploadHandler } from '../../../functions/catalog/create-import-upload.js';
import { handler as getImportHandler } from '../../../functions/catalog/get-import.js';
import { handler as startUploadedHandler } from '../../../functions/catalog/start-uploaded-import.js';
import type { Principal } from '../../../shared/auth/principal.js';
import { createCategory } from '../../../shared/catalog/categories.js';
import { COLUMNS } from '../../../shared/catalog/import/columns.js';
import type { ImportUploadView } from '../../../shared/catalog/import/create-import-upload.js';
import { getJob, type ImportJobView } from '../../../shared/catalog/import/job.js';
import { runImport } from '../../../shared/catalog/import/run-import.js';
import { startUploadedImport } from '../../../shared/catalog/import/start-uploaded-import.js';
import { s3 } from '../../../shared/storage/s3.js';
import { engines, queueUrl, takeMessage, testS3, testSqs } from '../../support/engines.js';
import { apiEvent, lambdaContext } from '../../support/lambda.js';
import { testDeps, staff, uniqueSku, uniqueSlug } from './fixtures.js';

const importer: Principal = { subject: 'user-uploader', kind: 'user', roles: ['head-office'], scopes: ['catalog:import', 'catalog:write'], stores: ['*'] };
const picker: Principal = { subject: 'user-picker', kind: 'user', roles: ['picker'], scopes: ['orders:read', 'orders:pick'], stores: ['london-bridge'] };

type Response<T> = { status: number; headers: Record<string, string>; json: T };

async function call<T>(fn: typeof createUploadHandler, event: APIGatewayProxyEvent, name: string): Promise<Response<T>> {
  const res = await fn(event, lambdaContext(name));
  return { status: res.statusCode, headers: (res.headers ?? {}) as Record<string, string>, json: (res.body ? JSON.parse(res.body) : undefined) as T };
}

/** `POST /imports` with a JSON body, as the gateway hands it over. */
function create<T = ImportUploadView>(body: unknown, options: { principal?: Principal | null; headers?: Record<string, string> } = {}) {
  const principal = options.principal === undefined ? importer : options.principal;
  return call<T>(
    createUploadHandler,
    apiEvent({
      method: 'POST',
      resource: '/imports',
      body: JSON.stringify(body),
      headers: { 'Content-Type': 'application/json', ...options.headers },
      ...(principal ? { principal } : {}),
    }),
    'catalog-create-import-upload',
  );
}

/** `POST /imports/{id}/start`. */
function start<T = ImportJobView>(id: string, principal: Principal | null = importer) {
  return call<T>(
    startUploadedHandler,
    apiEvent({ method: 'POST', resource: '/imports/{id}/start', pathParameters: { id }, ...(principal ? { principal } : {}) }),
    'catalog-start-uploaded-import',
  );
}

async function view(id: string): Promise<ImportJobView> {
  const res = await getImportHandler(
    apiEvent({ method: 'GET', resource: '/imports/{id}', pathParameters: { id }, principal: importer }),
    lambdaContext('catalog-get-import'),
  );
  expect(res.statusCode).toBe(200);
  return JSON.parse(res.body) as ImportJobView;
}

/** PUTs a file to a presigned URL exactly as a client following the instructions would. */
async function upload(instructions: ImportUploadView['upload'], body: string): Promise<number> {
  const res = await fetch(instructions.url, { method: instructions.method, body, headers: instructions.headers });
  await res.arrayBuffer();
  return res.status;
}

const isJob = (id: string) => (body: unknown) => (body as { jobId?: string }).jobId === id;

/** Asserts that no message for the job arrives on the import queue within a couple of seconds. */
async function expectNoMessage(id: string): Promise<void> {
  await expect(takeMessage('catalog-import', isJob(id), 2_000)).rejects.toThrow(/no matching message/);
}

async function csvFile(rows: number) {
  const deps = testDeps();
  const root = await createCategory({ slug: uniqueSlug('upload'), name: 'Uploads' }, staff, deps);
  const prefix = uniqueSku('UP');
  const lines = Array.from({ length: rows }, (_, i) => {
    const cells: Record<string, string> = {
      product_slug: `uploaded-${i}`,
      product_name: `Uploaded ${i}`,
      category_path: root.path,
      tax_category: 'food',
      sku: `${prefix}-${i}`,
      variant_name: '400 g',
      sold_by: 'each',
      price: i === 2 ? '1.20' : String(100 + i),
      currency: 'GBP',
    };
    return COLUMNS.map((c) => cells[c] ?? '').join(',');
  });
  return { csv: `${COLUMNS.join(',')}\n${lines.join('\n')}\n`, prefix };
}

describe('importing a file uploaded to a presigned URL', () => {
  it('creates the job awaiting its upload, takes the file by PUT, queues it on start, and the worker imports it', async () => {
    const { csv } = await csvFile(5);
    const sizeBytes = Buffer.byteLength(csv);
    const created = await create({ format: 'csv', sizeBytes });
    expect(created.status).toBe(201);
    const { id, upload: instructions } = created.json;
    expect(created.headers.location).toBe(`/imports/${id}`);
    expect(created.json).toMatchObject({
      status: 'awaiting-upload',
      format: 'csv',
      sizeBytes,
      createdBy: importer.subject,
      counts: { total: 0, created: 0, updated: 0, unchanged: 0, failed: 0 },
      progress: { processedRows: 0, expectedRows: null, percent: 0 },
      errors: [],
    });
    expect(instructions).toMatchObject({ method: 'PUT', headers: { 'content-type': 'text/csv' } });
    expect(instructions.url.startsWith(`${engines().endpoints.s3}/${engines().buckets.imports}/imports/${id}/source.csv?`)).toBe(true);
    expect(Date.parse(instructions.expiresAt) - Date.now()).toBeGreaterThan(14 * 60 * 1000);

    expect(await upload(instructions, csv)).toBe(200);
    const stored = await testS3().send(new HeadObjectCommand({ Bucket: engines().buckets.imports, Key: `imports/${id}/source.csv` }));
    expect(stored).toMatchObject({ ContentLength: sizeBytes, ContentType: 'text/csv' });

    const started = await start(id);
    expect(started.status).toBe(202);
    expect(started.headers.location).toBe(`/imports/${id}`);
    expect(started.json).toMatchObject({ id, status: 'queued', progress: { expectedRows: null } });
    expect(await takeMessage('catalog-import', isJob(id))).toEqual({ jobId: id });
    expect((await getJob(testDeps(), id))?.expiresAt).toBeUndefined();

    const deps = testDeps();
    const outcome = await runImport({ ...deps, s3, importsBucket: engines().buckets.imports }, id);
    expect(outcome.kind).toBe('completed');
    const done = await view(id);
    expect(done).toMatchObject({ status: 'completed', counts: { total: 5, created: 4, updated: 0, unchanged: 0, failed: 1 }, progress: { percent: 100 } });
    expect(done.errors).toEqual([expect.objectContaining({ row: 4, field: 'price' })]);
    expect((await getJob(deps, id))?.processedBytes).toBe(sizeBytes);
  });

  it('reads only the file that was started: a second PUT of the same size fails the job instead of importing it', async () => {
    const { csv } = await csvFile(3);
    const created = await create({ format: 'csv', sizeBytes: Buffer.byteLength(csv) });
    const { id, upload: instructions } = created.json;
    expect(await upload(instructions, csv)).toBe(200);
    expect((await start(id)).status).toBe(202);
    await takeMessage('catalog-import', isJob(id));
    const swapped = csv.replace('Uploaded 0', 'Swapped! 0');
    expect(Buffer.byteLength(swapped)).toBe(Buffer.byteLength(csv));
    expect(await upload(instructions, swapped)).toBe(200);

    const deps = testDeps();
    const outcome = await runImport({ ...deps, s3, importsBucket: engines().buckets.imports }, id);
    expect(outcome.kind).toBe('failed');
    expect(await view(id)).toMatchObject({ status: 'failed', counts: { total: 0, created: 0 } });
    expect((await getJob(deps, id))?.error).toMatch(/replaced after the import started/);
  });

  it('refuses to start before the upload with 409 upload-missing, and queues nothing', async () => {
    const created = await create({ format: 'ndjson', sizeBytes: 2048 });
    const { id } = created.json;
    const res = await start<{ type: string; importId: string }>(id);
    expect(res.status).toBe(409);
    expect(res.json).toMatchObject({ type: 'https://smartshelf.dev/problems/upload-missing', importId: id });
    expect((await view(id)).status).toBe('awaiting-upload');
    await expectNoMessage(id);
  });

  it('is not run by a stray message while it awaits its upload', async () => {
    const { id } = (await create({ format: 'csv', sizeBytes: 64 })).json;
    const deps = testDeps();
    expect(await runImport({ ...deps, s3, importsBucket: engines().buckets.imports }, id)).toEqual({
      kind: 'skipped',
      reason: 'the job is still awaiting its upload',
    });
    expect(await getJob(deps, id)).toMatchObject({ status: 'awaiting-upload', attempts: 0 });
  });

  it('refuses a file of another size than declared with 409 upload-size-mismatch, even where signatures are not checked', async () => {
    const created = await create({ format: 'csv', sizeBytes: 100 });
    const { id, upload: instructions } = created.json;
    expect(await upload(instructions, 'x'.repeat(150))).toBe(200);
    const res = await start<{ type: string; declaredBytes: number; uploadedBytes: number }>(id);
    expect(res.status).toBe(409);
    expect(res.json).toMatchObject({ type: 'https://smartshelf.dev/problems/upload-size-mismatch', declaredBytes: 100, uploadedBytes: 150 });
    expect((await view(id)).status).toBe('awaiting-upload');
    await expectNoMessage(id);
  });

  it('starts once however often it is called, together or one after another: one message, the same job', async () => {
    const { csv } = await csvFile(1);
    const created = await create({ format: 'csv', sizeBytes: Buffer.byteLength(csv) });
    const { id, upload: instructions } = created.json;
    expect(await upload(instructions, csv)).toBe(200);

    const together = await Promise.all([start(id), start(id), start(id)]);
    expect(together.map((r) => r.status)).toEqual([202, 202, 202]);
    expect(together.map((r) => r.json.status)).toEqual(['queued', 'queued', 'queued']);
    const again = await start(id);
    expect(again.status).toBe(202);
    expect(again.json).toEqual(together[0]!.json);

    expect(await takeMessage('catalog-import', isJob(id))).toEqual({ jobId: id });
    await expectNoMessage(id);
  });

  it('puts the job back to awaiting-upload when the message cannot be sent, so starting again works', async () => {
    const { csv } = await csvFile(1);
    const created = await create({ format: 'csv', sizeBytes: Buffer.byteLength(csv) });
    const { id, upload: instructions } = created.json;
    expect(await upload(instructions, csv)).toBe(200);
    const deps = testDeps();
    const common = { ...deps, s3, importsBucket: engines().buckets.imports, sqs: testSqs() };
    const missingQueue = queueUrl('catalog-import').replace(/[^/]+$/, 'no-such-queue');

    const before = await getJob(deps, id);
    await expect(startUploadedImport(id, { ...common, queueUrl: missingQueue })).rejects.toThrow();
    const after = await getJob(deps, id);
    expect(after?.status).toBe('awaiting-upload');
    expect(after?.expiresAt).toBe(before?.expiresAt);
    expect(after?.expiresAt).toBeGreaterThan(Date.now() / 1000);

    expect(await startUploadedImport(id, { ...common, queueUrl: queueUrl('catalog-import') })).toMatchObject({ status: 'queued' });
    expect(await takeMessage('catalog-import', isJob(id))).toEqual({ jobId: id });
  });

  it('answers a repeated Idempotency-Key with the same job and URL', async () => {
    const headers = { 'Idempotency-Key': uniqueSlug('upload-key') };
    const first = await create({ format: 'json', sizeBytes: 4096 }, { headers });
    const second = await create({ format: 'json', sizeBytes: 4096 }, { headers });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.json.id).toBe(first.json.id);
    expect(second.json.upload.url).toBe(first.json.upload.url);
    expect(first.json.upload.headers).toEqual({ 'content-type': 'application/json' });
  });
});

describe('the upload endpoints refuse', () => {
  type Problem = { status: number; type: string; errors?: { field: string; message: string }[]; requiredScope?: string };

  it('callers without credentials (401) or without catalog:import (403)', async () => {
    const created = await create({ format: 'csv', sizeBytes: 10 });
    expect((await create<Problem>({ format: 'csv', sizeBytes: 10 }, { principal: null })).status).toBe(401);
    const forbidden = await create<Problem>({ format: 'csv', sizeBytes: 10 }, { principal: picker });
    expect(forbidden.status).toBe(403);
    expect(forbidden.json.requiredScope).toBe('catalog:import');
    expect((await start<Problem>(created.json.id, null)).status).toBe(401);
    expect((await start<Problem>(created.json.id, picker)).status).toBe(403);
    expect((await view(created.json.id)).status).toBe('awaiting-upload');
  });

  it('a format or size outside the rules with 400 naming each field', async () => {
    const res = await create<Problem>({ format: 'xlsx', sizeBytes: 300 * 1024 * 1024 });
    expect(res.status).toBe(400);
    expect(res.json.errors?.map((e) => e.field).sort()).toEqual(['body.format', 'body.sizeBytes']);
    const zero = await create<Problem>({ format: 'csv', sizeBytes: 0 });
    expect(zero.json.errors).toEqual([expect.objectContaining({ field: 'body.sizeBytes' })]);
    const fractional = await create<Problem>({ format: 'csv', sizeBytes: 12.5 });
    expect(fractional.json.errors).toEqual([expect.objectContaining({ field: 'body.sizeBytes' })]);
  });

  it('unknown fields with 400 naming them', async () => {
    const res = await create<Problem>({ format: 'csv', sizeBytes: 10, contentType: 'text/csv' });
    expect(res.status).toBe(400);
    expect(res.json.errors).toEqual([{ field: 'body', message: 'unknown field: contentType' }]);
  });

  it('an id that is not a ULID with 400, and an unknown import with 404', async () => {
    const bad = await start<Problem>('not-a-ulid');
    expect(bad.status).toBe(400);
    expect(bad.json.errors).toEqual([expect.objectContaining({ field: 'path.id' })]);
    expect((await start<Problem>('01JZZZZZZZZZZZZZZZZZZZZZZZ')).status).toBe(404);
  });
});
