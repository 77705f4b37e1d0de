import type { z } from 'zod';
import type { EventContract } from '../../../events/contract.js';
import { catalogDeps } from '../../../shared/catalog/deps.js';
import { getJob } from '../../../shared/catalog/import/job.js';
import { runImport } from '../../../shared/catalog/import/run-import.js';
import { config } from '../../../shared/config/config.js';
import { dynamo } from '../../../shared/db/client.js';
import { s3 } from '../../../shared/storage/s3.js';
import { reportToParent } from '../../lib/child.js';

/**
 * The import worker's code path, as `functions/catalog/process-import.ts` runs it: the production
 * DynamoDB and S3 clients (pointed at the bench engines by the SDK's endpoint variables), the
 * default chunking and concurrency, one job from queued to completed. Only publishing differs: each
 * event is validated against its contract and serialized as the publisher does, but not sent,
 * because this section measures the table writes and has no event bus to send to.
 */

export interface ImportRunInput {
  jobId: string;
  rows: number;
}

export interface ImportRunResult {
  rows: number;
  ms: number;
  created: number;
  failed: number;
  events: number;
  /** Most DynamoDB write requests the worker had in flight at once: the raw writer uses the same. */
  maxWritesInFlight: number;
  /** DynamoDB requests the run made, by command: where its time goes. */
  requests: Record<string, number>;
}

const WRITE_COMMANDS = new Set(['TransactWriteItemsCommand', 'BatchWriteItemCommand', 'PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand']);

async function run(input: ImportRunInput): Promise<ImportRunResult> {
  let inFlight = 0;
  let maxWritesInFlight = 0;
  const requests: Record<string, number> = {};
  dynamo.middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? 'unknown';
      requests[command] = (requests[command] ?? 0) + 1;
      if (!WRITE_COMMANDS.has(command)) return next(args);
      maxWritesInFlight = Math.max(maxWritesInFlight, ++inFlight);
      try {
        return await next(args);
      } finally {
        inFlight--;
      }
    },
    { step: 'initialize', name: 'benchWriteConcurrency' },
  );
  let events = 0;
  const publish = async <S extends z.ZodType>(contract: EventContract<S>, data: z.input<S>) => {
    events++;
    return JSON.stringify({ version: contract.version, occurredAt: new Date().toISOString(), data: contract.schema.parse(data) });
  };
  const deps = { ...catalogDeps({ publish }), s3, importsBucket: config.importsBucket };

  const started = performance.now();
  const outcome = await runImport(deps, input.jobId);
  const ms = performance.now() - started;
  if (outcome.kind !== 'completed') throw new Error(`import did not complete: ${JSON.stringify(outcome)}`);
  const job = (await getJob(deps, input.jobId))!;
  if (job.total !== input.rows) throw new Error(`import counted ${job.total} rows, expected ${input.rows}`);
  return { rows: job.total, ms, created: job.created, failed: job.failed, events, maxWritesInFlight, requests };
}

await reportToParent(run);
