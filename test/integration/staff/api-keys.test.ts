import { randomUUID } from 'node:crypto';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { findApiClient, hashApiKey } from '../../../shared/auth/api-clients.js';
import { authenticate } from '../../../shared/auth/authenticate.js';
import { tableDeps, type TableDeps } from '../../../shared/db/deps.js';
import { keys } from '../../../shared/db/keys.js';
import type { ApiKeyView } from '../../../shared/staff/api-key-model.js';
import { createApiKey, getApiKey, keyIdFor, listApiKeys, revokeApiKey, rotateApiKey } from '../../../shared/staff/api-keys.js';
import { engines, testDynamo } from '../../support/engines.js';

/**
 * API keys against DynamoDB Local through the real SDK: made with their lookup item and audit entry in one
 * transaction, found by the authorizer's lookup with the scopes they were narrowed to, rotated with an overlap that
 * ends on the clock, revoked at once, and never stored but as a hash.
 */

const db = testDynamo();
const T0 = new Date('2026-12-07T09:00:00.000Z');
const deps = (now = T0) => tableDeps({ db, tableName: engines().tableName, now: () => now });
const admin = { actor: 'admin-it', actorKind: 'person' as const, correlationId: 'it-correlation' };
const ctx = () => ({ ...admin, idempotencyScope: `POST /api-keys admin-it ${randomUUID()}` });
const hours = (n: number) => new Date(T0.getTime() + n * 3_600_000);

async function auditOf(id: string) {
  const { Items = [] } = await db.send(new QueryCommand({ TableName: engines().tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `AUDIT#api-key#${id}` } }));
  return Items;
}

/** Table dependencies whose first `parties` reads of a key record are all answered before any of them returns. */
function bothReadFirst(parties: number): TableDeps {
  const base = deps();
  let arrived = 0;
  let release: () => void = () => undefined;
  const allRead = new Promise<void>((resolve) => (release = resolve));
  const send = async (command: unknown) => {
    const answer = await base.db.send(command as GetCommand);
    if (command instanceof GetCommand && arrived < parties) {
      arrived += 1;
      if (arrived === parties) release();
      await allRead;
    }
    return answer;
  };
  return { ...base, db: { send } as unknown as TableDeps['db'] };
}

const principalOf = async (apiKey: string, now: Date) =>
  (await authenticate({ apiKey }, { tokens: () => ({ issuer: 'x', audience: 'y', jwksUrl: 'http://127.0.0.1:1/jwks' }), findApiClient: (key) => findApiClient(key, now) }))?.principal;

describe('API keys', () => {
  it('creates a key found by its hash with the scopes it was narrowed to, stored only as a hash, audited in the same write', async () => {
    const { key, apiKey } = await createApiKey({ name: 'Till 4', roles: ['pos'], scopes: ['inventory:read'], stores: ['london-bridge'] }, ctx(), deps());
    expect(apiKey).toMatch(/^ssk_/);
    expect(key).toMatchObject({ name: 'Till 4', roles: ['pos'], scopes: ['inventory:read'], stores: ['london-bridge'], status: 'active', lastFour: apiKey!.slice(-4), createdBy: 'admin-it' });
    const principal = await principalOf(apiKey!, T0);
    expect(principal).toMatchObject({ subject: 'client:Till 4', kind: 'integration', roles: ['pos'], scopes: ['inventory:read'], stores: ['london-bridge'] });
    const { Item } = await db.send(new GetCommand({ TableName: engines().tableName, Key: keys.apiKey(key.id) }));
    expect(JSON.stringify(Item)).not.toContain(apiKey!);
    expect(Item?.current).toMatchObject({ hash: hashApiKey(apiKey!) });
    const audit = await auditOf(key.id);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ action: 'create', actor: 'admin-it', after: { name: 'Till 4', roles: ['pos'], lastFour: apiKey!.slice(-4) } });
    expect(JSON.stringify(audit[0])).not.toContain(hashApiKey(apiKey!));
  });

  it('answers a retried create with the same key’s record and no key, and refuses the same Idempotency-Key with another body', async () => {
    const same = ctx();
    const first = await createApiKey({ name: 'PIM feed', roles: ['catalog-feed'] }, same, deps());
    const again = await createApiKey({ name: 'PIM feed', roles: ['catalog-feed'] }, same, deps());
    expect(again.apiKey).toBeUndefined();
    expect(again.key).toEqual(first.key);
    await expect(createApiKey({ name: 'Another feed', roles: ['catalog-feed'] }, same, deps())).rejects.toMatchObject({ code: 'idempotency-key-reused' });
    expect(await auditOf(first.key.id)).toHaveLength(1);
  });

  it('refuses a grant the rules do not allow, and writes nothing', async () => {
    const request = ctx();
    await expect(createApiKey({ name: 'Greedy', roles: ['catalog-feed'], scopes: ['orders:refund'] }, request, deps())).rejects.toMatchObject({ code: 'scope-beyond-roles' });
    await expect(getApiKey(keyIdFor(request.idempotencyScope), deps())).rejects.toMatchObject({ kind: 'not-found' });
  });

  it('rotates: both keys work during the overlap, only the new one once it ends; a second rotation ends the first predecessor at once', async () => {
    const { key, apiKey: first } = await createApiKey({ name: 'WMS', roles: ['stock-feed'], stores: ['*'] }, ctx(), deps());
    const rotated = await rotateApiKey(key.id, 2, ctx(), deps(hours(1)));
    const second = rotated.apiKey!;
    expect(second).not.toBe(first);
    expect(rotated.key.predecessor).toEqual({ lastFour: first!.slice(-4), expiresAt: hours(3).toISOString() });
    expect(await findApiClient(first!, hours(1))).toBeDefined();
    expect(await findApiClient(second, hours(1))).toBeDefined();
    expect(await findApiClient(first!, new Date(hours(3).getTime() - 1000))).toBeDefined();
    expect(await findApiClient(first!, hours(3))).toBeUndefined();
    expect(await findApiClient(second, hours(3))).toBeDefined();
    // The old lookup item carries its end as the table's TTL, so DynamoDB removes it later.
    const { Item } = await db.send(new GetCommand({ TableName: engines().tableName, Key: keys.apiClient(hashApiKey(first!)) }));
    expect(Item?.expiresAt).toBe(hours(3).getTime() / 1000);

    const third = (await rotateApiKey(key.id, 24, ctx(), deps(hours(2)))).apiKey!;
    expect(await findApiClient(first!, hours(2))).toBeUndefined();
    expect(await findApiClient(second, hours(2))).toBeDefined();
    expect(await findApiClient(third, hours(2))).toBeDefined();
    expect((await auditOf(key.id)).map((e) => e.action).sort()).toEqual(['create', 'rotate', 'rotate']);
  });

  it('answers a retried rotation with the record and no key, rotating once', async () => {
    const { key } = await createApiKey({ name: 'ERP', roles: ['catalog-feed'] }, ctx(), deps());
    const same = ctx();
    const once = await rotateApiKey(key.id, 24, same, deps());
    const again = await rotateApiKey(key.id, 24, same, deps());
    expect(again.apiKey).toBeUndefined();
    expect(again.key.lastFour).toBe(once.key.lastFour);
    expect((await auditOf(key.id)).filter((e) => e.action === 'rotate')).toHaveLength(1);
  });

  it('lets one of two racing rotations win and refuses the other, leaving one successor', async () => {
    const { key } = await createApiKey({ name: 'Racer', roles: ['catalog-feed'] }, ctx(), deps());
    // Both read the key before either writes: left to the scheduler, the first could finish before the second read, and
    // two rotations one after the other rightly both succeed (it failed so in a CI run on an idle machine).
    const racing = bothReadFirst(2);
    const results = await Promise.allSettled([rotateApiKey(key.id, 24, ctx(), racing), rotateApiKey(key.id, 24, ctx(), racing)]);
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    expect(results.find((r) => r.status === 'rejected')).toMatchObject({ reason: { code: 'api-key-changed' } });
    const winner = (won[0] as PromiseFulfilledResult<{ apiKey?: string }>).value.apiKey!;
    expect(await findApiClient(winner, T0)).toBeDefined();
    expect((await getApiKey(key.id, deps())).lastFour).toBe(winner.slice(-4));
    expect((await auditOf(key.id)).filter((e) => e.action === 'rotate')).toHaveLength(1);
  });

  it('revokes at once, the current key and a predecessor in its overlap alike, and a second revoke changes nothing', async () => {
    const { key, apiKey: old } = await createApiKey({ name: 'Leaked', roles: ['pos'], stores: ['london-bridge'] }, ctx(), deps());
    const current = (await rotateApiKey(key.id, 24, ctx(), deps())).apiKey!;
    const revoked = await revokeApiKey(key.id, admin, deps());
    expect(revoked).toMatchObject({ status: 'revoked', revokedBy: 'admin-it' });
    expect(await findApiClient(current, T0)).toBeUndefined();
    expect(await findApiClient(old!, T0)).toBeUndefined();
    expect(await revokeApiKey(key.id, admin, deps())).toEqual(revoked);
    await expect(rotateApiKey(key.id, 24, ctx(), deps())).rejects.toMatchObject({ code: 'api-key-revoked' });
    expect((await auditOf(key.id)).map((e) => e.action).sort()).toEqual(['create', 'revoke', 'rotate']);
  });

  it('lists keys newest first, page by page, filtered by status, without keys or hashes', async () => {
    const made: ApiKeyView[] = [];
    for (let i = 0; i < 3; i += 1) made.push((await createApiKey({ name: `Listed ${i}`, roles: ['catalog-feed'] }, ctx(), deps(hours(1000 + i)))).key);
    const first = await listApiKeys({ limit: 2 }, deps());
    expect(first.items.map((k) => k.id)).toEqual([made[2]!.id, made[1]!.id]);
    const second = await listApiKeys({ limit: 2, cursor: first.nextCursor! }, deps());
    expect(second.items[0]!.id).toBe(made[0]!.id);
    expect(JSON.stringify(first)).not.toMatch(/hash|ssk_/);
    await revokeApiKey(made[2]!.id, admin, deps());
    const active = await listApiKeys({ limit: 100, status: 'active' }, deps());
    expect(active.items.some((k) => k.id === made[2]!.id)).toBe(false);
    await expect(listApiKeys({ limit: 2, cursor: 'bm90LWEtY3Vyc29y' }, deps())).rejects.toMatchObject({ code: 'validation-failed' });
  });
});
