import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { localDynamoClient, startDynamoDb } from '../../../infra/local/engines/dynamodb.js';
import { keys, type Key } from '../../../shared/db/keys.js';
import { migrate } from '../../../shared/db/migrations/migrate.js';
import { stampSchemaVersion } from '../../../shared/db/migrations/0001-stamp-schema-version.js';
import { splitIntegrationRole } from '../../../shared/db/migrations/0002-split-integration-role.js';
import { substitutionPreferences } from '../../../shared/db/migrations/0003-substitution-preferences.js';
import { storeAreas } from '../../../shared/db/migrations/0004-store-areas.js';
import type { Migration } from '../../../shared/db/migrations/types.js';
import { storeFromItem } from '../../../shared/stores/repository.js';
import { SAMPLE_STORES } from '../../../shared/stores/seed.js';
import { tableDefinition } from '../../../shared/db/table-definition.js';
import { engines, uniqueId } from '../../support/engines.js';

const client: DynamoDBClient = localDynamoClient(engines().endpoints.dynamodb);
const db = DynamoDBDocumentClient.from(client);
const quiet = () => undefined;

afterAll(() => client.destroy());

function freshTable(): string {
  return uniqueId('migrate');
}

function counting(version: string, counter: { runs: number }, delayMs = 0): Migration {
  return {
    version,
    description: `fixture ${version}`,
    run: async () => {
      counter.runs++;
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    },
  };
}

describe('migrate', () => {
  it('creates the table from the shared definition with TTL on expiresAt', async () => {
    const tableName = freshTable();
    const result = await migrate({ tableName, client, log: quiet, migrations: [] });
    expect(result.tableCreated).toBe(true);
    expect(result.ttlEnabled).toBe(true);

    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const expected = tableDefinition(tableName);
    expect(Table?.KeySchema).toEqual(expected.KeySchema);
    expect(Table?.GlobalSecondaryIndexes?.map((i) => [i.IndexName, i.KeySchema, i.Projection?.ProjectionType])).toEqual(
      expected.GlobalSecondaryIndexes?.map((i) => [i.IndexName, i.KeySchema, 'ALL']),
    );
    expect(Table?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' });
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
    expect(ttl.TimeToLiveDescription).toMatchObject({ TimeToLiveStatus: 'ENABLED', AttributeName: 'expiresAt' });
  });

  it('is idempotent: a second run changes nothing and applies nothing', async () => {
    const tableName = freshTable();
    const counter = { runs: 0 };
    const fixture = [counting('0001-fixture', counter)];
    const first = await migrate({ tableName, client, log: quiet, migrations: fixture });
    const second = await migrate({ tableName, client, log: quiet, migrations: fixture });
    expect(first.applied).toEqual(['0001-fixture']);
    expect(second).toEqual({ tableCreated: false, indexesAdded: [], ttlEnabled: false, applied: [], alreadyApplied: ['0001-fixture'] });
    expect(counter.runs).toBe(1);
  });

  it('applies migrations in version order and records each as a Migration item', async () => {
    const tableName = freshTable();
    const order: string[] = [];
    const record = (version: string): Migration => ({ version, description: version, run: async () => void order.push(version) });
    await migrate({ tableName, client, log: quiet, migrations: [record('0002-b'), record('0001-a')] });
    expect(order).toEqual(['0001-a', '0002-b']);
    const { Item } = await db.send(new GetCommand({ TableName: tableName, Key: keys.migration('0002-b') }));
    expect(Item).toMatchObject({ pk: 'MIGRATION', sk: '0002-b', entityType: 'Migration', schemaVersion: 1, status: 'applied' });
  });

  it('never applies a migration twice when two runs race', async () => {
    const tableName = freshTable();
    await migrate({ tableName, client, log: quiet, migrations: [] });
    const counter = { runs: 0 };
    const fixture = [counting('0001-slow', counter, 300)];
    const results = await Promise.all([
      migrate({ tableName, client, log: quiet, migrations: fixture }),
      migrate({ tableName, client, log: quiet, migrations: fixture }),
      migrate({ tableName, client, log: quiet, migrations: fixture }),
    ]);
    expect(counter.runs).toBe(1);
    expect(results.flatMap((r) => r.applied)).toEqual(['0001-slow']);
    expect(results.flatMap((r) => r.alreadyApplied)).toEqual(['0001-slow', '0001-slow']);
  });

  it('leaves no record when a migration fails, so the next run retries it', async () => {
    const tableName = freshTable();
    let attempts = 0;
    const flaky: Migration = {
      version: '0001-flaky',
      description: 'fails once',
      run: async () => {
        attempts++;
        if (attempts === 1) throw new Error('boom');
      },
    };
    await expect(migrate({ tableName, client, log: quiet, migrations: [flaky] })).rejects.toThrow('migration 0001-flaky failed: boom');
    const { Item } = await db.send(new GetCommand({ TableName: tableName, Key: keys.migration('0001-flaky') }));
    expect(Item).toBeUndefined();
    const retry = await migrate({ tableName, client, log: quiet, migrations: [flaky] });
    expect(retry.applied).toEqual(['0001-flaky']);
    expect(attempts).toBe(2);
  });

  it('takes over a claim whose lease has run out', async () => {
    const tableName = freshTable();
    await migrate({ tableName, client, log: quiet, migrations: [] });
    await db.send(
      new PutCommand({
        TableName: tableName,
        Item: { ...keys.migration('0001-orphan'), entityType: 'Migration', schemaVersion: 1, status: 'running', runId: 'crashed', leaseUntil: Date.now() - 1 },
      }),
    );
    const counter = { runs: 0 };
    const result = await migrate({ tableName, client, log: quiet, migrations: [counting('0001-orphan', counter)] });
    expect(result.applied).toEqual(['0001-orphan']);
    expect(counter.runs).toBe(1);
  });

  it('moves API clients off the catch-all integration role, once, and leaves other clients their roles', async () => {
    const tableName = freshTable();
    await migrate({ tableName, client, log: quiet, migrations: [] });
    const put = (hash: string, roles: string[]) =>
      db.send(new PutCommand({ TableName: tableName, Item: { ...keys.apiClient(hash), entityType: 'ApiClient', schemaVersion: 1, name: hash, roles, status: 'active' } }));
    await put('legacy', ['integration']);
    await put('admin', ['admin']);
    const result = await migrate({ tableName, client, log: quiet, migrations: [splitIntegrationRole] });
    expect(result.applied).toEqual(['0002-split-integration-role']);
    const read = async (hash: string) => (await db.send(new GetCommand({ TableName: tableName, Key: keys.apiClient(hash) }))).Item;
    expect(await read('legacy')).toMatchObject({ roles: ['catalog-feed', 'stock-feed', 'pos'], stores: ['*'], schemaVersion: 2 });
    expect(await read('admin')).toMatchObject({ roles: ['admin'], schemaVersion: 2 });
    expect(await read('admin')).not.toHaveProperty('stores');
    expect((await migrate({ tableName, client, log: quiet, migrations: [splitIntegrationRole] })).applied).toEqual([]);
  });

  it('renames the substitution preference any to best-match on carts’ and orders’ lines, once, and stamps them version 2', async () => {
    const tableName = freshTable();
    await migrate({ tableName, client, log: quiet, migrations: [] });
    const line = (substitution: string) => ({ sku: 'SKU-1', substitution });
    await db.send(new PutCommand({ TableName: tableName, Item: { pk: 'CART#1', sk: 'CART', entityType: 'Cart', schemaVersion: 1, lines: [line('any'), line('none')] } }));
    await db.send(new PutCommand({ TableName: tableName, Item: { pk: 'ORDER#1', sk: 'ORDER', entityType: 'Order', schemaVersion: 1, lines: [line('same-brand'), line('any')] } }));
    await db.send(new PutCommand({ TableName: tableName, Item: { pk: 'ORDER#2', sk: 'ORDER', entityType: 'Order', schemaVersion: 2, lines: [line('best-match')] } }));
    const result = await migrate({ tableName, client, log: quiet, migrations: [substitutionPreferences] });
    expect(result.applied).toEqual(['0003-substitution-preferences']);
    const read = async (pk: string, sk: string) => (await db.send(new GetCommand({ TableName: tableName, Key: { pk, sk } }))).Item;
    expect(await read('CART#1', 'CART')).toMatchObject({ schemaVersion: 2, lines: [line('best-match'), line('none')] });
    expect(await read('ORDER#1', 'ORDER')).toMatchObject({ schemaVersion: 2, lines: [line('same-brand'), line('best-match')] });
    expect(await read('ORDER#2', 'ORDER')).toMatchObject({ schemaVersion: 2, lines: [line('best-match')] });
    expect((await migrate({ tableName, client, log: quiet, migrations: [substitutionPreferences] })).applied).toEqual([]);
  });

  it('gives stores stored before issue 13 their areas (the sample stores theirs, any other its own district), once, keeping areas already there', async () => {
    const tableName = freshTable();
    await migrate({ tableName, client, log: quiet, migrations: [] });
    const at = '2026-01-01T00:00:00.000Z';
    const version1 = (store: Record<string, unknown>) => ({ ...keys.store(store.id as string), entityType: 'Store', schemaVersion: 1, ...store, createdAt: at, updatedAt: at });
    for (const sample of SAMPLE_STORES) {
      const { deliveryArea: _d, collectionArea: _c, ...before } = sample;
      await db.send(new PutCommand({ TableName: tableName, Item: version1(before) }));
    }
    const { deliveryArea: _d, collectionArea: _c, ...other } = { ...SAMPLE_STORES[0]!, id: 'shoreditch', address: { line1: '1 High Street', city: 'London', postcode: 'E2 7DJ', country: 'GB' } };
    await db.send(new PutCommand({ TableName: tableName, Item: version1(other) }));
    const kept = { districts: ['N1'], prefixes: ['EC'] };
    await db.send(new PutCommand({ TableName: tableName, Item: version1({ ...other, id: 'islington', deliveryArea: kept }) }));

    expect((await migrate({ tableName, client, log: quiet, migrations: [storeAreas] })).applied).toEqual(['0004-store-areas']);
    const read = async (id: string) => (await db.send(new GetCommand({ TableName: tableName, Key: keys.store(id) }))).Item!;
    for (const sample of SAMPLE_STORES) {
      expect(await read(sample.id)).toMatchObject({ schemaVersion: 2, deliveryArea: sample.deliveryArea, collectionArea: sample.collectionArea });
    }
    const own = { districts: ['E2'], prefixes: [] };
    expect(await read('shoreditch')).toMatchObject({ schemaVersion: 2, deliveryArea: own, collectionArea: own });
    expect(await read('islington')).toMatchObject({ schemaVersion: 2, deliveryArea: kept, collectionArea: own });
    expect(storeFromItem(await read('shoreditch'))).toMatchObject({ id: 'shoreditch', deliveryArea: own });
    expect((await migrate({ tableName, client, log: quiet, migrations: [storeAreas] })).applied).toEqual([]);
  });

  it('refuses to create a table when creation is not allowed', async () => {
    const tableName = freshTable();
    await expect(migrate({ tableName, client, log: quiet, createTable: false, migrations: [] })).rejects.toThrow(
      `table ${tableName} does not exist: deploy the stack first`,
    );
  });
});

describe('migrate on an existing table', () => {
  // DynamoDB Local holds every other request while it alters a table, so this runs on an engine of its own.
  it('adds a missing GSI to an existing table', async () => {
    const engine = await startDynamoDb();
    const client = localDynamoClient(engine.endpoint);
    onTestFinished(async () => {
      client.destroy();
      await engine.stop();
    });
    const tableName = freshTable();
    const definition = tableDefinition(tableName);
    await client.send(
      new CreateTableCommand({
        ...definition,
        AttributeDefinitions: definition.AttributeDefinitions!.filter((a) => !a.AttributeName!.startsWith('gsi2')),
        GlobalSecondaryIndexes: definition.GlobalSecondaryIndexes!.filter((i) => i.IndexName === 'gsi1'),
      }),
    );
    const result = await migrate({ tableName, client, log: quiet, migrations: [] });
    expect(result.tableCreated).toBe(false);
    expect(result.indexesAdded).toEqual(['gsi2']);
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    expect(Table?.GlobalSecondaryIndexes?.map((i) => i.IndexName).sort()).toEqual(['gsi1', 'gsi2']);
  });

});

describe('0001-stamp-schema-version', () => {
  it('stamps schemaVersion 1 on unversioned entity items and leaves the rest alone', async () => {
    const tableName = freshTable();
    await migrate({ tableName, client, log: quiet, migrations: [] });
    const put = (item: Record<string, unknown>) => db.send(new PutCommand({ TableName: tableName, Item: item }));
    await put({ ...keys.product('p1'), entityType: 'Product', name: 'Oat milk' });
    await put({ ...keys.category('c1'), entityType: 'Category', schemaVersion: 2 });
    await put({ pk: 'IDEMPOTENCY#fn', sk: 'hash', status: 'COMPLETED' });

    const result = await migrate({ tableName, client, log: quiet, migrations: [stampSchemaVersion] });
    expect(result.applied).toEqual(['0001-stamp-schema-version']);

    const get = async (key: Key) => (await db.send(new GetCommand({ TableName: tableName, Key: key }))).Item;
    expect(await get(keys.product('p1'))).toMatchObject({ name: 'Oat milk', schemaVersion: 1 });
    expect(await get(keys.category('c1'))).toMatchObject({ schemaVersion: 2 });
    expect(await get({ pk: 'IDEMPOTENCY#fn', sk: 'hash' })).not.toHaveProperty('schemaVersion');
  });
});
