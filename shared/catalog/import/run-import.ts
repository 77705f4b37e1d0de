import { Transform, type Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { ulid } from 'ulid';
import { logger } from '../../observability/logger.js';
import { openObjectStream } from '../../storage/s3.js';
import type { CatalogDeps } from '../deps.js';
import { CategoryResolver } from './categories.js';
import { ImportFileError } from './errors.js';
import { chunkGroups, groupLines } from './group.js';
import { claimJob, finishJob, getJob, recordProgress, type ImportCounts, type ImportJob } from './job.js';
import { parseRecord, type LineResult, type RowError, type SourceRecord } from './parse-row.js';
import { readRecords } from './readers.js';
import { TRANSACTION_LIMITS, writeChunk, type ChunkResult, type TransactionLimits } from './upsert.js';

/** Where the worker reads uploads from, on top of the catalog's own dependencies. */
export interface ImportDeps extends CatalogDeps {
  s3: S3Client;
  importsBucket: string;
}

export interface RunOptions {
  /** Rows per chunk; a product is never split, so chunks can be a little larger. */
  chunkRows?: number;
  /** Chunks written at once (each writes several products at once). */
  chunkConcurrency?: number;
  /** How each chunk groups products into transactions; `TRANSACTION_LIMITS` when absent. */
  transactions?: Partial<TransactionLimits>;
  /** Checkpoint after at least this many rows... */
  checkpointRows?: number;
  /** ...or after this long, whichever comes first. */
  checkpointMs?: number;
  /** Asked before each chunk; `true` stops reading (Lambda running out of time), checkpoints and pauses the job. */
  shouldStop?: () => boolean;
  /** This delivery is the queue's last before the DLQ: an internal failure now fails the job instead of leaving it running. */
  lastAttempt?: boolean;
}

export type RunOutcome =
  /** Nothing to do: the job is finished (a redelivered message) or does not exist. */
  | { kind: 'skipped'; reason: string }
  | { kind: 'completed'; job: ImportJob }
  | { kind: 'failed'; job: ImportJob; error: string }
  /** Stopped early at a checkpoint; the next delivery continues from it. */
  | { kind: 'paused'; checkpointRow: number };

const DEFAULTS = { chunkRows: 100, chunkConcurrency: 6, checkpointRows: 2000, checkpointMs: 2000 };

const noCounts = (): ImportCounts => ({ total: 0, created: 0, updated: 0, unchanged: 0, failed: 0 });

/**
 * Chunks finish out of order; this records them in file order. Finished chunks wait until every
 * chunk before them is done, then their counts and errors are checkpointed together, so the job's
 * `checkpointRow` always means "everything up to here is written and counted".
 */
class Checkpointer {
  private readonly done = new Map<number, { lastRow: number; result: ChunkResult | undefined }>();
  private nextSeq = 0;
  private counts = noCounts();
  private errors: RowError[] = [];
  private toRow: number;
  private lastFlush = Date.now();

  constructor(
    private readonly deps: ImportDeps,
    private readonly job: ImportJob,
    private readonly runToken: string,
    private readonly options: Required<Pick<RunOptions, 'checkpointRows' | 'checkpointMs'>>,
    private readonly bytesRead: () => number,
    private checkpointRow = job.checkpointRow,
    private errorsStored = job.errorsStored,
  ) {
    this.toRow = checkpointRow;
  }

  get row(): number {
    return this.checkpointRow;
  }

  /** Marks a chunk done; `result` is absent for chunks a resumed run skipped. */
  complete(seq: number, lastRow: number, result: ChunkResult | undefined): void {
    this.done.set(seq, { lastRow, result });
    for (let next = this.done.get(this.nextSeq); next; next = this.done.get(this.nextSeq)) {
      this.done.delete(this.nextSeq);
      this.nextSeq++;
      if (!next.result) continue;
      for (const key of Object.keys(this.counts) as (keyof ImportCounts)[]) this.counts[key] += next.result.counts[key];
      this.errors.push(...next.result.errors);
      this.toRow = Math.max(this.toRow, next.lastRow);
    }
  }

  /**
   * Writes the contiguous progress when enough has piled up, or always with `force`. Chunks keep
   * completing while the write is in flight, so it takes what is pending first and puts it back
   * if the write fails.
   */
  async flush(force = false): Promise<void> {
    if (this.toRow === this.checkpointRow) return;
    const due = this.counts.total >= this.options.checkpointRows || Date.now() - this.lastFlush >= this.options.checkpointMs;
    if (!force && !due) return;
    const taken = { counts: this.counts, errors: this.errors, toRow: this.toRow };
    this.counts = noCounts();
    this.errors = [];
    try {
      const stored = await recordProgress(this.deps, {
        jobId: this.job.id,
        runToken: this.runToken,
        fromRow: this.checkpointRow,
        toRow: taken.toRow,
        counts: taken.counts,
        errors: taken.errors,
        errorsStored: this.errorsStored,
        processedBytes: this.bytesRead(),
      });
      this.errorsStored += stored;
      this.checkpointRow = taken.toRow;
      this.lastFlush = Date.now();
    } catch (error) {
      for (const key of Object.keys(this.counts) as (keyof ImportCounts)[]) this.counts[key] += taken.counts[key];
      this.errors = [...taken.errors, ...this.errors];
      throw error;
    }
  }
}

async function* parsed(records: AsyncIterable<SourceRecord>): AsyncGenerator<LineResult> {
  for await (const record of records) yield parseRecord(record);
}

/**
 * Passes the file through unchanged, counting its bytes: progress for uploads, whose rows were
 * never counted. The count runs a little ahead of the checkpoint (the parser reads ahead), which
 * is why a running job shows at most 99%.
 */
function countingBytes(source: Readable): { stream: Readable; bytesRead: () => number } {
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  source.on('error', (error) => counter.destroy(error));
  return { stream: source.pipe(counter), bytesRead: () => bytes };
}

function skipReason(job: ImportJob | undefined): string {
  if (!job) return 'there is no such job';
  return job.status === 'awaiting-upload' ? 'the job is still awaiting its upload' : `the job is already ${job.status}`;
}

function isMissingObject(error: unknown): boolean {
  const name = (error as { name?: unknown }).name;
  return name === 'NoSuchKey' || name === 'NotFound';
}

/**
 * Runs (or resumes) an import job: streams the upload from S3 through the parser, groups rows
 * into products and writes chunks of them concurrently, checkpointing counts and row errors in
 * file order. Memory stays bounded by the chunks in flight plus one set of the file's slugs and
 * SKUs (for the file-wide duplicate checks); the file itself is never held whole.
 *
 * A resumed run re-reads the file, skips the chunks before the checkpoint, and rewrites the rest;
 * the writes are idempotent, so rows written after the last checkpoint of a crashed run are
 * counted as `unchanged` the second time.
 * @throws RunSuperseded when another delivery took the job over
 * @throws whatever internal error stopped the run, after checkpointing the rows that were done
 */
export async function runImport(deps: ImportDeps, jobId: string, options: RunOptions = {}): Promise<RunOutcome> {
  const settings = { ...DEFAULTS, ...options };
  const runToken = ulid();
  const job = await claimJob(deps, jobId, runToken);
  if (!job) {
    const existing = await getJob(deps, jobId);
    return { kind: 'skipped', reason: skipReason(existing) };
  }
  logger.info('import run started', { jobId, attempt: job.attempts, checkpointRow: job.checkpointRow });

  const fail = async (error: string): Promise<RunOutcome> => {
    await finishJob(deps, { jobId, runToken, status: 'failed', error });
    return { kind: 'failed', job: (await getJob(deps, jobId))!, error };
  };

  let source;
  try {
    source = await openObjectStream(deps.s3, deps.importsBucket, job.sourceKey, job.sourceEtag ? { ifMatch: job.sourceEtag } : {});
  } catch (error) {
    if (isMissingObject(error)) return fail('The uploaded file is missing from storage; upload it again.');
    if ((error as { name?: unknown }).name === 'PreconditionFailed') {
      return fail('The uploaded file was replaced after the import started; create a new import for the new file.');
    }
    throw error;
  }

  const ctx = { deps, who: { actor: `import:${jobId}` }, categories: new CategoryResolver(deps) };
  const limits = { ...TRANSACTION_LIMITS, ...settings.transactions };
  const file = countingBytes(source);
  const checkpointer = new Checkpointer(deps, job, runToken, settings, file.bytesRead);
  const inFlight = new Map<number, Promise<void>>();
  let writeFailure: { error: unknown } | undefined;
  let loopFailure: { error: unknown } | undefined;
  let paused = false;
  let seq = 0;

  try {
    const chunks = chunkGroups(groupLines(parsed(readRecords(job.format, file.stream))), settings.chunkRows);
    for await (const chunk of chunks) {
      if (writeFailure) break;
      if (settings.shouldStop?.()) {
        paused = true;
        break;
      }
      const mine = seq++;
      const lastRow = chunk.at(-1)!.lastRow;
      if (lastRow <= job.checkpointRow) {
        checkpointer.complete(mine, lastRow, undefined);
        continue;
      }
      const write = writeChunk(ctx, chunk, limits)
        .then(
          (result) => checkpointer.complete(mine, lastRow, result),
          (error: unknown) => {
            writeFailure ??= { error };
          },
        )
        .finally(() => inFlight.delete(mine));
      inFlight.set(mine, write);
      if (inFlight.size >= settings.chunkConcurrency) await Promise.race(inFlight.values());
      await checkpointer.flush();
    }
  } catch (error) {
    loopFailure = { error };
  } finally {
    source.destroy();
    file.stream.destroy();
  }
  await Promise.all(inFlight.values());
  await checkpointer.flush(true);

  if (writeFailure || (loopFailure && !(loopFailure.error instanceof ImportFileError))) {
    const error = (writeFailure ?? loopFailure)!.error;
    logger.error('import run failed', { jobId, checkpointRow: checkpointer.row, error: error as Error });
    if (settings.lastAttempt) {
      await fail(`The import stopped after repeated internal errors; rows up to ${checkpointer.row} were imported. Upload the file again to finish it.`);
    }
    throw error;
  }
  if (loopFailure) return fail((loopFailure.error as ImportFileError).message);
  if (paused) {
    logger.info('import run paused', { jobId, checkpointRow: checkpointer.row });
    return { kind: 'paused', checkpointRow: checkpointer.row };
  }
  await finishJob(deps, { jobId, runToken, status: 'completed' });
  const finished = (await getJob(deps, jobId))!;
  logger.info('import run completed', { jobId, counts: { total: finished.total, failed: finished.failed } });
  return { kind: 'completed', job: finished };
}
