import { readFile, rm, writeFile } from 'node:fs/promises';
import { SendMessageBatchCommand, type MessageAttributeValue, type SQSClient } from '@aws-sdk/client-sqs';
import type { SqsEngine, StoredMessage } from './engines/sqs.js';

interface Snapshot {
  savedAt: string;
  queues: Record<string, Pick<StoredMessage, 'body' | 'messageAttributes'>[]>;
}

/**
 * Writes every message still in the given queues (ready, delayed or in flight) to `file`.
 * fauxqs lives in memory, so this is what keeps accepted work across a restart. Returns how many
 * messages were saved.
 */
export async function saveQueues(engine: SqsEngine, queueNames: readonly string[], file: string): Promise<number> {
  const snapshot: Snapshot = { savedAt: new Date().toISOString(), queues: {} };
  let count = 0;
  for (const name of queueNames) {
    const messages = engine.inspect(name)?.messages ?? [];
    if (!messages.length) continue;
    snapshot.queues[name] = messages.map(({ body, messageAttributes }) => ({ body, messageAttributes }));
    count += messages.length;
  }
  if (count) await writeFile(file, JSON.stringify(snapshot));
  else await rm(file, { force: true });
  return count;
}

/**
 * Sends the messages of a snapshot back to their queues, then deletes the snapshot. Receive
 * counts start again from zero: SQS offers no way to set them. Returns how many were restored.
 */
export async function restoreQueues(sqs: SQSClient, urlOf: (name: string) => string | undefined, file: string): Promise<number> {
  let snapshot: Snapshot;
  try {
    snapshot = JSON.parse(await readFile(file, 'utf8')) as Snapshot;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  let count = 0;
  for (const [name, messages] of Object.entries(snapshot.queues)) {
    const url = urlOf(name);
    if (!url) continue;
    for (let i = 0; i < messages.length; i += 10) {
      const batch = messages.slice(i, i + 10);
      const result = await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: url,
          Entries: batch.map((m, j) => ({
            Id: String(j),
            MessageBody: m.body,
            ...(Object.keys(m.messageAttributes).length ? { MessageAttributes: sdkAttributes(m.messageAttributes) } : {}),
          })),
        }),
      );
      if (result.Failed?.length) throw new Error(`could not restore ${result.Failed.length} message(s) to ${name}`);
      count += batch.length;
    }
  }
  await rm(file, { force: true });
  return count;
}

/** fauxqs keeps binary attribute values base64-encoded; the SDK wants bytes. */
function sdkAttributes(attributes: StoredMessage['messageAttributes']): Record<string, MessageAttributeValue> {
  return Object.fromEntries(
    Object.entries(attributes).map(([name, value]) => [
      name,
      {
        DataType: value.DataType,
        ...(value.StringValue === undefined ? {} : { StringValue: value.StringValue }),
        ...(value.BinaryValue === undefined ? {} : { BinaryValue: Buffer.from(value.BinaryValue, 'base64') }),
      },
    ]),
  );
}
