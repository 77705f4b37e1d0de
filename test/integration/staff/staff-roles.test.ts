import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { decodeJwt } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { tableDeps } from '../../../shared/db/deps.js';
import { tableStaffDirectory } from '../../../shared/staff/table-directory.js';
import { getStaffMember, listStaff, setStaffRoles } from '../../../shared/staff/staff-roles.js';
import { loadIssuer, tableStaffLookup } from '../../../infra/local/tokens.js';
import { engines, testDynamo } from '../../support/engines.js';

/**
 * Staff roles in the local store of principals, against DynamoDB Local through the real SDK: set whole and audited in
 * the same transaction, refused without changing anything, raced under the version read, and consulted by the local
 * token issuer, so a role taken away is gone from the next token minted.
 */

const db = testDynamo();
const directory = () => tableStaffDirectory(tableDeps({ db, tableName: engines().tableName }));
const who = { actor: 'admin-it', actorKind: 'person' as const, now: () => new Date('2026-12-07T09:00:00.000Z') };
const subject = () => `staff-${randomUUID()}`;
const raw = new DynamoDBClient({});
const keyDir = mkdtemp(join(tmpdir(), 'smartshelf-staff-'));
afterAll(async () => {
  raw.destroy();
  await rm(await keyDir, { recursive: true, force: true });
});

async function auditOf(s: string) {
  const { Items = [] } = await db.send(new QueryCommand({ TableName: engines().tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `AUDIT#staff#${s}` } }));
  return Items;
}

describe('staff roles in the local store of principals', () => {
  it('gives and takes roles, each change audited with before and after, a repeat changing nothing', async () => {
    const s = subject();
    expect(await setStaffRoles(s, { roles: ['picker'], stores: ['london-bridge'] }, who, directory())).toEqual({ subject: s, roles: ['picker'], stores: ['london-bridge'] });
    await setStaffRoles(s, { roles: ['store-manager', 'picker'], stores: ['london-bridge', 'edinburgh-leith'] }, who, directory());
    await setStaffRoles(s, { roles: ['store-manager', 'picker'], stores: ['london-bridge', 'edinburgh-leith'] }, who, directory());
    expect(await getStaffMember(s, directory())).toEqual({ subject: s, roles: ['picker', 'store-manager'], stores: ['edinburgh-leith', 'london-bridge'] });
    const audit = await auditOf(s);
    expect(audit).toHaveLength(2);
    expect(audit.map((e) => [e.before, e.after])).toContainEqual([
      { roles: ['picker'], stores: ['london-bridge'] },
      { roles: ['picker', 'store-manager'], stores: ['edinburgh-leith', 'london-bridge'] },
    ]);
    expect(audit[0]).toMatchObject({ action: 'set-roles', actor: 'admin-it', entity: 'staff' });
  });

  it('refuses stores that do not fit the roles, and an admin taking admin from themselves, changing nothing', async () => {
    const s = subject();
    await expect(setStaffRoles(s, { roles: ['picker'], stores: [] }, who, directory())).rejects.toMatchObject({ code: 'stores-required' });
    await expect(setStaffRoles('admin-it', { roles: ['head-office'], stores: [] }, who, directory())).rejects.toMatchObject({ code: 'own-admin-role' });
    await expect(getStaffMember(s, directory())).rejects.toMatchObject({ kind: 'not-found' });
    expect(await auditOf(s)).toHaveLength(0);
  });

  it('lets one of two racing changes win and refuses the other, so no audit entry has a stale before', async () => {
    const s = subject();
    await setStaffRoles(s, { roles: ['customer-service'], stores: [] }, who, directory());
    const results = await Promise.allSettled([
      setStaffRoles(s, { roles: ['head-office'], stores: [] }, who, directory()),
      setStaffRoles(s, { roles: ['picker'], stores: ['london-bridge'] }, who, directory()),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled').length;
    expect(won).toBeGreaterThanOrEqual(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'staff-changed' });
    const audit = await auditOf(s);
    expect(audit).toHaveLength(1 + won);
    // Each change's before is the after of the one it followed.
    const afters = audit.map((e) => JSON.stringify(e.after));
    for (const e of audit.slice(1)) expect(afters).toContain(JSON.stringify(e.before));
  });

  it('lists staff a page at a time, filtered by role', async () => {
    const manager = subject();
    await setStaffRoles(manager, { roles: ['store-manager'], stores: ['london-bridge'] }, who, directory());
    const all: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await listStaff({ limit: 2, ...(cursor ? { cursor } : {}) }, directory());
      all.push(...page.items.map((m) => m.subject));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(all).toContain(manager);
    const managers = [];
    cursor = undefined;
    do {
      const page = await listStaff({ limit: 60, role: 'store-manager', ...(cursor ? { cursor } : {}) }, directory());
      managers.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(managers.every((m) => m.roles.includes('store-manager'))).toBe(true);
    expect(managers.map((m) => m.subject)).toContain(manager);
  });

  it('mints the next local token with the roles the store holds: a role taken away is gone, others keep what they ask', async () => {
    const issuer = await loadIssuer(join(await keyDir, 'signing.jwk'), { staff: tableStaffLookup(raw, engines().tableName) });
    const s = subject();
    await setStaffRoles(s, { roles: ['store-manager', 'picker'], stores: ['london-bridge'] }, who, directory());
    expect(decodeJwt(await issuer.mint({ subject: s, roles: ['store-manager'] }))).toMatchObject({ roles: ['picker', 'store-manager'], stores: ['london-bridge'] });
    await setStaffRoles(s, { roles: ['picker'], stores: ['london-bridge'] }, who, directory());
    // Asking for the role taken away does not bring it back.
    expect(decodeJwt(await issuer.mint({ subject: s, roles: ['store-manager', 'admin'] }))).toMatchObject({ roles: ['picker'], stores: ['london-bridge'] });
    const adHoc = decodeJwt(await issuer.mint({ subject: subject(), roles: ['admin'], stores: [] }));
    expect(adHoc).toMatchObject({ roles: ['admin'], stores: [] });
  });
});
