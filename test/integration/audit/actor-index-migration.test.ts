import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { describe, expect, it } from 'vitest';
import { localDynamoClient } from '../../../infra/local/engines/dynamodb.js';
import { auditItem } from '../../../shared/audit/audit-entry.js';
import { listAudit, ListAuditQuery } from '../../../shared/audit/queries.js';
import { tableDeps } from '../../../shared/db/deps.js';
import { auditActorIndex } from '../../../shared/db/migrations/0007-audit-actor-index.js';
import { migrate } from '../../../shared/db/migrations/migrate.js';
import { engines, testDynamo, uniqueId } from '../../support/engines.js';

/**
 * Migration 0007 against DynamoDB Local, on a fresh table: audit entries written before the actor index (schema
 * version 1: no gsi2 keys, no actor kind, no correlation id) are missing from `GET /audit?actor=` until it runs, then
 * found in their place among the newer ones, each unchanged but for its index keys; a rerun, and two runs racing, index
 * each entry once and change nothing else.
 */

const db = testDynamo();
const NOW = new Date('2026-12-07T12:00:00.000Z');

async function freshTable(): Promise<string> {
  const tableName = uniqueId('audit-actor-index');
  const client = localDynamoClient(engines().endpoints.dynamodb);
  await migrate({ tableName, client, log: () => undefined, migrations: [] });
  client.destroy();
  return tableName;
}

/** An entry as audit schema version 1 wrote it: under its entity and its day, not under its actor. */
function versionOneItem(entry: { actor: string; at: string; entityId: string }): Record<string, unknown> {
  const { gsi2pk: _gsi2pk, gsi2sk: _gsi2sk, actorKind: _actorKind, ...item } = auditItem({
    id: ulid(Date.parse(entry.at)),
    entity: 'product',
    entityId: entry.entityId,
    action: 'price-changed',
    actor: entry.actor,
    at: entry.at,
    before: { price: 100 },
    after: { price: 120 },
  });
  return { ...item, schemaVersion: 1 };
}

describe('migration 0007-audit-actor-index', () => {
  it('puts older entries in the actor index, unchanged otherwise, so the trail by actor finds them; a rerun does nothing', async () => {
    const tableName = await freshTable();
    const deps = tableDeps({ db, tableName, now: () => NOW });
    const put = (item: Record<string, unknown>) => db.send(new PutCommand({ TableName: tableName, Item: item }));
    const get = async (item: Record<string, unknown>) => (await db.send(new GetCommand({ TableName: tableName, Key: { pk: item.pk, sk: item.sk }, ConsistentRead: true }))).Item;

    const oldest = versionOneItem({ actor: 'manager-7', at: '2026-11-01T09:00:00.000Z', entityId: 'prod-a' });
    const older = versionOneItem({ actor: 'client:till-3', at: '2026-11-02T09:00:00.000Z', entityId: 'prod-b' });
    const other = versionOneItem({ actor: 'someone-else', at: '2026-11-03T09:00:00.000Z', entityId: 'prod-c' });
    const newer = auditItem({ entity: 'product', entityId: 'prod-d', action: 'price-changed', actor: 'manager-7', actorKind: 'person', at: '2026-12-01T09:00:00.000Z', before: {}, after: { price: 1 }, correlationId: 'corr-1' });
    for (const item of [oldest, older, other, newer]) await put(item);

    const byActor = async (actor: string) => (await listAudit(ListAuditQuery.parse({ actor }), deps)).items.map((entry) => entry.entityId);
    expect(await byActor('manager-7')).toEqual(['prod-d']);
    expect(await byActor('client:till-3')).toEqual([]);

    const lines: string[] = [];
    await auditActorIndex.run({ db, tableName, log: (line) => lines.push(line) });
    expect(lines).toEqual(['gave 3 audit entries a place in the actor index']);

    // Newest first, the older entry among the newer; its kind read from its actor, no correlation id made up.
    const trail = await listAudit(ListAuditQuery.parse({ actor: 'manager-7' }), deps);
    expect(trail.items.map((entry) => [entry.entityId, entry.actorKind, entry.correlationId])).toEqual([
      ['prod-d', 'person', 'corr-1'],
      ['prod-a', 'person', undefined],
    ]);
    expect((await listAudit(ListAuditQuery.parse({ actor: 'client:till-3' }), deps)).items).toEqual([
      expect.objectContaining({ entityId: 'prod-b', actorKind: 'integration', before: { price: 100 }, after: { price: 120 } }),
    ]);
    expect(await byActor('someone-else')).toEqual(['prod-c']);

    // Each older entry is what it was, plus its place in the index: the keys a new entry would get.
    for (const item of [oldest, older, other]) {
      expect(await get(item)).toEqual({ ...item, gsi2pk: `AUDIT_ACTOR#${String(item.actor)}`, gsi2sk: `${String(item.at)}#${String(item.id)}` });
    }
    expect(await get(newer)).toEqual(newer);

    const again: string[] = [];
    await auditActorIndex.run({ db, tableName, log: (line) => again.push(line) });
    expect(again).toEqual(['gave 0 audit entries a place in the actor index']);
    expect(await get(oldest)).toEqual({ ...oldest, gsi2pk: 'AUDIT_ACTOR#manager-7', gsi2sk: `${String(oldest.at)}#${String(oldest.id)}` });
  });

  it('indexes each entry once when two runs race', async () => {
    const tableName = await freshTable();
    const entries = Array.from({ length: 30 }, (_, i) => versionOneItem({ actor: `picker-${i % 3}`, at: new Date(Date.parse('2026-10-01T00:00:00.000Z') + i * 60_000).toISOString(), entityId: `prod-${i}` }));
    for (const item of entries) await db.send(new PutCommand({ TableName: tableName, Item: item }));

    const counts: number[] = [];
    const run = () => auditActorIndex.run({ db, tableName, log: (line) => counts.push(Number(/gave (\d+)/.exec(line)![1])) });
    await Promise.all([run(), run()]);
    expect(counts.reduce((sum, n) => sum + n, 0)).toBe(30);

    const deps = tableDeps({ db, tableName, now: () => NOW });
    for (const picker of ['picker-0', 'picker-1', 'picker-2']) {
      const found = (await listAudit(ListAuditQuery.parse({ actor: picker, limit: 100 }), deps)).items;
      expect(found, picker).toHaveLength(10);
    }
  });
});
