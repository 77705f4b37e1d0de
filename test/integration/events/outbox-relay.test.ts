import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand, type PutEventsResultEntry } from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, DeleteQueueCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { productImageUploadedV1 } from '../../../events/catalog/product-image-uploaded.v1.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../infra/local/engines/credentials.js';
import { startStreamPollers, type StreamPollers } from '../../../infra/local/streams.js';
import { streams, type StreamSpec } from '../../../wiring/index.js';
import { keys } from '../../../shared/db/keys.js';
import { tableDefinition } from '../../../shared/db/table-definition.js';
import { TransactionCancelled, transactWrite } from '../../../shared/db/transact.js';
import { outboxEvent } from '../../../shared/events/outbox.js';
import { outboxRelay } from '../../../shared/events/relay.js';
import { engines, takeMessage, testDynamo, testSqs, uniqueId } from '../../support/engines.js';
import { lambdaContext } from '../../support/lambda.js';

/**
 * The transactional outbox end to end on the local engines: a transaction that carries an outbox
 * item, DynamoDB Local's stream, the stream poller, the relay, the local bus and the rule that
 * routes `product.image-uploaded` to `catalog-thumbnails`. The first tests use the pipeline the
 * integration setup runs on the shared table; the others run their own poller on a table of
 * their own, so that they control the relay's bus calls and the poller's lifetime.
 */

const db = testDynamo();
const sqs = testSqs();
const raw = new DynamoDBClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: engines().endpoints.dynamodb });
const bus = new EventBridgeClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: engines().endpoints.events });
const relaySpec = streams.find((s) => s.consumer === 'events-relay-outbox')!;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'smartshelf-outbox-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  for (const client of [db, sqs, raw, bus]) client.destroy();
});

/** An image-upload event for a fresh marker (used as the product id), as the catalog writes it. */
function imageUploaded(tableName: string, marker: string) {
  return outboxEvent(
    tableName,
    productImageUploadedV1,
    { productId: marker, imageId: `${marker}-img`, key: `products/${marker}/img.png`, contentType: 'image/png' },
    { correlationId: 'it-outbox' },
  );
}

type Delivered = { 'detail-type': string; detail: { id: string; data: { productId: string } } };
const carries = (marker: string) => (body: unknown) => (body as Delivered).detail?.data?.productId === marker;

/** Takes the event about `marker` from `catalog-thumbnails`, where the wiring rule routes image uploads. */
const delivered = (marker: string, timeoutMs = 15_000) => takeMessage('catalog-thumbnails', carries(marker), timeoutMs) as Promise<Delivered>;

describe('the outbox on the shared table, through the integration pipeline', () => {
  it('puts an event written in a transaction on the bus, where the wiring rule routes it to its queue', async () => {
    const tableName = engines().tableName;
    const marker = uniqueId('outbox');
    const event = imageUploaded(tableName, marker);
    const change = { Put: { TableName: tableName, Item: { ...keys.product(marker), entityType: 'Product', schemaVersion: 1 } } };
    await transactWrite({ db }, [change, event.item]);

    const message = await delivered(marker);
    expect(message['detail-type']).toBe('product.image-uploaded');
    expect(message.detail).toEqual(event.envelope);
  });

  it('writes no event when the transaction fails, while the next committed one arrives', async () => {
    const tableName = engines().tableName;
    const [lost, kept] = [uniqueId('lost'), uniqueId('kept')];
    const failing = [
      { ConditionCheck: { TableName: tableName, Key: keys.product(lost), ConditionExpression: 'attribute_exists(pk)' } },
      imageUploaded(tableName, lost).item,
    ];
    const error = await transactWrite({ db }, failing).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransactionCancelled);
    await transactWrite({ db }, [imageUploaded(tableName, kept).item]);

    // The stream is read in order and the bus delivers before PutEvents answers: had the lost event been written, it would be queued by now.
    await delivered(kept);
    await expect(delivered(lost, 2_000)).rejects.toThrow(/no matching message/);
  });
});

interface Invocation {
  sequenceNumbers: string[];
  response: DynamoDBBatchResponse;
}

/** A table of one test's own, with the wiring's table definition (and so its stream). */
async function ownTable(): Promise<string> {
  const name = uniqueId('outbox-table');
  await raw.send(new CreateTableCommand(tableDefinition(name)));
  onTestFinished(async () => void (await raw.send(new DeleteTableCommand({ TableName: name }))));
  return name;
}

/** A DLQ of one test's own. */
async function ownQueue(): Promise<string> {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: uniqueId('outbox-dlq') }));
  onTestFinished(async () => void (await sqs.send(new DeleteQueueCommand({ QueueUrl }))));
  return QueueUrl!;
}

/**
 * Runs the relay on `tableName`'s stream the way the local runtime does, recording each invocation.
 * `refuse` decides, per entry and attempt, whether EventBridge refuses it; the rest reach the test bus.
 */
async function relayOn(
  tableName: string,
  options: { checkpointFile: string; dlqUrl: string; spec?: Partial<StreamSpec>; refuse?: (productId: string, attempt: number) => boolean },
): Promise<{ pollers: StreamPollers; invocations: Invocation[] }> {
  const attempts = new Map<string, number>();
  const events = {
    send: async (command: PutEventsCommand) => {
      const entries = command.input.Entries ?? [];
      const refused = entries.map((entry) => {
        const productId = (JSON.parse(entry.Detail!) as Delivered['detail']).data.productId;
        const attempt = (attempts.get(productId) ?? 0) + 1;
        attempts.set(productId, attempt);
        return options.refuse?.(productId, attempt) ?? false;
      });
      const accepted = entries.filter((_, i) => !refused[i]);
      const sent = accepted.length > 0 ? ((await bus.send(new PutEventsCommand({ Entries: accepted }))).Entries ?? []) : [];
      const results: PutEventsResultEntry[] = refused.map((r) => (r ? { ErrorCode: 'InternalFailure', ErrorMessage: 'injected by the test' } : sent.shift()!));
      return { FailedEntryCount: results.filter((r) => r.ErrorCode).length, Entries: results };
    },
  } as unknown as EventBridgeClient;
  const relay = outboxRelay(() => ({ events, busName: engines().eventBusName }));
  const invocations: Invocation[] = [];
  const pollers = await startStreamPollers({
    streams: [{ ...relaySpec, ...options.spec }],
    tableName,
    endpoint: engines().endpoints.dynamodb,
    checkpointFile: options.checkpointFile,
    invoke: async (_fnId, event: DynamoDBStreamEvent) => {
      const response = await relay(event, lambdaContext());
      invocations.push({ sequenceNumbers: event.Records.map((r) => r.dynamodb!.SequenceNumber!), response });
      return response;
    },
    sqs,
    dlqUrl: () => options.dlqUrl,
    retryDelayMs: 50,
  });
  onTestFinished(() => pollers.stop());
  return { pollers, invocations };
}

interface Parked {
  requestContext: { condition: string };
  DDBStreamBatchInfo: Record<string, unknown>;
  record: { dynamodb: { Keys: unknown } };
}

/** Waits for the one message of a stream DLQ. */
async function parkedIn(dlqUrl: string): Promise<Parked> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl, WaitTimeSeconds: 1 }));
    if (Messages.length > 0) {
      expect(Messages).toHaveLength(1);
      return JSON.parse(Messages[0]!.Body!) as Parked;
    }
  }
  throw new Error('nothing arrived in the DLQ');
}

/** Commits one transaction holding an image-upload event per marker; their stream sequence numbers follow in this order. */
async function commitEvents(tableName: string, markers: string[]) {
  const events = markers.map((m) => imageUploaded(tableName, m));
  await transactWrite(
    { db },
    events.map((e) => e.item),
  );
  return events;
}

describe('the local stream poller and the relay, on a table of their own', () => {
  it('reports only the refused entry, retries from it, and delivers every event', async () => {
    const tableName = await ownTable();
    const markers = [uniqueId('a'), uniqueId('b'), uniqueId('c')];
    const { invocations } = await relayOn(tableName, {
      checkpointFile: join(dir, `${tableName}.json`),
      dlqUrl: await ownQueue(),
      refuse: (productId, attempt) => productId === markers[1] && attempt === 1,
    });
    await commitEvents(tableName, markers);
    for (const marker of markers) expect((await delivered(marker)).detail.data.productId).toBe(marker);

    const failures = invocations.flatMap((i) => i.response.batchItemFailures);
    expect(failures).toHaveLength(1);
    const refused = failures[0]!.itemIdentifier;
    const failedAt = invocations.findIndex((i) => i.response.batchItemFailures.length > 0);
    const relayed = invocations.flatMap((i) => i.sequenceNumbers);
    // The refused record is the second of the three; the retry starts from it, not from the batch's start.
    expect([...new Set(relayed)].indexOf(refused)).toBe(1);
    expect(invocations[failedAt]!.sequenceNumbers).toContain(refused);
    expect(invocations[failedAt + 1]!.sequenceNumbers[0]).toBe(refused);
  });

  it('sends a record that keeps failing to the DLQ once its retries are spent, and moves on to the next', async () => {
    const tableName = await ownTable();
    const dlqUrl = await ownQueue();
    const [poison, next] = [uniqueId('poison'), uniqueId('next')];
    const { invocations } = await relayOn(tableName, {
      checkpointFile: join(dir, `${tableName}.json`),
      dlqUrl,
      spec: { retryAttempts: 2 },
      refuse: (productId) => productId === poison,
    });
    await commitEvents(tableName, [poison]);
    const parked = await parkedIn(dlqUrl);
    const poisonSequence = invocations[0]!.sequenceNumbers[0];
    // The first attempt and two retries.
    expect(invocations.map((i) => i.sequenceNumbers)).toEqual([[poisonSequence], [poisonSequence], [poisonSequence]]);
    expect(parked.requestContext.condition).toBe('RetryAttemptsExhausted');
    expect(parked.DDBStreamBatchInfo).toMatchObject({ startSequenceNumber: poisonSequence, endSequenceNumber: poisonSequence, batchSize: 1 });
    expect(parked.record.dynamodb.Keys).toMatchObject({ pk: { S: expect.stringMatching(/^OUTBOX#/) } });

    await commitEvents(tableName, [next]);
    expect((await delivered(next)).detail.data.productId).toBe(next);
    expect(invocations.slice(3).flatMap((i) => i.sequenceNumbers)).not.toContain(poisonSequence);
  });

  it('resumes from its checkpoint after a restart: what was relayed is not relayed again, what was written meanwhile is', async () => {
    const tableName = await ownTable();
    const checkpointFile = join(dir, `${tableName}.json`);
    const dlqUrl = await ownQueue();
    const [before, during1, during2] = [uniqueId('before'), uniqueId('during'), uniqueId('during')];

    const first = await relayOn(tableName, { checkpointFile, dlqUrl });
    await commitEvents(tableName, [before]);
    await delivered(before);
    await first.pollers.stop();
    const relayedBefore = first.invocations.flatMap((i) => i.sequenceNumbers);

    const [e1, e2] = await commitEvents(tableName, [during1, during2]);
    // Nothing reads this stream now: the events wait in it.
    await expect(delivered(during1, 1_000)).rejects.toThrow(/no matching message/);

    const second = await relayOn(tableName, { checkpointFile, dlqUrl });
    expect((await delivered(during1)).detail).toEqual(e1!.envelope);
    expect((await delivered(during2)).detail).toEqual(e2!.envelope);
    const relayedAfter = second.invocations.flatMap((i) => i.sequenceNumbers);
    expect(relayedAfter).toHaveLength(2);
    expect(relayedAfter.filter((s) => relayedBefore.includes(s))).toEqual([]);
  });
});
