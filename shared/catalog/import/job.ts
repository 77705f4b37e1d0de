import { BatchWriteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
import { keys, PREFIXES } from '../../db/keys.js';
import type { CatalogDeps } from '../deps.js';
import { Id } from '../model.js';
import type { RowError } from './parse-row.js';
import { IMPORT_FORMATS } from './readers.js';

export const IMPORT_JOB_SCHEMA_VERSION = 1;
export const IMPORT_ROW_ERROR_SCHEMA_VERSION = 1;

/** Rows with errors kept for the report; the counters still count every failed row. */
export const MAX_STORED_ROW_ERRORS = 1000;

/**
 * `awaiting-upload` → `queued` (`POST /imports/{id}/start`) → `running` → `completed` | `failed`.
 * Files sent inline (`POST /products/import`) start as `queued`.
 */
export const ImportStatus = z.enum(['awaiting-upload', 'queued', 'running', 'completed', 'failed']);
export type ImportStatus = z.infer<typeof ImportStatus>;

/** What one run added to the counters; `total` = created + updated + unchanged + failed, in rows. */
export interface ImportCounts {
  total: number;
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
}

export const ImportJob = z.strictObject({
  id: Id,
  status: ImportStatus,
  format: z.enum(IMPORT_FORMATS),
  sourceKey: z.string(),
  /** The inline body's size, or the size declared for an upload (which the upload must match). */
  sizeBytes: z.number().int().nonnegative(),
  /**
   * The ETag of the uploaded object when the import was started: the worker reads only that
   * version, so a second PUT to a still-valid presigned URL cannot swap the file under it.
   */
  sourceEtag: z.string().optional(),
  /**
   * Data rows counted when an inline file was accepted, so progress can be shown as a fraction of
   * rows. Absent for uploads, which are never read before the worker streams them.
   */
  expectedRows: z.number().int().nonnegative().optional(),
  /** Bytes of the file the worker had read at its last checkpoint: progress when the rows were not counted. */
  processedBytes: z.number().int().nonnegative().optional(),
  /** DynamoDB TTL (epoch seconds) of a job still awaiting its upload, so abandoned ones go away; starting removes it. */
  expiresAt: z.number().int().positive().optional(),
  createdBy: z.string(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  startedAt: z.iso.datetime().optional(),
  completedAt: z.iso.datetime().optional(),
  total: z.number().int().nonnegative(),
  created: z.number().int().nonnegative(),
  updated: z.number().int().nonnegative(),
  unchanged: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  errorsStored: z.number().int().nonnegative(),
  /** Every row up to this one is written and counted; a resumed run starts after it. */
  checkpointRow: z.number().int().nonnegative(),
  /** Identifies the run that owns the job; a superseded run notices at its next checkpoint and stops. */
  runToken: z.string().optional(),
  attempts: z.number().int().nonnegative(),
  /** Why a failed job stopped: an unreadable file, a missing upload, repeated internal errors. */
  error: z.string().optional(),
});
export type ImportJob = z.infer<typeof ImportJob>;

/** The job as `GET /imports/{id}` shows it. */
export interface ImportJobView {
  id: string;
  status: ImportStatus;
  format: ImportJob['format'];
  sizeBytes: number;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  startedAt?: string;
  completedAt?: string;
  /**
   * `expectedRows` is null for uploads, whose rows are not counted in advance; their `percent`
   * is the share of the file's bytes the worker has read.
   */
  progress: { processedRows: number; expectedRows: number | null; percent: number };
  counts: ImportCounts;
  error?: string;
  errors: RowError[];
  errorsTruncated: boolean;
}

export function importJobItem(job: ImportJob): Record<string, unknown> {
  return { ...keys.importJob(job.id), entityType: 'ImportJob', schemaVersion: IMPORT_JOB_SCHEMA_VERSION, ...job };
}

export function importJobFromItem(item: Record<string, unknown>): ImportJob {
  const { pk: _pk, sk: _sk, entityType: _type, schemaVersion: _version, ...rest } = item;
  return ImportJob.parse(rest);
}

/** Done over expected as a whole percentage; 100 is kept for a completed job, so a running one shows at most 99. */
function percentOf(done: number, expected: number): number {
  return expected === 0 ? 0 : Math.min(99, Math.floor((done / expected) * 100));
}

/** The view of a job and its stored row errors (already in row order). */
export function toImportJobView(job: ImportJob, errors: RowError[]): ImportJobView {
  const counts = { total: job.total, created: job.created, updated: job.updated, unchanged: job.unchanged, failed: job.failed };
  const percent =
    job.status === 'completed'
      ? 100
      : job.expectedRows !== undefined
        ? percentOf(job.total, job.expectedRows)
        : percentOf(job.processedBytes ?? 0, job.sizeBytes);
  return {
    id: job.id,
    status: job.status,
    format: job.format,
    sizeBytes: job.sizeBytes,
    createdBy: job.createdBy,
    createdAt: job.createdAt,
    updatedAt: job.updatedAt,
    ...(job.startedAt ? { startedAt: job.startedAt } : {}),
    ...(job.completedAt ? { completedAt: job.completedAt } : {}),
    progress: { processedRows: job.total, expectedRows: job.expectedRows ?? null, percent },
    counts,
    ...(job.error ? { error: job.error } : {}),
    errors,
    errorsTruncated: job.failed > job.errorsStored,
  };
}

/** A run that no longer owns its job: another delivery of the same message took it over. */
export class RunSuperseded extends Error {
  override readonly name = 'RunSuperseded';
}

/** What a job counts while it runs; every job starts with them at zero. */
type Progress = 'total' | 'created' | 'updated' | 'unchanged' | 'failed' | 'errorsStored' | 'checkpointRow' | 'attempts';

/** A job that has not run yet: its description, with every counter at zero. */
export function newImportJob(fields: Omit<ImportJob, Progress>): ImportJob {
  return { ...fields, total: 0, created: 0, updated: 0, unchanged: 0, failed: 0, errorsStored: 0, checkpointRow: 0, attempts: 0 };
}

/** Writes a new job; its id is fresh, so an existing item means a bug. */
export async function putNewJob(deps: CatalogDeps, job: ImportJob): Promise<void> {
  await deps.db.send(
    new PutCommand({ TableName: deps.tableName, Item: importJobItem(job), ConditionExpression: 'attribute_not_exists(pk)' }),
  );
}

export async function getJob(deps: CatalogDeps, id: string): Promise<ImportJob | undefined> {
  const { Item } = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: keys.importJob(id), ConsistentRead: true }));
  return Item ? importJobFromItem(Item) : undefined;
}

/** The stored row errors of a job, in row order, one entry per failing field. */
export async function getRowErrors(deps: CatalogDeps, id: string): Promise<RowError[]> {
  const errors: RowError[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await deps.db.send(
      new QueryCommand({
        TableName: deps.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': keys.importJob(id).pk, ':prefix': PREFIXES.importRowError },
        ExclusiveStartKey: start,
      }),
    );
    for (const item of page.Items ?? []) {
      const row = item.row as number;
      const sku = item.sku as string | undefined;
      for (const problem of item.problems as { field: string; message: string }[]) {
        errors.push({ row, ...(sku ? { sku } : {}), field: problem.field, message: problem.message });
      }
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return errors;
}

/**
 * Moves a job from `awaiting-upload` to `queued` and ends its expiry, if it is still awaiting:
 * of two concurrent starts exactly one wins, and only the winner queues a message.
 * @returns the queued job, or `undefined` when the job was not awaiting its upload any more
 */
export async function queueUploadedJob(deps: CatalogDeps, id: string, sourceEtag: string): Promise<ImportJob | undefined> {
  try {
    const { Attributes } = await deps.db.send(
      new UpdateCommand({
        TableName: deps.tableName,
        Key: keys.importJob(id),
        UpdateExpression: 'SET #status = :queued, sourceEtag = :etag, updatedAt = :now REMOVE expiresAt',
        ConditionExpression: 'attribute_exists(pk) AND #status = :awaiting',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':queued': 'queued', ':awaiting': 'awaiting-upload', ':etag': sourceEtag, ':now': deps.now().toISOString() },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return Attributes ? importJobFromItem(Attributes) : undefined;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return undefined;
    throw error;
  }
}

/**
 * Undoes `queueUploadedJob` when its message could not be sent, so that starting again sends it
 * rather than finding a queued job that no message will ever run. Only a job no run has claimed
 * is put back.
 */
export async function unqueueUploadedJob(deps: CatalogDeps, job: ImportJob): Promise<void> {
  try {
    await deps.db.send(
      new UpdateCommand({
        TableName: deps.tableName,
        Key: keys.importJob(job.id),
        UpdateExpression: `SET #status = :awaiting, updatedAt = :now${job.expiresAt === undefined ? '' : ', expiresAt = :expires'}`,
        ConditionExpression: '#status = :queued AND attempts = :none',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':awaiting': 'awaiting-upload',
          ':queued': 'queued',
          ':none': 0,
          ':now': deps.now().toISOString(),
          ...(job.expiresAt === undefined ? {} : { ':expires': job.expiresAt }),
        },
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}

/**
 * Takes the job for this run: queued or running jobs (a crashed run's) become running under a new
 * token; finished jobs are left alone so a redelivered message does nothing.
 * @returns the job as the run must continue it, or `undefined` when there is nothing to do
 */
export async function claimJob(deps: CatalogDeps, id: string, runToken: string): Promise<ImportJob | undefined> {
  const now = deps.now().toISOString();
  try {
    const { Attributes } = await deps.db.send(
      new UpdateCommand({
        TableName: deps.tableName,
        Key: keys.importJob(id),
        UpdateExpression: 'SET #status = :running, runToken = :token, updatedAt = :now, startedAt = if_not_exists(startedAt, :now) ADD attempts :one',
        ConditionExpression: 'attribute_exists(pk) AND #status IN (:queued, :running)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':running': 'running', ':queued': 'queued', ':token': runToken, ':now': now, ':one': 1 },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return Attributes ? importJobFromItem(Attributes) : undefined;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return undefined;
    throw error;
  }
}

function rowErrorItems(jobId: string, errors: readonly RowError[]): Record<string, unknown>[] {
  const byRow = new Map<number, { sku?: string; problems: { field: string; message: string }[] }>();
  for (const error of errors) {
    const entry = byRow.get(error.row) ?? { problems: [] };
    if (error.sku && !entry.sku) entry.sku = error.sku;
    entry.problems.push({ field: error.field, message: error.message });
    byRow.set(error.row, entry);
  }
  return [...byRow].map(([row, entry]) => ({
    ...keys.importRowError(jobId, row),
    entityType: 'ImportRowError',
    schemaVersion: IMPORT_ROW_ERROR_SCHEMA_VERSION,
    jobId,
    row,
    ...(entry.sku ? { sku: entry.sku } : {}),
    problems: entry.problems,
  }));
}

async function batchPut(deps: CatalogDeps, items: Record<string, unknown>[]): Promise<void> {
  for (let start = 0; start < items.length; start += 25) {
    let requests: Record<string, unknown>[] | undefined = items.slice(start, start + 25).map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 0; requests && requests.length > 0; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.random() * 25 * 2 ** attempt));
      const result = await deps.db.send(new BatchWriteCommand({ RequestItems: { [deps.tableName]: requests as never } }));
      requests = result.UnprocessedItems?.[deps.tableName] as Record<string, unknown>[] | undefined;
    }
  }
}

/**
 * Records the progress of a contiguous run of rows: stores their errors (up to the report's
 * limit; rewriting a row's error item on a resumed run is harmless) and then, in one conditional
 * update, adds their counts and moves the checkpoint. Counts and checkpoint move together, so a
 * resumed run never counts a row twice.
 * @returns how many rows with errors were stored
 * @throws RunSuperseded when another run took the job over
 */
export async function recordProgress(
  deps: CatalogDeps,
  input: {
    jobId: string;
    runToken: string;
    fromRow: number;
    toRow: number;
    counts: ImportCounts;
    errors: RowError[];
    errorsStored: number;
    /** How much of the file has been read so far. */
    processedBytes?: number;
  },
): Promise<number> {
  const room = Math.max(0, MAX_STORED_ROW_ERRORS - input.errorsStored);
  const items = rowErrorItems(input.jobId, input.errors).slice(0, room);
  await batchPut(deps, items);
  const { counts } = input;
  try {
    await deps.db.send(
      new UpdateCommand({
        TableName: deps.tableName,
        Key: keys.importJob(input.jobId),
        UpdateExpression:
          `SET checkpointRow = :to, updatedAt = :now${input.processedBytes === undefined ? '' : ', processedBytes = :bytes'} ` +
          'ADD #total :total, created :created, updated :updated, unchanged :unchanged, failed :failed, errorsStored :stored',
        ConditionExpression: 'runToken = :token AND checkpointRow = :from AND #status = :running',
        ExpressionAttributeNames: { '#total': 'total', '#status': 'status' },
        ExpressionAttributeValues: {
          ':to': input.toRow,
          ':from': input.fromRow,
          ':now': deps.now().toISOString(),
          ':total': counts.total,
          ':created': counts.created,
          ':updated': counts.updated,
          ':unchanged': counts.unchanged,
          ':failed': counts.failed,
          ':stored': items.length,
          ':token': input.runToken,
          ':running': 'running',
          ...(input.processedBytes === undefined ? {} : { ':bytes': input.processedBytes }),
        },
      }),
    );
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) throw new RunSuperseded(`import ${input.jobId} is no longer owned by this run`);
    throw error;
  }
  return items.length;
}

/**
 * Ends the run: `completed`, or `failed` with the reason. Only the owning run may finish the job.
 * @throws RunSuperseded when another run took the job over
 */
export async function finishJob(
  deps: CatalogDeps,
  input: { jobId: string; runToken: string; status: 'completed' | 'failed'; error?: string },
): Promise<void> {
  const now = deps.now().toISOString();
  try {
    await deps.db.send(
      new UpdateCommand({
        TableName: deps.tableName,
        Key: keys.importJob(input.jobId),
        UpdateExpression: `SET #status = :status, completedAt = :now, updatedAt = :now${input.error ? ', #error = :error' : ''}`,
        ConditionExpression: 'runToken = :token AND #status = :running',
        ExpressionAttributeNames: { '#status': 'status', ...(input.error ? { '#error': 'error' } : {}) },
        ExpressionAttributeValues: {
          ':status': input.status,
          ':now': now,
          ':token': input.runToken,
          ':running': 'running',
          ...(input.error ? { ':error': input.error } : {}),
        },
      }),
    );
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) throw new RunSuperseded(`import ${input.jobId} is no longer owned by this run`);
    throw error;
  }
}
