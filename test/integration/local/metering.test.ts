import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { PutObjectCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../infra/local/engines/credentials.js';
import { startEventBus } from '../../../infra/local/event-bus.js';
import { createInvoker } from '../../../infra/local/functions.js';
import { startMetering, type Metering } from '../../../infra/local/metering/metering.js';
import { REPO_ROOT } from '../../../infra/local/platform.js';
import { createQueues } from '../../../infra/local/queues.js';
import { injectTaskFailure, startStepFunctions } from '../../../infra/local/step-functions.js';
import { engines, uniqueId } from '../../support/engines.js';

const config = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
let metering: Metering;

beforeAll(async () => {
  const { dynamodb, sqs, s3 } = engines().endpoints;
  metering = await startMetering({ dynamodb, sqs, s3 });
});

afterAll(async () => {
  await metering.stop();
});

const usage = () => metering.meter.snapshot();

describe('the usage meter', () => {
  it('counts every DynamoDB call and the capacity DynamoDB Local reports, refused writes apart', async () => {
    const client = new DynamoDBClient({ ...config, endpoint: metering.endpoints.dynamodb });
    const doc = DynamoDBDocumentClient.from(client);
    const TableName = engines().tableName;
    const pk = uniqueId('METER');
    metering.meter.reset();
    try {
      for (let i = 0; i < 3; i++) await doc.send(new PutCommand({ TableName, Item: { pk, sk: `ITEM#${i}`, note: 'small' } }));
      for (let i = 0; i < 2; i++) await doc.send(new GetCommand({ TableName, Key: { pk, sk: 'ITEM#0' }, ConsistentRead: true }));
      await doc.send(new GetCommand({ TableName, Key: { pk, sk: 'ITEM#1' } }));
      await doc.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName, Item: { pk, sk: 'TX#1' } } },
            { Put: { TableName, Item: { pk, sk: 'TX#2' } } },
          ],
        }),
      );
      await expect(doc.send(new PutCommand({ TableName, Item: { pk, sk: 'ITEM#0' }, ConditionExpression: 'attribute_not_exists(pk)' }))).rejects.toThrow();
    } finally {
      client.destroy();
    }
    const { dynamodb } = usage();
    expect(dynamodb.requests).toBe(8);
    expect(dynamodb.byOperation.PutItem).toEqual({ requests: 4, readUnits: 0, writeUnits: 3, failed: 1, failedWriteItems: 1 });
    // A strongly consistent read of a small item is one unit, an eventually consistent one half.
    expect(dynamodb.byOperation.GetItem).toMatchObject({ requests: 3, readUnits: 2.5, writeUnits: 0 });
    // Two small items in a transaction: the engine reports 2 units, AWS bills 4.
    expect(dynamodb.byOperation.TransactWriteItems).toEqual({ requests: 1, readUnits: 0, writeUnits: 4, failed: 0, failedWriteItems: 0 });
    expect(dynamodb.writeUnits).toBe(7);
  });

  it('counts SQS requests in 64 KB chunks, and receives that found nothing apart', async () => {
    const [queue] = await createQueues(metering.endpoints.sqs, [{ id: uniqueId('meter'), consumer: 'none', batchSize: 10, visibilityTimeoutSeconds: 30, maxReceiveCount: 3 }]);
    const sqs = new SQSClient({ ...config, endpoint: metering.endpoints.sqs });
    const QueueUrl = queue!.url;
    metering.meter.reset();
    try {
      await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'small' }));
      await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x'.repeat(100 * 1024) }));
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
      expect(Messages.length).toBeGreaterThan(0);
      // Both were taken (and stay hidden), so the next receive finds nothing.
      if (Messages.length < 2) await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
      await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    } finally {
      sqs.destroy();
    }
    const { sqs: counted } = usage();
    expect(counted.byAction.SendMessage).toEqual({ requests: 2, billedRequests: 3 });
    expect(counted.emptyReceives).toBeGreaterThanOrEqual(1);
    expect(counted.byAction.ReceiveMessage!.billedRequests).toBeGreaterThanOrEqual(2);
  });

  it('counts EventBridge entries through the proxy in front of the bus', async () => {
    const bus = await startEventBus({ busName: 'meter-bus', rules: [], sqs: new SQSClient({ ...config, endpoint: engines().endpoints.sqs }), queueUrl: () => '' });
    const endpoint = await metering.proxyEvents(bus.endpoint);
    const events = new EventBridgeClient({ ...config, endpoint });
    metering.meter.reset();
    try {
      const entry = (detail: object) => ({ EventBusName: 'meter-bus', Source: 'test.meter', DetailType: 'thing.happened', Detail: JSON.stringify(detail) });
      await events.send(new PutEventsCommand({ Entries: [entry({ n: 1 }), entry({ n: 2 }), entry({ big: 'y'.repeat(70 * 1024) })] }));
      await events.send(new PutEventsCommand({ Entries: [entry({ n: 3 })] }));
    } finally {
      events.destroy();
      await bus.close();
    }
    expect(usage().eventBridge).toMatchObject({ putEventsCalls: 2, entries: 4, billedEvents: 5 });
  });

  it('counts S3 requests by price tier', async () => {
    const s3 = new S3Client({ ...config, endpoint: metering.endpoints.s3, forcePathStyle: true });
    const Bucket = engines().buckets.exports;
    const Key = `${uniqueId('meter')}.txt`;
    metering.meter.reset();
    try {
      await s3.send(new PutObjectCommand({ Bucket, Key, Body: 'hello' }));
      for (let i = 0; i < 2; i++) await (await s3.send(new GetObjectCommand({ Bucket, Key }))).Body!.transformToString();
    } finally {
      s3.destroy();
    }
    expect(usage().s3).toEqual({ tier1Requests: 1, tier2Requests: 2, freeRequests: 0 });
  });

  it('counts Lambda invocations at their memory, each rounded up to the millisecond', async () => {
    metering.meter.reset();
    for (let i = 0; i < 3; i++) await metering.meter.invocation('fixture-fn', 1024, async () => new Promise((resolve) => setTimeout(resolve, 5)));
    await expect(metering.meter.invocation('fixture-fn', 1024, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    const fn = usage().lambda.byFunction['fixture-fn']!;
    expect(fn).toMatchObject({ invocations: 4, memoryMb: 1024, errors: 1 });
    expect(Number.isInteger(fn.billedMs)).toBe(true);
    expect(fn.billedMs).toBeGreaterThanOrEqual(3 * 5 + 1);
    expect(fn.gbSeconds).toBeCloseTo(fn.billedMs / 1000, 9);
  });

  it('counts Step Functions transitions from the execution history, a retry as one more', async () => {
    const FIXTURES = 'test/integration/local/fixtures';
    const invoker = createInvoker({ root: REPO_ROOT, functions: [{ id: 'fixture-prepare-order', entry: `${FIXTURES}/prepare-order.ts`, access: {} }], stage: 'test' });
    const sfn = await startStepFunctions({
      machines: [
        { id: 'plain-invoke', definition: `${FIXTURES}/plain-invoke.asl.json` },
        { id: 'retry-prepare', definition: `${FIXTURES}/retry-prepare.asl.json` },
      ],
      root: REPO_ROOT,
      namePrefix: 'smartshelf-meter',
      invoke: (fn, event) => invoker.invoke(fn, event),
      onExecutionEvent: metering.meter.recordExecutionEvent.bind(metering.meter),
    });
    const client = new SFNClient({ ...config, endpoint: sfn.endpoint });
    metering.meter.reset();
    try {
      for (let i = 0; i < 3; i++) {
        await client.send(new StartExecutionCommand({ stateMachineArn: sfn.stateMachineArn('plain-invoke'), input: JSON.stringify({ orderId: `o-${i}` }) }));
      }
      // Fails once with an error its Retry names, then succeeds: two transitions.
      await injectTaskFailure(sfn.endpoint, { stateName: 'Prepare', error: 'Transient', count: 1 });
      await client.send(new StartExecutionCommand({ stateMachineArn: sfn.stateMachineArn('retry-prepare'), input: JSON.stringify({ orderId: 'o-retry' }) }));
      const deadline = Date.now() + 10_000;
      while (usage().stepFunctions.traces.filter((t) => t.status === 'SUCCEEDED').length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    } finally {
      client.destroy();
      await sfn.close();
    }
    const { stepFunctions } = usage();
    expect(stepFunctions).toMatchObject({
      executions: 4,
      transitions: 5,
      byMachine: { 'plain-invoke': { executions: 3, transitions: 3 }, 'retry-prepare': { executions: 1, transitions: 2 } },
    });
    const traces = stepFunctions.traces.map((t) => [t.machine, t.status, t.states.map((s) => s.name)]);
    expect(traces.filter(([machine]) => machine === 'plain-invoke')).toEqual(Array.from({ length: 3 }, () => ['plain-invoke', 'SUCCEEDED', ['Invoke']]));
    expect(traces.filter(([machine]) => machine === 'retry-prepare')).toEqual([['retry-prepare', 'SUCCEEDED', ['Prepare', 'Prepare']]]);
  });
});
