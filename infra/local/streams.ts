import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListStreamsCommand,
  TrimmedDataAccessException,
  type _Record,
  type AttributeValue,
  type Shard,
} from '@aws-sdk/client-dynamodb-streams';
import { CreateQueueCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { AttributeValue as LambdaAttributeValue, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { matchesFilter, streamFilterPattern } from '../../wiring/stream-filter.js';
import type { StreamSpec } from '../../wiring/index.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './engines/credentials.js';
import { dlqName } from './queues.js';

/** How often an idle consumer asks its shards for new records. */
const POLL_INTERVAL_MS = 150;
/** How often the stream's shard list is read again, to pick up shards that opened since. */
const DESCRIBE_INTERVAL_MS = 10_000;
/** The longest pause between two retries of a failing batch. */
const MAX_RETRY_DELAY_MS = 5_000;

export interface StreamPollerOptions {
  streams: readonly StreamSpec[];
  tableName: string;
  /** DynamoDB Local's endpoint, which serves its streams API too. */
  endpoint: string;
  /** Each consumer's position in each shard, kept across restarts (the data directory's `streams.json`). */
  checkpointFile: string;
  invoke: (fnId: string, event: DynamoDBStreamEvent) => Promise<unknown>;
  sqs: SQSClient;
  /** The URL of a stream's DLQ (see {@link createStreamDlqs}). */
  dlqUrl: (streamId: string) => string;
  pollIntervalMs?: number;
  /** The pause before the first retry of a failing batch; it doubles with each further one. */
  retryDelayMs?: number;
  log?: (line: string) => void;
}

export interface StreamPollers {
  /** Stops reading; a batch being handed over finishes first, and what it did not finish is read again at the next start. */
  stop(): Promise<void>;
}

interface ShardCheckpoint {
  /** The last record the consumer is done with. */
  sequenceNumber?: string;
  /** The shard was read to its end, so its children may be read. */
  closed?: boolean;
}

/** A consumer's checkpoints on one stream; a new stream (the table was recreated) starts over. */
interface ConsumerCheckpoint {
  streamArn: string;
  shards: Record<string, ShardCheckpoint>;
}

/** `batchItemFailures` tells Lambda which record a stream batch failed at; this is what the local runtime reads of it. */
export type BatchOutcome = { error: unknown } | { result: unknown };

/**
 * The index of the first record of a batch that failed, read the way Lambda reads a stream
 * consumer's answer with `ReportBatchItemFailures`: a thrown error fails the batch from its first
 * record, `batchItemFailures` from the earliest record it names (an unknown or empty identifier
 * fails the whole batch), anything else succeeds (-1).
 */
export function firstFailure(batch: readonly DynamoDBRecord[], outcome: BatchOutcome): number {
  if ('error' in outcome) return 0;
  const failures = (outcome.result as Partial<DynamoDBBatchResponse> | undefined)?.batchItemFailures;
  if (!Array.isArray(failures) || failures.length === 0) return -1;
  const indexes = failures.map((f) => (f?.itemIdentifier ? batch.findIndex((r) => r.dynamodb?.SequenceNumber === f.itemIdentifier) : -1));
  return indexes.includes(-1) ? 0 : Math.min(...indexes);
}

function lambdaAttribute(value: AttributeValue): LambdaAttributeValue {
  if (value.B !== undefined) return { B: Buffer.from(value.B).toString('base64') };
  if (value.BS !== undefined) return { BS: value.BS.map((b) => Buffer.from(b).toString('base64')) };
  if (value.L !== undefined) return { L: value.L.map(lambdaAttribute) };
  if (value.M !== undefined) return { M: lambdaImage(value.M) };
  return value as LambdaAttributeValue;
}

function lambdaImage(image: Record<string, AttributeValue>): Record<string, LambdaAttributeValue> {
  return Object.fromEntries(Object.entries(image).map(([name, value]) => [name, lambdaAttribute(value)]));
}

/** The record Lambda's DynamoDB event source mapping builds from a stream record: binary as base64, the creation time in epoch seconds. */
export function lambdaStreamRecord(record: _Record, streamArn: string): DynamoDBRecord {
  const d = record.dynamodb ?? {};
  return {
    eventID: record.eventID!,
    eventName: record.eventName!,
    eventVersion: record.eventVersion ?? '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: LOCAL_REGION,
    dynamodb: {
      ...(d.ApproximateCreationDateTime ? { ApproximateCreationDateTime: Math.floor(d.ApproximateCreationDateTime.getTime() / 1000) } : {}),
      Keys: lambdaImage(d.Keys ?? {}),
      ...(d.NewImage ? { NewImage: lambdaImage(d.NewImage) } : {}),
      ...(d.OldImage ? { OldImage: lambdaImage(d.OldImage) } : {}),
      SequenceNumber: d.SequenceNumber!,
      SizeBytes: d.SizeBytes ?? 0,
      StreamViewType: d.StreamViewType!,
    },
    ...(record.userIdentity ? { userIdentity: { type: record.userIdentity.Type, principalId: record.userIdentity.PrincipalId } } : {}),
    eventSourceARN: streamArn,
  };
}

/** Creates each stream's DLQ (`<stream id>-dlq`), as the CDK app names its on-failure destination; idempotent. */
export async function createStreamDlqs(sqs: SQSClient, streams: readonly StreamSpec[]): Promise<Record<string, string>> {
  const created = await Promise.all(
    streams.map(async (s) => [s.id, (await sqs.send(new CreateQueueCommand({ QueueName: dlqName(s.id) }))).QueueUrl!] as const),
  );
  return Object.fromEntries(created);
}

/** The checkpoint file: read once at start, written whole (through a rename, so a crash never leaves half a file) after each step. */
function checkpointStore(file: string) {
  let state: Record<string, ConsumerCheckpoint> = {};
  let writing: Promise<void> = Promise.resolve();
  return {
    async load(): Promise<void> {
      try {
        state = JSON.parse(await readFile(file, 'utf8')) as Record<string, ConsumerCheckpoint>;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT' && !(error instanceof SyntaxError)) throw error;
      }
    },
    of(consumerId: string, streamArn: string): ConsumerCheckpoint {
      const current = state[consumerId];
      if (current?.streamArn === streamArn) return current;
      return (state[consumerId] = { streamArn, shards: {} });
    },
    save(): Promise<void> {
      const snapshot = JSON.stringify(state, null, 2);
      writing = writing.then(async () => {
        await mkdir(dirname(file), { recursive: true });
        await writeFile(`${file}.tmp`, snapshot);
        await rename(`${file}.tmp`, file);
      });
      return writing;
    },
  };
}

/**
 * Lambda's DynamoDB event source mapping, locally: for each wiring stream, a loop that reads every
 * shard of the table's stream (a child shard only once its parent is read to the end), from the
 * checkpoint after the last record it finished, else from the oldest record (TRIM_HORIZON). It
 * keeps the records the stream's filter matches (the same pattern the CDK app installs), hands
 * them to the consumer in batches as a real `DynamoDBStreamEvent`, and honours its
 * `batchItemFailures`: the batch is retried from the first failed record, with a growing pause, up
 * to `retryAttempts` times (a thrown error first splits the batch when `bisectOnError` says so);
 * after that, or once the record is older than `maxRecordAgeSeconds`, the record goes to the
 * stream's DLQ and the shard moves on. The checkpoint is saved after each step.
 */
export async function startStreamPollers(options: StreamPollerOptions): Promise<StreamPollers> {
  const client = new DynamoDBStreamsClient({ endpoint: options.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  const log = options.log ?? (() => undefined);
  const abort = new AbortController();
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        abort.signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      abort.signal.addEventListener('abort', done);
    });
  const checkpoints = checkpointStore(options.checkpointFile);
  await checkpoints.load();

  const latestStreamArn = async (): Promise<string | undefined> => {
    const { Streams = [] } = await client.send(new ListStreamsCommand({ TableName: options.tableName }));
    return Streams.map((s) => s.StreamArn!).sort().at(-1);
  };

  const describeShards = async (streamArn: string): Promise<Shard[]> => {
    const shards: Shard[] = [];
    let start: string | undefined;
    do {
      const { StreamDescription } = await client.send(new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: start }));
      shards.push(...(StreamDescription?.Shards ?? []));
      start = StreamDescription?.LastEvaluatedShardId;
    } while (start);
    return shards;
  };

  const consume = async (spec: StreamSpec) => {
    const pattern = streamFilterPattern(spec.filter);
    const iterators = new Map<string, string>();
    let streamArn: string | undefined;
    let shards: Shard[] = [];
    let describedAt = 0;
    let reportedMissing = false;

    const iteratorFor = async (arn: string, shardId: string, checkpoint: ConsumerCheckpoint): Promise<string> => {
      const known = iterators.get(shardId);
      if (known) return known;
      const after = checkpoint.shards[shardId]?.sequenceNumber;
      const { ShardIterator } = await client.send(
        new GetShardIteratorCommand({
          StreamArn: arn,
          ShardId: shardId,
          ...(after ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: after } : { ShardIteratorType: 'TRIM_HORIZON' }),
        }),
      );
      return ShardIterator!;
    };

    const finish = async (checkpoint: ConsumerCheckpoint, shardId: string, sequenceNumber: string) => {
      checkpoint.shards[shardId] = { ...checkpoint.shards[shardId], sequenceNumber };
      await checkpoints.save();
    };

    const sendToDlq = async (arn: string, shardId: string, record: DynamoDBRecord, condition: string) => {
      const arrived = new Date((record.dynamodb?.ApproximateCreationDateTime ?? 0) * 1000).toISOString();
      // Lambda's on-failure record names the batch's place in the stream; locally the record rides along for inspection.
      const body = {
        requestContext: { condition, functionName: spec.consumer },
        timestamp: new Date().toISOString(),
        DDBStreamBatchInfo: {
          shardId,
          startSequenceNumber: record.dynamodb?.SequenceNumber,
          endSequenceNumber: record.dynamodb?.SequenceNumber,
          approximateArrivalOfFirstRecord: arrived,
          approximateArrivalOfLastRecord: arrived,
          batchSize: 1,
          streamArn: arn,
        },
        record,
      };
      await options.sqs.send(new SendMessageCommand({ QueueUrl: options.dlqUrl(spec.id), MessageBody: JSON.stringify(body) }));
      log(`stream ${spec.id}: record ${record.dynamodb?.SequenceNumber} sent to ${dlqName(spec.id)} (${condition})`);
    };

    /** Hands a shard's new records to the consumer; false when stopped part-way, so they are read again. */
    const deliver = async (arn: string, shardId: string, checkpoint: ConsumerCheckpoint, records: DynamoDBRecord[]): Promise<boolean> => {
      let pending = records.filter((r) => matchesFilter(pattern, r));
      let limit = spec.batchSize;
      let failures = 0;
      while (pending.length > 0) {
        if (abort.signal.aborted) return false;
        const batch = pending.slice(0, limit);
        let outcome: BatchOutcome;
        try {
          outcome = { result: await options.invoke(spec.consumer, { Records: batch }) };
        } catch (error) {
          // The invoker reports the invocation; the poller decides what becomes of the records.
          outcome = { error };
        }
        const failedAt = firstFailure(batch, outcome);
        if (failedAt === -1) {
          await finish(checkpoint, shardId, batch.at(-1)!.dynamodb!.SequenceNumber!);
          pending = pending.slice(batch.length);
          limit = spec.batchSize;
          failures = 0;
          continue;
        }
        if ('error' in outcome && spec.bisectOnError && batch.length > 1) {
          // Lambda does not count a split against the retries: it narrows down the record that breaks the batch.
          limit = Math.ceil(batch.length / 2);
          continue;
        }
        if (failedAt > 0) {
          await finish(checkpoint, shardId, batch[failedAt - 1]!.dynamodb!.SequenceNumber!);
          pending = pending.slice(failedAt);
          failures = 0;
        }
        failures += 1;
        const head = pending[0]!;
        const ageSeconds = Date.now() / 1000 - (head.dynamodb?.ApproximateCreationDateTime ?? Date.now() / 1000);
        const condition = failures > spec.retryAttempts ? 'RetryAttemptsExhausted' : ageSeconds > spec.maxRecordAgeSeconds ? 'RecordAgeExceeded' : undefined;
        if (condition) {
          await sendToDlq(arn, shardId, head, condition);
          await finish(checkpoint, shardId, head.dynamodb!.SequenceNumber!);
          pending = pending.slice(1);
          limit = spec.batchSize;
          failures = 0;
          continue;
        }
        await pause(Math.min((options.retryDelayMs ?? 200) * 2 ** (failures - 1), MAX_RETRY_DELAY_MS));
      }
      return true;
    };

    /** Reads one shard once; how many records it returned. */
    const readShard = async (arn: string, shardId: string, checkpoint: ConsumerCheckpoint): Promise<number> => {
      let result;
      try {
        result = await client.send(new GetRecordsCommand({ ShardIterator: await iteratorFor(arn, shardId, checkpoint), Limit: Math.min(spec.batchSize, 1000) }));
      } catch (error) {
        iterators.delete(shardId);
        if (error instanceof ExpiredIteratorException) return 0;
        if (error instanceof TrimmedDataAccessException) {
          log(`stream ${spec.id}: records after the checkpoint in ${shardId} were trimmed; reading from the oldest one left`);
          delete checkpoint.shards[shardId];
          return 0;
        }
        throw error;
      }
      const records = (result.Records ?? []).map((r) => lambdaStreamRecord(r, arn));
      if (records.length > 0) {
        if (!(await deliver(arn, shardId, checkpoint, records))) {
          iterators.delete(shardId);
          return records.length;
        }
        await finish(checkpoint, shardId, records.at(-1)!.dynamodb!.SequenceNumber!);
      }
      if (result.NextShardIterator) {
        iterators.set(shardId, result.NextShardIterator);
      } else {
        iterators.delete(shardId);
        checkpoint.shards[shardId] = { ...checkpoint.shards[shardId], closed: true };
        await checkpoints.save();
        describedAt = 0;
      }
      return records.length;
    };

    while (!abort.signal.aborted) {
      try {
        streamArn ??= await latestStreamArn();
        if (!streamArn) {
          if (!reportedMissing) log(`stream ${spec.id}: table ${options.tableName} has no stream yet; waiting for one`);
          reportedMissing = true;
          await pause(1000);
          continue;
        }
        const checkpoint = checkpoints.of(spec.id, streamArn);
        if (Date.now() - describedAt > DESCRIBE_INTERVAL_MS) {
          shards = await describeShards(streamArn);
          describedAt = Date.now();
        }
        const known = new Set(shards.map((s) => s.ShardId));
        const open = shards.filter((s) => {
          const parent = s.ParentShardId;
          const parentDone = !parent || !known.has(parent) || checkpoint.shards[parent]?.closed;
          return !checkpoint.shards[s.ShardId!]?.closed && parentDone;
        });
        let read = 0;
        for (const shard of open) {
          if (abort.signal.aborted) break;
          read += await readShard(streamArn, shard.ShardId!, checkpoint);
        }
        if (read === 0) await pause(options.pollIntervalMs ?? POLL_INTERVAL_MS);
      } catch (error) {
        if (abort.signal.aborted) break;
        log(`stream ${spec.id}: ${(error as Error).message}; trying again`);
        iterators.clear();
        describedAt = 0;
        await pause(1000);
      }
    }
  };

  const loops = options.streams.map(consume);
  return {
    stop: async () => {
      abort.abort();
      await Promise.all(loops);
      await checkpoints.save();
      client.destroy();
    },
  };
}
