import type { GatewayResponse } from '../gateway/problems.js';
import type { LocalRoute } from '../gateway/server.js';
import { startCountingProxy, type CountingProxy, type Exchange } from './counting-proxy.js';
import { UsageMeter } from './usage-meter.js';

/** Where `GET` answers the platform's usage so far and `DELETE` starts it again from zero. */
export const USAGE_PATH = '/local/usage';

/** Whether the environment asks for metering: `SMARTSHELF_METERING=1`. */
export function meteringRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.SMARTSHELF_METERING === '1' || env.SMARTSHELF_METERING === 'true';
}

/** Operations that take `ReturnConsumedCapacity`, and whether each reads or writes. */
const CAPACITY_OPERATIONS: Record<string, 'read' | 'write'> = {
  GetItem: 'read',
  BatchGetItem: 'read',
  Query: 'read',
  Scan: 'read',
  TransactGetItems: 'read',
  PutItem: 'write',
  UpdateItem: 'write',
  DeleteItem: 'write',
  BatchWriteItem: 'write',
  TransactWriteItems: 'write',
};

const DYNAMODB_TARGET = 'DynamoDB_20120810.';

function json(body: Buffer): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function target(exchange: { headers: Exchange['headers'] }): string {
  const value = exchange.headers['x-amz-target'];
  return typeof value === 'string' ? value : '';
}

/** Asks DynamoDB for the capacity each reading or writing call consumed, unless the caller asked already. */
export function askForCapacity(request: { headers: Exchange['headers']; body: Buffer }): Buffer | undefined {
  const name = target(request);
  if (!name.startsWith(DYNAMODB_TARGET) || !(name.slice(DYNAMODB_TARGET.length) in CAPACITY_OPERATIONS)) return undefined;
  const input = json(request.body);
  if (!input || (input.ReturnConsumedCapacity !== undefined && input.ReturnConsumedCapacity !== 'NONE')) return undefined;
  return Buffer.from(JSON.stringify({ ...input, ReturnConsumedCapacity: 'TOTAL' }));
}

interface Capacity {
  CapacityUnits?: number;
  ReadCapacityUnits?: number;
  WriteCapacityUnits?: number;
}

/** Items a write names: what a refused write is still charged for on AWS. */
function writeItems(operation: string, input: Record<string, unknown> | undefined): number {
  if (operation === 'TransactWriteItems') return Array.isArray(input?.TransactItems) ? input.TransactItems.length : 0;
  if (operation === 'BatchWriteItem') return Object.values((input?.RequestItems ?? {}) as Record<string, unknown[]>).reduce((n, list) => n + list.length, 0);
  return CAPACITY_OPERATIONS[operation] === 'write' ? 1 : 0;
}

/** Transactions AWS bills at twice the units of the same reads and writes; DynamoDB Local reports them at the plain rate. */
const TRANSACTIONS = new Set(['TransactGetItems', 'TransactWriteItems']);

/**
 * Records one DynamoDB exchange: the capacity the engine reported, split into reads and writes, a transaction's doubled
 * as AWS bills it (DynamoDB Local reports a two-item transaction of small items as 2 units; AWS as 4).
 */
export function recordDynamoExchange(meter: UsageMeter, exchange: Exchange): void {
  const name = target(exchange);
  if (!name.startsWith(DYNAMODB_TARGET)) return;
  const operation = name.slice(DYNAMODB_TARGET.length);
  const kind = CAPACITY_OPERATIONS[operation];
  const output = json(exchange.responseBody);
  if (exchange.status >= 400) {
    const type = String(output?.__type ?? '');
    const refused = /ConditionalCheckFailed|TransactionCanceled/.test(type);
    meter.recordDynamo(operation, { read: 0, write: 0 }, refused ? { writeItems: writeItems(operation, json(exchange.requestBody)) } : undefined);
    return;
  }
  const consumed = output?.ConsumedCapacity as Capacity | Capacity[] | undefined;
  const entries = consumed === undefined ? [] : Array.isArray(consumed) ? consumed : [consumed];
  let read = 0;
  let write = 0;
  for (const entry of entries) {
    if (entry.ReadCapacityUnits !== undefined || entry.WriteCapacityUnits !== undefined) {
      read += entry.ReadCapacityUnits ?? 0;
      write += entry.WriteCapacityUnits ?? 0;
    } else if (kind === 'write') write += entry.CapacityUnits ?? 0;
    else read += entry.CapacityUnits ?? 0;
  }
  const factor = TRANSACTIONS.has(operation) ? 2 : 1;
  meter.recordDynamo(operation, { read: read * factor, write: write * factor });
}

/** The SQS action of a request in the JSON protocol (`X-Amz-Target: AmazonSQS.SendMessage`) or the query protocol (`Action=`). */
function sqsAction(exchange: Exchange): string {
  const name = target(exchange);
  if (name.startsWith('AmazonSQS.')) return name.slice('AmazonSQS.'.length);
  return new URLSearchParams(exchange.requestBody.toString('utf8')).get('Action') ?? new URL(exchange.url, 'http://local').searchParams.get('Action') ?? 'Unknown';
}

/** Records one SQS exchange: its payload in 64 KB chunks (a batch's sum), a receive that found nothing apart. */
export function recordSqsExchange(meter: UsageMeter, exchange: Exchange): void {
  const action = sqsAction(exchange);
  let empty = false;
  if (action === 'ReceiveMessage' && exchange.status < 400) {
    const output = json(exchange.responseBody);
    empty = output ? !Array.isArray(output.Messages) || output.Messages.length === 0 : !exchange.responseBody.includes('<Message>');
  }
  meter.recordSqs(action, Math.max(exchange.requestBody.length, exchange.responseBody.length), empty);
}

interface PutEventsEntry {
  Source?: string;
  DetailType?: string;
  Detail?: string;
  Resources?: string[];
  Time?: unknown;
}

/** An entry's size as EventBridge computes it for billing: time (14 bytes), source, detail type, detail and resources. */
export function putEventsEntrySize(entry: PutEventsEntry): number {
  const bytes = (text: string | undefined) => Buffer.byteLength(text ?? '', 'utf8');
  return (entry.Time === undefined ? 0 : 14) + bytes(entry.Source) + bytes(entry.DetailType) + bytes(entry.Detail) + (entry.Resources ?? []).reduce((n, r) => n + bytes(r), 0);
}

/** Records one EventBridge exchange: each PutEvents entry, by size. */
export function recordEventsExchange(meter: UsageMeter, exchange: Exchange): void {
  if (target(exchange) !== 'AWSEvents.PutEvents' || exchange.status >= 400) return;
  const entries = (json(exchange.requestBody)?.Entries ?? []) as PutEventsEntry[];
  meter.recordPutEvents(entries.map(putEventsEntrySize));
}

/** S3's price tier of a request: writes and listings tier 1, reads tier 2, deletes free. */
export function s3Tier(method: string, url: string): 1 | 2 | 'free' {
  const path = new URL(url, 'http://local').pathname.split('/').filter(Boolean);
  switch (method.toUpperCase()) {
    case 'PUT':
    case 'POST':
    case 'COPY':
      return 1;
    case 'GET':
      return path.length <= 1 ? 1 : 2;
    case 'DELETE':
      return 'free';
    default:
      return 2;
  }
}

export interface Metering {
  meter: UsageMeter;
  /** The proxies' endpoints: what functions and the runtime's own AWS clients are given. */
  endpoints: { dynamodb: string; sqs: string; s3: string };
  /** The engines' own endpoints, for reads that must not count (the runtime's bookkeeping, a cost script's waiting). */
  engines: { dynamodb: string; sqs: string; s3: string };
  /** Puts a counting proxy in front of the local event bus and returns its endpoint. */
  proxyEvents(endpoint: string): Promise<string>;
  /** `GET /local/usage` (the totals) and `DELETE /local/usage` (back to zero). */
  routes: LocalRoute[];
  stop(): Promise<void>;
}

/**
 * Counting proxies in front of DynamoDB Local, fauxqs and s3rver (and, once it runs, the event bus), and the meter they
 * feed. The platform starts this only when asked, so an ordinary run has no proxy in any path.
 */
export async function startMetering(engines: { dynamodb: string; sqs: string; s3: string }): Promise<Metering> {
  const meter = new UsageMeter();
  const proxies: CountingProxy[] = [];
  const proxy = async (target: string, observe: (exchange: Exchange) => void, rewrite?: typeof askForCapacity) => {
    const started = await startCountingProxy({ target, observe, ...(rewrite ? { rewrite } : {}) });
    proxies.push(started);
    return started.endpoint;
  };
  try {
    const [dynamodb, sqs, s3] = await Promise.all([
      proxy(engines.dynamodb, (e) => recordDynamoExchange(meter, e), askForCapacity),
      proxy(engines.sqs, (e) => recordSqsExchange(meter, e)),
      proxy(engines.s3, (e) => meter.recordS3(s3Tier(e.method, e.url))),
    ]);
    const reply = (status: number, body?: unknown): GatewayResponse => ({
      status,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? '' : JSON.stringify(body),
    });
    return {
      meter,
      endpoints: { dynamodb, sqs, s3 },
      engines,
      proxyEvents: (endpoint) => proxy(endpoint, (e) => recordEventsExchange(meter, e)),
      routes: [
        { method: 'GET', path: USAGE_PATH, handle: async () => reply(200, meter.snapshot()) },
        {
          method: 'DELETE',
          path: USAGE_PATH,
          handle: async () => {
            meter.reset();
            return reply(204);
          },
        },
      ],
      stop: async () => {
        await Promise.all(proxies.map((p) => p.close()));
      },
    };
  } catch (error) {
    await Promise.all(proxies.map((p) => p.close()));
    throw error;
  }
}
