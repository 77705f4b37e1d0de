import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import { S3Client } from '@aws-sdk/client-s3';
import { inject } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../infra/local/engines/credentials.js';

/** What the integration global setup started, handed to every test file through `inject('engines')`. */
export interface EngineInfo {
  endpoints: { dynamodb: string; sqs: string; s3: string; events: string };
  tableName: string;
  eventBusName: string;
  buckets: { media: string; imports: string; exports: string };
  /** Queue id → URL, DLQs under `<id>-dlq`. */
  queueUrls: Record<string, string>;
  /** The full environment the setup exported (already in `process.env` of every worker). */
  env: Record<string, string>;
}

declare module 'vitest' {
  export interface ProvidedContext {
    engines: EngineInfo;
  }
}

/** The engines of this test run. */
export function engines(): EngineInfo {
  return inject('engines');
}

const clientConfig = () => ({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });

/** A document client on the test DynamoDB. */
export function testDynamo(): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient({ ...clientConfig(), endpoint: engines().endpoints.dynamodb }), {
    marshallOptions: { removeUndefinedValues: true },
  });
}

/** An SQS client on the test fauxqs. */
export function testSqs(): SQSClient {
  return new SQSClient({ ...clientConfig(), endpoint: engines().endpoints.sqs });
}

/** An S3 client on the test s3rver (path-style, as locally configured). */
export function testS3(): S3Client {
  return new S3Client({ ...clientConfig(), endpoint: engines().endpoints.s3, forcePathStyle: true });
}

/** A fresh id, so that test files sharing one table and set of queues never see each other's data. */
export function uniqueId(prefix = 'test'): string {
  return `${prefix}-${randomUUID()}`;
}

/** The URL of a wiring queue (or `<id>-dlq`) in the test fauxqs. */
export function queueUrl(id: string): string {
  const url = engines().queueUrls[id];
  if (!url) throw new Error(`no test queue ${id}; known: ${Object.keys(engines().queueUrls).join(', ')}`);
  return url;
}

/**
 * Receives and deletes messages from a queue until `match` has found one or `timeoutMs` passes.
 * Messages that do not match are left alone (they become visible again), so parallel test files
 * can share a queue.
 */
export async function takeMessage(queueId: string, match: (body: unknown) => boolean, timeoutMs = 10_000): Promise<unknown> {
  const sqs = testSqs();
  const url = queueUrl(queueId);
  const deadline = Date.now() + timeoutMs;
  try {
    while (Date.now() < deadline) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: 0 }),
      );
      const found = Messages.find((m: Message) => match(parse(m.Body)));
      if (found) {
        await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: found.ReceiptHandle! }));
        return parse(found.Body);
      }
    }
    throw new Error(`no matching message on ${queueId} within ${timeoutMs} ms`);
  } finally {
    sqs.destroy();
  }
}

function parse(body: string | undefined): unknown {
  try {
    return JSON.parse(body ?? '');
  } catch {
    return body;
  }
}
