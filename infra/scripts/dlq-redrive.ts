import { parseArgs } from 'node:util';
import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { redriveQueue, type RedriveTarget } from '../../shared/ops/redrive.js';
import { queues } from '../../wiring/index.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../local/engines/credentials.js';
import { dlqName } from '../local/queues.js';
import { defaultDataDir, readLocalRuntime } from '../local/data-dir.js';

/**
 * `npm run dlq:redrive -- <queue-id> [--stage <stage>] [--max <n>]`: moves the messages waiting in a wiring queue's
 * DLQ back onto the queue, and prints how many moved.
 *
 * - Without `--stage` it targets the running local platform, found through its `runtime.json` (`SMARTSHELF_DATA_DIR`,
 *   else `.smartshelf/`).
 * - With `--stage <stage>` it targets that deployed stack on AWS, with the SDK's default credentials and region
 *   (`AWS_PROFILE`, `AWS_REGION`): the CDK app names every queue `smartshelf-<stage>-<queue-id>` and its DLQ
 *   `smartshelf-<stage>-<queue-id>-dlq`, so the URLs are looked up by name. The caller needs
 *   sqs:GetQueueUrl, sqs:ReceiveMessage and sqs:DeleteMessage on the DLQ and sqs:SendMessage on the queue.
 */

const USAGE = 'usage: npm run dlq:redrive -- <queue-id> [--stage <stage>] [--max <n>]';

async function localTarget(queueId: string): Promise<{ sqs: SQSClient; target: RedriveTarget }> {
  const runtime = await readLocalRuntime();
  if (!runtime) throw new Error(`no local platform is running on ${defaultDataDir()} (start one with npm start, or pass --stage for AWS)`);
  const queueUrl = runtime.queueUrls[queueId];
  const dlqUrl = runtime.queueUrls[dlqName(queueId)];
  if (!queueUrl || !dlqUrl) throw new Error(`the local platform has no queue ${queueId} with a DLQ`);
  const sqs = new SQSClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: runtime.endpoints.sqs });
  return { sqs, target: { queueId, queueUrl, dlqUrl } };
}

async function awsTarget(queueId: string, stage: string): Promise<{ sqs: SQSClient; target: RedriveTarget }> {
  const sqs = new SQSClient({});
  const urlOf = async (name: string) => (await sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl!;
  const prefix = `smartshelf-${stage}`;
  const [queueUrl, dlqUrl] = await Promise.all([urlOf(`${prefix}-${queueId}`), urlOf(`${prefix}-${dlqName(queueId)}`)]);
  return { sqs, target: { queueId, queueUrl, dlqUrl } };
}

try {
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { stage: { type: 'string' }, max: { type: 'string' } } });
  const [queueId] = positionals;
  if (!queueId || positionals.length > 1) throw new Error(USAGE);
  if (!queues.some((q) => q.id === queueId)) throw new Error(`unknown queue ${queueId}; the wiring's queues are ${queues.map((q) => q.id).join(', ')}`);
  const max = values.max === undefined ? undefined : Number(values.max);
  if (max !== undefined && (!Number.isInteger(max) || max <= 0)) throw new Error(`--max must be a positive whole number\n${USAGE}`);
  const { sqs, target } = values.stage === undefined ? await localTarget(queueId) : await awsTarget(queueId, values.stage);
  try {
    const report = await redriveQueue(sqs, target, max === undefined ? {} : { maxMessages: max });
    console.log(JSON.stringify(report));
    if (report.failed > 0) process.exitCode = 1;
  } finally {
    sqs.destroy();
  }
} catch (error) {
  console.error(`dlq:redrive: ${(error as Error).message}`);
  process.exitCode = 1;
}
