import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { queues } from '../../infra/wiring.js';
import { config } from '../../shared/config/config.js';
import { catalogDeps } from '../../shared/catalog/deps.js';
import { RunSuperseded } from '../../shared/catalog/import/job.js';
import { runImport } from '../../shared/catalog/import/run-import.js';
import { logger } from '../../shared/observability/index.js';
import { s3 } from '../../shared/storage/s3.js';

const processor = new BatchProcessor(EventType.SQS);
const Message = z.strictObject({ jobId: z.string().min(1) });
const MAX_RECEIVES = queues.find((q) => q.id === 'catalog-import')!.maxReceiveCount;
/** Stop taking new chunks with this much time left (or a quarter of the run, if shorter), to checkpoint and hand the message back cleanly. */
const TIME_RESERVE_MS = 60_000;

async function processRecord(record: SQSRecord, context: Context): Promise<void> {
  const message = Message.safeParse(JSON.parse(record.body));
  if (!message.success) {
    // A malformed message can never succeed; retrying it would only fill the DLQ later.
    logger.error('import message ignored: not { jobId }', { body: record.body });
    return;
  }
  const { jobId } = message.data;
  logger.appendKeys({ jobId });
  const deps = { ...catalogDeps(), s3, importsBucket: config.importsBucket };
  const reserve = Math.min(TIME_RESERVE_MS, context.getRemainingTimeInMillis() / 4);
  try {
    const outcome = await runImport(deps, jobId, {
      shouldStop: () => context.getRemainingTimeInMillis() < reserve,
      lastAttempt: Number(record.attributes.ApproximateReceiveCount) >= MAX_RECEIVES,
    });
    if (outcome.kind === 'paused') {
      throw new Error(`import ${jobId} paused at row ${outcome.checkpointRow} for lack of time; the next delivery resumes it`);
    }
    if (outcome.kind === 'skipped') logger.info('import message skipped', { reason: outcome.reason });
  } catch (error) {
    if (error instanceof RunSuperseded) {
      logger.warn('import run superseded by another delivery', { error });
      return;
    }
    throw error;
  }
}

/**
 * SQS consumer of `catalog-import`: runs (or resumes) one import job per message. A failed run
 * is reported as a batch item failure, so SQS redelivers it and the next run resumes from the
 * job's checkpoint; a redelivered message for a finished job does nothing.
 */
export const handler = async (event: SQSEvent, context: Context) =>
  processPartialResponse(event, processRecord, processor, { context, throwOnFullBatchFailure: false });
