import { BatchWriteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { auditItem, type NewAuditEntry } from '../../../shared/audit/audit-entry.js';
import { ListAuditQuery, listAudit, type AuditPage } from '../../../shared/audit/queries.js';
import { tableDeps } from '../../../shared/db/deps.js';
import { keys } from '../../../shared/db/keys.js';
import { ValidationError } from '../../../shared/errors.js';
import { engines } from '../../support/engines.js';

/**
 * `GET /audit`'s reads against DynamoDB Local: each filter served by one partition family (the entity's, the actor's,
 * the days'), newest first, paged across day boundaries without a repeat or a gap, and cursors that point elsewhere
 * refused. Each test's entries carry an entity type of its own (letters only), so other files' entries never show.
 */

const deps = () => tableDeps({ tableName: engines().tableName, now: () => new Date('2011-05-10T12:00:00.000Z') });
const letters = () => Array.from({ length: 10 }, () => String.fromCharCode(97 + Math.floor(Math.random() * 26))).join('');

async function put(entries: readonly (Partial<NewAuditEntry> & { at: string; actorKind?: 'person' | 'integration' | 'system'; correlationId?: string })[], base: Partial<NewAuditEntry>): Promise<string[]> {
  const items = entries.map((e) => auditItem({ entity: 'x', entityId: 'x', action: 'changed', actor: 'someone', before: { n: 0 }, after: { n: 1 }, ...base, ...e }));
  await deps().db.send(new BatchWriteCommand({ RequestItems: { [engines().tableName]: items.map((Item) => ({ PutRequest: { Item } })) } }));
  return items.map((item) => String(item.id));
}

const query = (q: Record<string, string | number>) => ListAuditQuery.parse(Object.fromEntries(Object.entries(q).map(([k, v]) => [k, String(v)])));

/** Every page of a listing, following `nextCursor` to the end. */
async function allPages(q: Record<string, string | number>): Promise<AuditPage[]> {
  const pages: AuditPage[] = [];
  let cursor: string | null | undefined;
  do {
    const page = await listAudit(query({ ...q, ...(cursor ? { cursor } : {}) }), deps());
    pages.push(page);
    cursor = page.nextCursor;
  } while (cursor && pages.length < 50);
  return pages;
}

async function refused(promise: Promise<unknown>): Promise<ValidationError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(ValidationError);
  return error as ValidationError;
}

describe('listAudit', () => {
  it('reads one entity’s trail from its partition, newest first, with who, of which kind, the correlation id, before and after', async () => {
    const entity = letters();
    const [first, second, third] = await put(
      [
        { at: '2011-05-01T09:00:00.000Z', actor: 'ann', actorKind: 'person', correlationId: 'corr-1' },
        { at: '2011-05-03T09:00:00.000Z', actor: 'client:feed', actorKind: 'integration' },
        { at: '2011-05-03T10:00:00.000Z', actor: 'import:01J', actorKind: 'system' },
      ],
      { entity, entityId: 'P1' },
    );
    await put([{ at: '2011-05-02T09:00:00.000Z' }], { entity, entityId: 'P2' });
    const page = await listAudit(query({ entity, entityId: 'P1' }), deps());
    expect(page.items.map((e) => e.id)).toEqual([third, second, first]);
    expect(page.items[2]).toEqual({
      id: first,
      entity,
      entityId: 'P1',
      action: 'changed',
      actor: 'ann',
      actorKind: 'person',
      at: '2011-05-01T09:00:00.000Z',
      before: { n: 0 },
      after: { n: 1 },
      correlationId: 'corr-1',
    });
    expect(page.nextCursor).toBeNull();

    const pages = await allPages({ entity, entityId: 'P1', limit: 2 });
    expect(pages.map((p) => p.items.map((e) => e.id))).toEqual([[third, second], [first]]);
    const ranged = await listAudit(query({ entity, entityId: 'P1', from: '2011-05-03T00:00:00Z', to: '2011-05-03T09:30:00+00:00' }), deps());
    expect(ranged.items.map((e) => e.id)).toEqual([second]);
  });

  it('walks the days of a range newest first, pages across day boundaries and empty days without a repeat or a gap', async () => {
    const entity = letters();
    const ids = await put(
      [
        { at: '2011-04-01T23:59:59.999Z' },
        { at: '2011-04-02T00:00:00.000Z' },
        { at: '2011-04-02T13:00:00.000Z' },
        { at: '2011-04-05T08:00:00.000Z' },
        { at: '2011-04-05T08:00:01.000Z' },
      ],
      { entity, entityId: 'S1' },
    );
    const newestFirst = [...ids].reverse();
    for (const limit of [1, 2, 3, 5, 100]) {
      const pages = await allPages({ entity, from: '2011-04-01T00:00:00Z', to: '2011-04-06T00:00:00Z', limit });
      expect(pages.flatMap((p) => p.items.map((e) => e.id)), `limit ${limit}`).toEqual(newestFirst);
      expect(pages.every((p) => p.items.length <= limit)).toBe(true);
    }
    // The range's ends are instants, not days.
    const inner = await listAudit(query({ entity, from: '2011-04-02T00:00:00Z', to: '2011-04-05T08:00:00Z' }), deps());
    expect(inner.items.map((e) => e.id)).toEqual([ids[3], ids[2], ids[1]]);
  });

  it('filters by actor through the actor index, by action, and by both with a time range', async () => {
    const entity = letters();
    const actor = `person-${letters()}`;
    const [mine1, , mine2, mine3] = await put(
      [
        { at: '2011-03-01T09:00:00.000Z', actor, action: 'price-changed' },
        { at: '2011-03-01T10:00:00.000Z', actor: 'someone-else', action: 'price-changed' },
        { at: '2011-03-02T09:00:00.000Z', actor, action: 'adjust' },
        { at: '2011-03-03T09:00:00.000Z', actor, action: 'price-changed' },
      ],
      { entity, entityId: 'A1' },
    );
    expect((await listAudit(query({ actor }), deps())).items.map((e) => e.id)).toEqual([mine3, mine2, mine1]);
    expect((await listAudit(query({ actor, action: 'price-changed' }), deps())).items.map((e) => e.id)).toEqual([mine3, mine1]);
    expect((await listAudit(query({ actor, to: '2011-03-02T23:00:00Z' }), deps())).items.map((e) => e.id)).toEqual([mine2, mine1]);
    expect((await listAudit(query({ entity, entityId: 'A1', action: 'price-changed', actor }), deps())).items.map((e) => e.id)).toEqual([mine3, mine1]);
    // A filter that leaves few entries still pages to the end.
    const pages = await allPages({ entity, from: '2011-03-01T00:00:00Z', to: '2011-03-04T00:00:00Z', action: 'price-changed', limit: 1 });
    expect(pages.flatMap((p) => p.items.map((e) => e.id))).toHaveLength(3);
  });

  it('answers a range with nothing in it with no entries and no cursor', async () => {
    expect(await listAudit(query({ entity: letters(), from: '2011-01-01T00:00:00Z', to: '2011-03-31T00:00:00Z' }), deps())).toEqual({ items: [], nextCursor: null });
    expect(await listAudit(query({ entity: letters(), entityId: 'none' }), deps())).toEqual({ items: [], nextCursor: null });
    expect(await listAudit(query({ actor: `nobody-${letters()}` }), deps())).toEqual({ items: [], nextCursor: null });
  });

  it('reads the last seven days when no range is given, and refuses a day walk of more than 92 days', async () => {
    const entity = letters();
    const [recent] = await put([{ at: '2011-05-09T09:00:00.000Z' }, { at: '2011-05-01T09:00:00.000Z' }], { entity, entityId: 'D1' });
    expect((await listAudit(query({ entity }), deps())).items.map((e) => e.id)).toEqual([recent]);
    const error = await refused(listAudit(query({ from: '2011-01-01T00:00:00Z', to: '2011-05-01T00:00:00Z' }), deps()));
    expect(error.fields?.map((f) => f.field)).toEqual(['query.from']);
  });

  it('refuses a cursor that names another partition, another key, a day outside the range, or nothing at all', async () => {
    const entity = letters();
    await put([{ at: '2011-02-01T09:00:00.000Z' }, { at: '2011-02-01T10:00:00.000Z' }], { entity, entityId: 'C1' });
    await put([{ at: '2011-02-01T09:00:00.000Z' }, { at: '2011-02-01T10:00:00.000Z' }], { entity, entityId: 'C2' });
    const { nextCursor } = await listAudit(query({ entity, entityId: 'C1', limit: 1 }), deps());
    expect(nextCursor).not.toBeNull();
    await refused(listAudit(query({ entity, entityId: 'C2', cursor: nextCursor! }), deps()));
    await refused(listAudit(query({ actor: 'someone', cursor: nextCursor! }), deps()));

    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const other = keys.audit(entity, 'C2', '2011-02-01T10:00:00.000Z', '01J');
    await refused(listAudit(query({ entity, entityId: 'C1', cursor: encode({ p: `AUDIT#${entity}#C1`, k: other }) }), deps()));
    await refused(listAudit(query({ entity, entityId: 'C1', cursor: encode({ p: `AUDIT#${entity}#C1`, k: { pk: `AUDIT#${entity}#C1`, sk: 'PRODUCT', extra: 'x' } }) }), deps()));
    await refused(listAudit(query({ entity, from: '2011-02-01T00:00:00Z', to: '2011-02-02T00:00:00Z', cursor: encode({ p: 'AUDIT#2011-03-01' }) }), deps()));
    await refused(listAudit(query({ entity, entityId: 'C1', cursor: 'not a cursor!' }), deps()));
    await refused(listAudit(query({ entity, entityId: 'C1', cursor: encode(['AUDIT#x']) }), deps()));
  });

  it('reads an entry of schema version 1, without actor kind or correlation id, with its kind read from the actor', async () => {
    const entity = letters();
    const at = '2011-01-15T09:00:00.000Z';
    await deps().db.send(
      new PutCommand({
        TableName: engines().tableName,
        Item: {
          ...keys.audit(entity, 'OLD', at, '01OLD'),
          ...keys.auditByDay(at, '01OLD'),
          entityType: 'AuditEntry',
          schemaVersion: 1,
          id: '01OLD',
          entity,
          entityId: 'OLD',
          action: 'price-changed',
          actor: 'client:catalog-feed',
          at,
          before: {},
          after: {},
        },
      }),
    );
    const [entry] = (await listAudit(query({ entity, entityId: 'OLD' }), deps())).items;
    expect(entry).toEqual({ id: '01OLD', entity, entityId: 'OLD', action: 'price-changed', actor: 'client:catalog-feed', actorKind: 'integration', at, before: {}, after: {} });
  });
});

describe('ListAuditQuery', () => {
  it('names each parameter it refuses', () => {
    const fields = (q: Record<string, string>) => {
      const result = ListAuditQuery.safeParse(q);
      return result.success ? [] : result.error.issues.map((i) => i.path.join('.'));
    };
    expect(fields({ entityId: 'P1' })).toEqual(['entityId']);
    expect(fields({ entity: 'Product!' })).toEqual(['entity']);
    expect(fields({ action: 'PRICE' })).toEqual(['action']);
    expect(fields({ from: 'yesterday' })).toEqual(['from']);
    expect(fields({ to: '2026-03-14' })).toEqual(['to']);
    expect(fields({ from: '2026-03-15T00:00:00Z', to: '2026-03-14T00:00:00Z' })).toEqual(['from']);
    expect(fields({ limit: '0' })).toEqual(['limit']);
    expect(fields({ limit: '101' })).toEqual(['limit']);
    expect(fields({ sort: 'asc' })).toEqual(['']);
    expect(fields({ actor: '' })).toEqual(['actor']);
  });
});
