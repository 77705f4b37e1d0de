import { ScanCommand } from '@aws-sdk/lib-dynamodb';
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
 * default chunking and concurrency, one job from queued to completed. Events are outbox items of the
 * import's own transactions, so their cost is in the figures; no stream relay runs, because this
 * section measures the table writes and has no event bus to send to.
 */

export interface ImportRunInput {
  jobId: string;
  rows: number;
  /** The file is already in the table (a re-import): every row must come out `unchanged` rather than `created`. */
  again?: boolean;
}

export interface ImportRunResult {
  rows: number;
  ms: number;
  created: number;
  unchanged: number;
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
  const deps = { ...catalogDeps(), s3, importsBucket: config.importsBucket };
  const eventsBefore = await outboxItems(deps.tableName);
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

  const started = performance.now();
  const outcome = await runImport(deps, input.jobId);
  const ms = performance.now() - started;
  if (outcome.kind !== 'completed') throw new Error(`import did not complete: ${JSON.stringify(outcome)}`);
  const job = (await getJob(deps, input.jobId))!;
  if (job.total !== input.rows) throw new Error(`import counted ${job.total} rows, expected ${input.rows}`);
  if ((input.again ? job.unchanged : job.created) !== input.rows) throw new Error(`import counted ${JSON.stringify(job)}, expected every row ${input.again ? 'unchanged' : 'created'}`);
  dynamo.middlewareStack.remove('benchWriteConcurrency');
  const events = (await outboxItems(deps.tableName)) - eventsBefore;
  return { rows: job.total, ms, created: job.created, unchanged: job.unchanged, failed: job.failed, events, maxWritesInFlight, requests };
}

/** How many outbox items the table holds; counted outside the timed run and its request counts. */
async function outboxItems(tableName: string): Promise<number> {
  let count = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const page = await dynamo.send(
      new ScanCommand({
        TableName: tableName,
        FilterExpression: 'entityType = :outbox',
        ExpressionAttributeValues: { ':outbox': 'OutboxEvent' },
        Select: 'COUNT',
        ExclusiveStartKey: start,
      }),
    );
    count += page.Count ?? 0;
    start = page.LastEvaluatedKey;
  } while (start);
  return count;
}

await reportToParent(run);
