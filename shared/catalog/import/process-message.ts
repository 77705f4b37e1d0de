import { z } from 'zod';
import { config } from '../../config/config.js';
import { logger } from '../../observability/logger.js';
import { s3 } from '../../storage/s3.js';
import { catalogDeps } from '../deps.js';
import { RunSuperseded } from './job.js';
import { runImport } from './run-import.js';

/** What `catalog-start-import` and `catalog-start-uploaded-import` put on the `catalog-import` queue. */
export const ImportMessage = z.strictObject({ jobId: z.string().min(1) });

/** Stop taking new chunks with this much time left (or a quarter of the run, if shorter), to checkpoint and hand the message back cleanly. */
const TIME_RESERVE_MS = 60_000;

export interface ImportDelivery {
  /** This delivery's number; on the last one a failing file fails the job instead of retrying. */
  receiveCount: number;
  maxReceives: number;
  remainingTimeMs: () => number;
}

/**
 * Runs (or resumes) one import job from its queue message. A run that is about to time out
 * checkpoints and throws, so SQS redelivers the message and the next run resumes from the
 * checkpoint; a message for a finished job, or one another delivery has taken over, does nothing.
 */
export async function processImportMessage({ jobId }: z.infer<typeof ImportMessage>, delivery: ImportDelivery): Promise<void> {
  logger.appendKeys({ jobId });
  const deps = { ...catalogDeps(), s3, importsBucket: config.importsBucket };
  const reserve = Math.min(TIME_RESERVE_MS, delivery.remainingTimeMs() / 4);
  try {
    const outcome = await runImport(deps, jobId, {
      shouldStop: () => delivery.remainingTimeMs() < reserve,
      lastAttempt: delivery.receiveCount >= delivery.maxReceives,
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
