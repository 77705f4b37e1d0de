import { randomUUID } from 'node:crypto';
import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ResourceInUseException,
  ResourceNotFoundException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { keys, TABLE_KEYS, TTL_ATTRIBUTE } from '../keys.js';
import { globalSecondaryIndexes, keyAttributeDefinitions, tableDefinition } from '../table-definition.js';
import { migrations as registered } from './index.js';
import type { Migration } from './types.js';

export interface MigrateOptions {
  tableName: string;
  /** Where progress lines go: the CLI prints them, tests drop them. */
  log: (line: string) => void;
  /** Create the table when it does not exist. Off against AWS, where CloudFormation owns it. */
  createTable?: boolean;
  /**
   * Add the indexes `shared/db/keys.ts` names that the table lacks (the default). Off against AWS, where the stack
   * adds them: the pipeline migrates before it deploys, and an index added outside CloudFormation would fail the
   * deploy that adds it.
   */
  addIndexes?: boolean;
  /** Defaults to every registered migration; tests pass fixtures. */
  migrations?: readonly Migration[];
  client?: DynamoDBClient;
  /** How long a claim on a running migration holds before another run may take it over. */
  leaseSeconds?: number;
}

export interface MigrateResult {
  tableCreated: boolean;
  indexesAdded: string[];
  ttlEnabled: boolean;
  applied: string[];
  alreadyApplied: string[];
}

const POLL_MS = 250;

/**
 * Brings a table up to date: creates it (when allowed) or adds missing GSIs, turns on TTL, then
 * applies each pending data migration in version order. Every applied migration is recorded as a
 * `MIGRATION` item, claimed first with a conditional put, so concurrent runs never both apply one;
 * a run that finds a migration claimed by another waits for it before going on. Safe to repeat.
 */
export async function migrate(options: MigrateOptions): Promise<MigrateResult> {
  const { log } = options;
  const client = options.client ?? new DynamoDBClient({});
  const db = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const { tableName } = options;
  try {
    const { created, description } = await ensureTable(client, tableName, options.createTable ?? true, log);
    const indexesAdded = created || options.addIndexes === false ? [] : await ensureIndexes(client, tableName, description, log);
    const ttlEnabled = await ensureTtl(client, tableName, log);
    const result: MigrateResult = { tableCreated: created, indexesAdded, ttlEnabled, applied: [], alreadyApplied: [] };
    const ordered = [...(options.migrations ?? registered)].sort((a, b) => a.version.localeCompare(b.version));
    const leaseMs = (options.leaseSeconds ?? 900) * 1000;
    for (const migration of ordered) {
      const ran = await applyOnce(db, tableName, migration, leaseMs, log);
      (ran ? result.applied : result.alreadyApplied).push(migration.version);
    }
    log(
      result.applied.length
        ? `migrations applied: ${result.applied.join(', ')}`
        : `migrations: all ${result.alreadyApplied.length} already applied`,
    );
    return result;
  } finally {
    if (!options.client) client.destroy();
  }
}

async function describe(client: DynamoDBClient, tableName: string): Promise<TableDescription | undefined> {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}

/** Backfilling an index on a large table can take AWS a long while; locally it is a second. */
const WAIT_LIMIT_MS = 60 * 60 * 1000;

async function waitUntil(
  client: DynamoDBClient,
  tableName: string,
  what: string,
  ready: (t: TableDescription) => boolean,
): Promise<TableDescription> {
  const deadline = Date.now() + WAIT_LIMIT_MS;
  for (;;) {
    const table = await describe(client, tableName);
    if (table && ready(table)) return table;
    if (Date.now() > deadline) {
      const state = JSON.stringify({ table: table?.TableStatus, indexes: table?.GlobalSecondaryIndexes?.map((i) => [i.IndexName, i.IndexStatus]) });
      throw new Error(`${tableName}: ${what} did not happen within ${WAIT_LIMIT_MS / 60_000} minutes (${state})`);
    }
    await sleep(POLL_MS);
  }
}

async function ensureTable(client: DynamoDBClient, tableName: string, mayCreate: boolean, log: (l: string) => void) {
  const existing = await describe(client, tableName);
  if (existing) return { created: false, description: existing };
  if (!mayCreate) throw new Error(`table ${tableName} does not exist: deploy the stack first`);
  let created = true;
  try {
    await client.send(new CreateTableCommand(tableDefinition(tableName)));
    log(`created table ${tableName}`);
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
    created = false;
  }
  const description = await waitUntil(client, tableName, 'table becoming ACTIVE', (t) => t.TableStatus === 'ACTIVE');
  return { created, description };
}

async function ensureIndexes(client: DynamoDBClient, tableName: string, table: TableDescription, log: (l: string) => void) {
  const present = new Set((table.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName));
  const added: string[] = [];
  for (const index of globalSecondaryIndexes()) {
    if (present.has(index.IndexName)) continue;
    // DynamoDB takes one index creation per UpdateTable call.
    await client.send(
      new UpdateTableCommand({
        TableName: tableName,
        AttributeDefinitions: keyAttributeDefinitions().filter((a) =>
          index.KeySchema!.some((k) => k.AttributeName === a.AttributeName),
        ),
        GlobalSecondaryIndexUpdates: [{ Create: index }],
      }),
    );
    await waitUntil(client, tableName, `index ${index.IndexName!} becoming ACTIVE`, (t) =>
      (t.GlobalSecondaryIndexes ?? []).some((i) => i.IndexName === index.IndexName && i.IndexStatus === 'ACTIVE'),
    );
    log(`added index ${index.IndexName!} to ${tableName}`);
    added.push(index.IndexName!);
  }
  return added;
}

async function ensureTtl(client: DynamoDBClient, tableName: string, log: (l: string) => void): Promise<boolean> {
  const current = (await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }))).TimeToLiveDescription;
  if (current?.TimeToLiveStatus === 'ENABLED' || current?.TimeToLiveStatus === 'ENABLING') {
    if (current.AttributeName !== TTL_ATTRIBUTE) {
      throw new Error(`table ${tableName} expires items by ${current.AttributeName}, not ${TTL_ATTRIBUTE}`);
    }
    return false;
  }
  await client.send(
    new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true } }),
  );
  log(`enabled TTL on ${tableName}.${TTL_ATTRIBUTE}`);
  return true;
}

interface MigrationRecord {
  status?: string;
  runId?: string;
}

/** Applies one migration unless it is recorded; returns whether this run applied it. */
async function applyOnce(
  db: DynamoDBDocumentClient,
  tableName: string,
  migration: Migration,
  leaseMs: number,
  log: (l: string) => void,
): Promise<boolean> {
  const key = keys.migration(migration.version);
  const runId = randomUUID();
  let waiting = false;
  for (;;) {
    const now = Date.now();
    try {
      await db.send(
        new PutCommand({
          TableName: tableName,
          Item: {
            ...key,
            entityType: 'Migration',
            schemaVersion: 1,
            version: migration.version,
            description: migration.description,
            status: 'running',
            runId,
            startedAt: new Date(now).toISOString(),
            leaseUntil: now + leaseMs,
          },
          ConditionExpression: 'attribute_not_exists(#pk) OR (#status = :running AND leaseUntil < :now)',
          ExpressionAttributeNames: { '#pk': TABLE_KEYS.partition, '#status': 'status' },
          ExpressionAttributeValues: { ':running': 'running', ':now': now },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const seen = (await db.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }))).Item as MigrationRecord | undefined;
      if (seen?.status === 'applied') return false;
      if (!waiting) log(`waiting for another run that is applying ${migration.version}`);
      waiting = true;
      await sleep(POLL_MS);
      continue;
    }
    log(`applying ${migration.version}: ${migration.description}`);
    try {
      await migration.run({ db, tableName, log: (line) => log(`  ${migration.version}: ${line}`) });
    } catch (error) {
      await db
        .send(
          new DeleteCommand({
            TableName: tableName,
            Key: key,
            ConditionExpression: 'runId = :runId',
            ExpressionAttributeValues: { ':runId': runId },
          }),
        )
        .catch(() => undefined);
      throw new Error(`migration ${migration.version} failed: ${(error as Error).message}`, { cause: error });
    }
    await db.send(
      new UpdateCommand({
        TableName: tableName,
        Key: key,
        UpdateExpression: 'SET #status = :applied, appliedAt = :at REMOVE leaseUntil',
        ConditionExpression: 'runId = :runId',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':applied': 'applied', ':at': new Date().toISOString(), ':runId': runId },
      }),
    );
    return true;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
