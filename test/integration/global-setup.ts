import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import type { TestProject } from 'vitest/node';
import { localDynamoClient, startDynamoDb } from '../../infra/local/engines/dynamodb.js';
import { startS3 } from '../../infra/local/engines/s3.js';
import { startSqs } from '../../infra/local/engines/sqs.js';
import { createQueues, dlqName, localSqsClient } from '../../infra/local/queues.js';
import { startEventBus } from '../../infra/local/event-bus.js';
import type { AwsJsonServer } from '../../infra/local/aws-json-server.js';
import { createInvoker } from '../../infra/local/functions.js';
import { createStreamDlqs, startStreamPollers, type StreamPollers } from '../../infra/local/streams.js';
import { functions, rules, streams } from '../../wiring/index.js';
import { BUCKET_IDS, platformEnv, resourceNames } from '../../infra/local/resources.js';
import { migrate } from '../../shared/db/migrations/migrate.js';
import type { EngineInfo } from '../support/engines.js';

/**
 * Starts the engines integration tests run against: DynamoDB Local in memory, fauxqs and s3rver,
 * each on a free port, with the table migrated and every wiring bucket and queue created, plus
 * the local event bus routing the wiring's rules into those queues and the wiring's stream
 * consumers (the outbox relay) reading the table's stream, so an event committed in a test's
 * transaction reaches the bus as it would on AWS. The environment goes into `process.env` before
 * any worker starts (and before any stream consumer is imported), so handlers imported by tests
 * reach these engines with no test-only code; the same facts are provided as `engines`.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const s3Dir = await mkdtemp(join(tmpdir(), 'smartshelf-it-s3-'));
  const streamsDir = await mkdtemp(join(tmpdir(), 'smartshelf-it-streams-'));
  const names = resourceNames('smartshelf-test');
  const [dynamodb, sqs, s3] = await Promise.all([
    startDynamoDb(),
    startSqs(),
    startS3({ directory: s3Dir, buckets: BUCKET_IDS.map((id) => names.bucket(id)) }),
  ]);
  const sqsClient = localSqsClient(sqs.endpoint);
  let eventBus: AwsJsonServer | undefined;
  let streamPollers: StreamPollers | undefined;
  const stopAll = async () => {
    await streamPollers?.stop();
    await eventBus?.close();
    sqsClient.destroy();
    await Promise.allSettled([dynamodb.stop(), sqs.stop(), s3.stop()]);
    await Promise.all([s3Dir, streamsDir].map((dir) => rm(dir, { recursive: true, force: true })));
  };
  try {
    const dynamoClient = localDynamoClient(dynamodb.endpoint);
    const [created, streamDlqUrls] = await Promise.all([
      createQueues(sqs.endpoint),
      createStreamDlqs(sqsClient, streams),
      migrate({ tableName: names.table, createTable: true, log: () => undefined, client: dynamoClient }).finally(() =>
        dynamoClient.destroy(),
      ),
    ]);
    const wiredUrls = Object.fromEntries(created.map((q) => [q.id, q.url]));
    const queueUrls = {
      ...wiredUrls,
      ...Object.fromEntries(created.map((q) => [dlqName(q.id), q.dlqUrl])),
      ...Object.fromEntries(Object.entries(streamDlqUrls).map(([id, url]) => [dlqName(id), url])),
    };
    eventBus = await startEventBus({ busName: names.eventBus, rules, sqs: sqsClient, queueUrl: (id) => wiredUrls[id]! });
    const endpoints = { dynamodb: dynamodb.endpoint, sqs: sqs.endpoint, s3: s3.endpoint, events: eventBus.endpoint };
    const env = platformEnv({ names, endpoints, queueUrls: wiredUrls, stage: 'test' });
    Object.assign(process.env, env);
    const invoker = createInvoker({ root: fileURLToPath(new URL('../..', import.meta.url)), functions, stage: 'test' });
    streamPollers = await startStreamPollers({
      streams,
      tableName: names.table,
      endpoint: dynamodb.endpoint,
      checkpointFile: join(streamsDir, 'streams.json'),
      invoke: (fnId, event: DynamoDBStreamEvent) => invoker.invoke(fnId, event),
      sqs: sqsClient,
      dlqUrl: (id) => streamDlqUrls[id]!,
      log: (line) => console.error(`[streams] ${line}`),
    });
    const info: EngineInfo = {
      endpoints,
      tableName: names.table,
      eventBusName: names.eventBus,
      buckets: { media: names.bucket('media'), imports: names.bucket('imports'), exports: names.bucket('exports') },
      queueUrls,
      env,
    };
    project.provide('engines', info);
  } catch (error) {
    await stopAll();
    throw error;
  }
  return stopAll;
}
