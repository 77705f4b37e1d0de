import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildApp } from 'fauxqs';

export interface StoredMessage {
  messageId: string;
  body: string;
  messageAttributes: Record<string, { DataType: string; StringValue?: string; BinaryValue?: string }>;
  approximateReceiveCount: number;
}

export interface QueueContents {
  name: string;
  url: string;
  arn: string;
  /** Ready, delayed and in-flight messages alike: everything not yet deleted. */
  messages: StoredMessage[];
}

export interface SqsEngine {
  endpoint: string;
  port: number;
  /** Non-destructive look at a queue; `undefined` when it does not exist. */
  inspect(name: string): QueueContents | undefined;
  stop(): Promise<void>;
}

interface FauxqsSqsStore {
  host: string;
  /** Answers pending long polls so that the server can close at once. */
  shutdown(): void;
  inspectQueue(name: string):
    | {
        name: string;
        url: string;
        arn: string;
        messages: { ready: StoredMessage[]; delayed: StoredMessage[]; inflight: { message: StoredMessage }[] };
      }
    | undefined;
}

type StoreClass<T> = new () => T;
type FauxqsStores = NonNullable<NonNullable<Parameters<typeof buildApp>[0]>['stores']>;

/**
 * fauxqs builds queue URLs as `http://sqs.<region>.localhost:<port>/...`, and the SQS client sends
 * each call to its QueueUrl's host, which plain `getaddrinfo` cannot resolve. With an empty store
 * host it uses the request's own host instead, so queues created through the SDK at
 * `http://127.0.0.1:<port>` get URLs on that same endpoint and no DNS patching is needed. The
 * stores are not part of the package's public exports, hence the file URLs; the version is pinned.
 */
async function loadStores() {
  const searchPaths = createRequire(import.meta.url).resolve.paths('fauxqs') ?? [];
  const dist = searchPaths.map((dir) => join(dir, 'fauxqs', 'dist')).find((dir) => existsSync(join(dir, 'app.js')));
  if (!dist) throw new Error('fauxqs is not installed: run npm ci');
  const load = async <T>(file: string, name: string) =>
    ((await import(pathToFileURL(join(dist, file)).href)) as Record<string, StoreClass<T>>)[name]!;
  const SqsStore = await load<FauxqsSqsStore>('sqs/sqsStore.js', 'SqsStore');
  const SnsStore = await load<object>('sns/snsStore.js', 'SnsStore');
  const S3Store = await load<object>('s3/s3Store.js', 'S3Store');
  return { sqsStore: new SqsStore(), snsStore: new SnsStore(), s3Store: new S3Store() };
}

/** Starts fauxqs (SQS in memory) on `port`, or a free port when 0 or absent. */
export async function startSqs(options: { port?: number } = {}): Promise<SqsEngine> {
  const stores = await loadStores();
  stores.sqsStore.host = '';
  const app = buildApp({ logger: false, stores: stores as unknown as FauxqsStores });
  await app.listen({ port: options.port ?? 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    inspect: (name) => {
      const queue = stores.sqsStore.inspectQueue(name);
      if (!queue) return undefined;
      const { ready, delayed, inflight } = queue.messages;
      return {
        name: queue.name,
        url: queue.url,
        arn: queue.arn,
        messages: [...inflight.map((entry) => entry.message), ...ready, ...delayed],
      };
    },
    stop: async () => {
      stores.sqsStore.shutdown();
      await app.close();
    },
  };
}
