import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { describe, expect, it } from 'vitest';
import { localDynamoClient } from '../../../infra/local/engines/dynamodb.js';
import { accountDeps } from '../../../shared/accounts/deps.js';
import { ensureProfile } from '../../../shared/accounts/profile.js';
import { tableDeps, type TableDeps } from '../../../shared/db/deps.js';
import { keys } from '../../../shared/db/keys.js';
import { shopperActivity } from '../../../shared/db/migrations/0005-shopper-activity.js';
import { migrate } from '../../../shared/db/migrations/migrate.js';
import { orderItem } from '../../../shared/orders/repository.js';
import { getErasure, requestErasure, ShopperActiveError } from '../../../shared/personal-data/erasure.js';
import { applyRetention, RETENTION_REQUESTER } from '../../../shared/personal-data/retention-job.js';
import { engines, testDynamo, uniqueId } from '../../support/engines.js';
import { anOrder } from '../../unit/orders/fixtures.js';

/**
 * The retention of inactive accounts against DynamoDB Local: the daily run finds, through the activity index only,
 * the accounts unused past their jurisdiction's period and requests their erasure as the system, audited; one used
 * since the index was written, one still inside its period and one with an order in flight are left (the last reported);
 * a profile made before activity was recorded is found from its creation day once migration 0005 ran; a rerun asks for
 * nothing again. A table of its own, as the financial retention test has: the run reads every store and every shard.
 */

const db = testDynamo();
const NOW = new Date('2026-12-07T10:00:00.000Z');
const DAY = 86_400_000;
const daysBefore = (days: number) => new Date(NOW.getTime() - days * DAY);

describe('the retention of inactive accounts', () => {
  it('requests the erasure of accounts unused past their period, skips one with an order in flight, and a rerun asks again for none', async () => {
    const tableName = uniqueId('inactive');
    const client = localDynamoClient(engines().endpoints.dynamodb);
    await migrate({ tableName, client, log: () => undefined, migrations: [] });
    client.destroy();
    const put = (item: Record<string, unknown>) => db.send(new PutCommand({ TableName: tableName, Item: item }));
    const get = async (key: { pk: string; sk: string }) => (await db.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }))).Item;
    const base = (): TableDeps => tableDeps({ db, tableName, now: () => NOW });
    const store = `gb-${ulid().slice(-10).toLowerCase()}`;
    await put({ ...keys.store(store), ...keys.storeListing(store), entityType: 'Store', id: store, taxJurisdiction: 'GB' });

    /** A shopper whose profile was made (and last used) `days` days before now. */
    const shopperLastSeen = async (days: number, extra: { preferredStoreId?: string } = {}) => {
      const shopperId = uniqueId('shopper');
      await ensureProfile(shopperId, accountDeps({ db, tableName, now: () => daysBefore(days) }));
      if (extra.preferredStoreId) await db.send(new PutCommand({ TableName: tableName, Item: { ...(await get(keys.shopperProfile(shopperId))), ...extra } }));
      return shopperId;
    };
    const gbPeriod = 3 * 366;
    // Unused a day longer than the GB period: its last day ended a whole period ago.
    const gone = await shopperLastSeen(gbPeriod + 2, { preferredStoreId: store });
    const goneNoStore = await shopperLastSeen(gbPeriod + 40);
    const recent = await shopperLastSeen(30);
    const inside = await shopperLastSeen(gbPeriod - 1, { preferredStoreId: store });
    const busy = await shopperLastSeen(gbPeriod + 5);
    const moving = anOrder({ id: ulid(), shopperId: busy, storeId: store, status: 'reserved', createdAt: NOW.toISOString(), updatedAt: NOW.toISOString() });
    await put(orderItem(moving));
    // The index says long ago, but the shopper came back today and the index has not caught up: the profile decides.
    const back = await shopperLastSeen(gbPeriod + 10);
    await ensureProfile(back, accountDeps({ db, tableName, now: () => NOW }));
    await put({ ...(await get(keys.shopperProfile(back))), ...keys.shopperActivity(back, daysBefore(gbPeriod + 10).toISOString().slice(0, 10)) });
    // Made before activity was recorded: no lastActiveAt, no entry, until migration 0005 dates it from its creation.
    const legacy = uniqueId('shopper');
    const made = daysBefore(gbPeriod + 100).toISOString();
    await put({ ...keys.shopperProfile(legacy), entityType: 'ShopperProfile', schemaVersion: 1, shopperId: legacy, marketingConsent: { granted: false, at: null }, createdAt: made, updatedAt: made, version: 1 });

    const before = await applyRetention(NOW, base());
    expect(await getErasure(legacy, base())).toBeUndefined();
    expect(before.inactiveAccounts).toMatchObject({ candidates: 4, erasuresRequested: 2, alreadyRequested: 0, kept: 1 });
    expect(before.inactiveAccounts.skipped).toEqual([{ shopperId: busy, orderIds: [moving.id], heldCartIds: [] }]);

    await shopperActivity.run({ db, tableName, log: () => undefined });
    // Its day is older than the rest's, so it is found once the migration gave it an entry; the two found before are
    // found again, already requested.
    const first = await applyRetention(NOW, base());
    const requested = [gone, goneNoStore, legacy];
    for (const shopperId of requested) {
      expect(await getErasure(shopperId, base()), shopperId).toMatchObject({ status: 'requested', requestedBy: RETENTION_REQUESTER });
      expect((await get(keys.shopperProfile(shopperId)))?.erasureRequestedAt).toBe(NOW.toISOString());
    }
    for (const shopperId of [recent, inside, busy, back]) expect(await getErasure(shopperId, base()), shopperId).toBeUndefined();
    expect(first.inactiveAccounts).toMatchObject({ candidates: 5, erasuresRequested: 1, alreadyRequested: 2, kept: 1 });
    expect(first.inactiveAccounts.skipped).toEqual([{ shopperId: busy, orderIds: [moving.id], heldCartIds: [] }]);

    // Audited as any erasure staff request is: who (the job), for whom, and why, with the period's basis.
    const audit = await db.send(
      new QueryCommand({ TableName: tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': keys.audit('shopper', gone, NOW.toISOString(), 'x').pk } }),
    );
    expect(audit.Items).toEqual([expect.objectContaining({ action: 'erase-personal-data', actor: RETENTION_REQUESTER, after: expect.objectContaining({ reason: expect.stringMatching(/Art\. 5\(1\)\(e\)/) }) })]);

    const again = await applyRetention(NOW, base());
    expect(again.inactiveAccounts).toMatchObject({ erasuresRequested: 0, alreadyRequested: 3, kept: 1 });
    expect(again.inactiveAccounts.skipped).toHaveLength(1);
  });

  it('keeps an account whose shopper came back between the run reading it and asking for its erasure', async () => {
    const tableName = uniqueId('inactive');
    const client = localDynamoClient(engines().endpoints.dynamodb);
    await migrate({ tableName, client, log: () => undefined, migrations: [] });
    client.destroy();
    const deps = tableDeps({ db, tableName, now: () => NOW });
    const shopperId = uniqueId('shopper');
    const cutoff = daysBefore(3 * 366).toISOString().slice(0, 10);
    // The run read a profile unused for four years; the shopper signs in before its request is written.
    await ensureProfile(shopperId, accountDeps({ db, tableName, now: () => daysBefore(4 * 366) }));
    await ensureProfile(shopperId, accountDeps({ db, tableName, now: () => NOW }));

    await expect(requestErasure(shopperId, { actor: RETENTION_REQUESTER, reason: 'unused' }, deps, { onlyIfInactiveBefore: cutoff })).rejects.toBeInstanceOf(ShopperActiveError);
    expect(await getErasure(shopperId, deps)).toBeUndefined();
    const profile = (await db.send(new GetCommand({ TableName: tableName, Key: keys.shopperProfile(shopperId), ConsistentRead: true }))).Item;
    expect(profile).toMatchObject({ lastActiveAt: NOW.toISOString().slice(0, 10) });
    expect(profile?.erasureRequestedAt).toBeUndefined();

    // Still unused: the same request is accepted.
    const idle = uniqueId('shopper');
    await ensureProfile(idle, accountDeps({ db, tableName, now: () => daysBefore(4 * 366) }));
    await expect(requestErasure(idle, { actor: RETENTION_REQUESTER, reason: 'unused' }, deps, { onlyIfInactiveBefore: cutoff })).resolves.toMatchObject({ accepted: true });
  });
});
