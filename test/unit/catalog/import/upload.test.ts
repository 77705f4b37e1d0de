import { S3Client } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  CreateImportUploadRequest,
  MAX_UPLOAD_BYTES,
  presignUpload,
  presigningClient,
  UPLOAD_URL_SECONDS,
} from '../../../../shared/catalog/import/create-import-upload.js';
import { ImportStatus, toImportJobView, type ImportJob } from '../../../../shared/catalog/import/job.js';
import { FORMAT_BY_MEDIA_TYPE, IMPORT_FORMATS, MEDIA_TYPE_BY_FORMAT } from '../../../../shared/catalog/import/readers.js';
import { checkUpload } from '../../../../shared/catalog/import/start-uploaded-import.js';
import { ConflictError } from '../../../../shared/errors.js';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };

describe('the POST /imports request', () => {
  it('takes each import format with a size from one byte to 200 MB', () => {
    for (const format of IMPORT_FORMATS) {
      expect(CreateImportUploadRequest.parse({ format, sizeBytes: 1 })).toEqual({ format, sizeBytes: 1 });
      expect(CreateImportUploadRequest.parse({ format, sizeBytes: MAX_UPLOAD_BYTES })).toEqual({ format, sizeBytes: 200 * 1024 * 1024 });
    }
  });

  it('refuses an empty, oversized, fractional or textual size, another format, and unknown fields', () => {
    const refused = [
      { format: 'csv', sizeBytes: 0 },
      { format: 'csv', sizeBytes: MAX_UPLOAD_BYTES + 1 },
      { format: 'csv', sizeBytes: 10.5 },
      { format: 'csv', sizeBytes: '1000' },
      { format: 'xlsx', sizeBytes: 1000 },
      { format: 'csv' },
      { format: 'csv', sizeBytes: 1000, contentType: 'text/csv' },
    ];
    for (const body of refused) expect(CreateImportUploadRequest.safeParse(body).success, JSON.stringify(body)).toBe(false);
  });
});

describe('the media types of the import formats', () => {
  it('map each format to one media type and back', () => {
    for (const format of IMPORT_FORMATS) expect(FORMAT_BY_MEDIA_TYPE[MEDIA_TYPE_BY_FORMAT[format]]).toBe(format);
    expect(Object.keys(FORMAT_BY_MEDIA_TYPE).sort()).toEqual(['application/json', 'application/x-ndjson', 'text/csv']);
  });
});

describe('presigning an upload', () => {
  afterEach(() => vi.unstubAllEnvs());
  const now = new Date('2026-03-01T10:00:00.000Z');
  const client = new S3Client({
    region: 'eu-west-2',
    credentials,
    endpoint: 'http://127.0.0.1:4569',
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
  const input = { bucket: 'imports-bucket', key: 'imports/01J0000000000000000000000A/source.csv', contentType: 'text/csv', sizeBytes: 7_340_032, now };

  it('gives a PUT URL for the source key that expires in 15 minutes, and the header to send', async () => {
    const upload = await presignUpload(client, input);
    const url = new URL(upload.url);
    expect(url.origin + url.pathname).toBe('http://127.0.0.1:4569/imports-bucket/imports/01J0000000000000000000000A/source.csv');
    expect(url.searchParams.get('X-Amz-Expires')).toBe(String(UPLOAD_URL_SECONDS));
    expect(url.searchParams.get('X-Amz-Date')).toBe('20260301T100000Z');
    expect(upload).toMatchObject({ method: 'PUT', headers: { 'content-type': 'text/csv' }, expiresAt: '2026-03-01T10:15:00.000Z' });
  });

  it('signs the Content-Length and Content-Type, so storage refuses another size or type', async () => {
    const url = new URL((await presignUpload(client, input)).url);
    expect(url.searchParams.get('X-Amz-SignedHeaders')!.split(';')).toEqual(['content-length', 'content-type', 'host']);
  });

  it('carries no checksum of an empty body when signed by the presigning client', async () => {
    vi.stubEnv('AWS_REGION', 'eu-west-2');
    vi.stubEnv('AWS_ACCESS_KEY_ID', credentials.accessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', credentials.secretAccessKey);
    const url = new URL((await presignUpload(presigningClient(), input)).url);
    const names = [...url.searchParams.keys()].map((k) => k.toLowerCase());
    expect(names).toContain('x-amz-signature');
    expect(names.filter((k) => k.includes('checksum'))).toEqual([]);
  });
});

describe('checking an upload before its import starts', () => {
  const job = { id: '01J0000000000000000000000A', sizeBytes: 1000 };

  it('passes a file of exactly the declared size', () => {
    expect(() => checkUpload(job, 1000)).not.toThrow();
  });

  it('refuses a missing file as upload-missing', () => {
    const error = catchError(() => checkUpload(job, undefined));
    expect(error).toBeInstanceOf(ConflictError);
    expect(error).toMatchObject({ code: 'upload-missing', extensions: { importId: job.id } });
  });

  it('refuses a larger or smaller file as upload-size-mismatch, naming both sizes', () => {
    for (const uploadedBytes of [1001, 999]) {
      expect(catchError(() => checkUpload(job, uploadedBytes))).toMatchObject({
        kind: 'conflict',
        code: 'upload-size-mismatch',
        extensions: { declaredBytes: 1000, uploadedBytes },
      });
    }
  });
});

const uploaded: ImportJob = {
  id: '01J0000000000000000000000B',
  status: 'awaiting-upload',
  format: 'csv',
  sourceKey: 'imports/01J0000000000000000000000B/source.csv',
  sizeBytes: 8000,
  expiresAt: 1_772_445_600,
  createdBy: 'u1',
  createdAt: '2026-03-01T10:00:00.000Z',
  updatedAt: '2026-03-01T10:00:00.000Z',
  total: 0,
  created: 0,
  updated: 0,
  unchanged: 0,
  failed: 0,
  errorsStored: 0,
  checkpointRow: 0,
  attempts: 0,
};

describe('the view of an uploaded import', () => {
  it('is awaiting its upload first, with no row count and nothing done', () => {
    expect(ImportStatus.options[0]).toBe('awaiting-upload');
    const view = toImportJobView(uploaded, []);
    expect(view).toMatchObject({ status: 'awaiting-upload', sizeBytes: 8000, progress: { processedRows: 0, expectedRows: null, percent: 0 } });
    expect(view).not.toHaveProperty('expiresAt');
  });

  it('shows progress as the share of the file read while running, 99 at most until completed', () => {
    const running = { ...uploaded, status: 'running' as const, expiresAt: undefined, total: 900, processedBytes: 2000 };
    expect(toImportJobView(running, []).progress).toEqual({ processedRows: 900, expectedRows: null, percent: 25 });
    expect(toImportJobView({ ...running, processedBytes: 8000 }, []).progress.percent).toBe(99);
    expect(toImportJobView({ ...running, processedBytes: 8000, status: 'completed' }, []).progress.percent).toBe(100);
  });

  it('keeps counting rows for files sent inline, whose rows were counted', () => {
    const inline = { ...uploaded, status: 'running' as const, expectedRows: 100, total: 40, processedBytes: 7000 };
    expect(toImportJobView(inline, []).progress).toEqual({ processedRows: 40, expectedRows: 100, percent: 40 });
  });
});

function catchError(fn: () => void): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
