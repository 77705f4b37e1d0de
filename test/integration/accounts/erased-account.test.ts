import { randomUUID } from 'node:crypto';
import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { handler as getMe } from '../../../functions/accounts/get-profile.js';
import type { AddAddressInput } from '../../../shared/accounts/address-model.js';
import { addAddress, listAddresses } from '../../../shared/accounts/addresses.js';
import { accountDeps } from '../../../shared/accounts/deps.js';
import { AccountErasedError } from '../../../shared/accounts/erased.js';
import { ensureProfile, getProfile, updateProfile } from '../../../shared/accounts/profile.js';
import type { Principal } from '../../../shared/auth/principal.js';
import { tableDeps } from '../../../shared/db/deps.js';
import { keys } from '../../../shared/db/keys.js';
import { requestErasure, runErasure, type ErasureDeps } from '../../../shared/personal-data/erasure.js';
import { startExport } from '../../../shared/personal-data/exports.js';
import { createList } from '../../../shared/shopping/lists.js';
import { engines, testDynamo, testS3 } from '../../support/engines.js';
import { apiEvent, lambdaContext } from '../../support/lambda.js';

/**
 * An erased account stays erased, against DynamoDB Local through the real SDK: once an erasure is requested, the
 * profile is not made again and nothing is added to the account (410 `account-erased`), an address added while the
 * request is made either lands before it (and the erasure deletes it) or is refused, and the profile records the day
 * of its shopper's last use at most once a day.
 */

type Handler = (event: APIGatewayProxyEvent, context: ReturnType<typeof lambdaContext>) => Promise<{ statusCode: number; body: string }>;

const db = testDynamo();
const s3 = testS3();
const NOW = new Date('2026-12-07T10:00:00.000Z');
const deps = (now = NOW) => accountDeps({ db, tableName: engines().tableName, now: () => now });
const aShopper = () => `shopper-${randomUUID()}`;
const home: AddAddressInput = { label: 'Home', recipientName: 'Ada Lovelace', line1: '1 Tooley Street', city: 'London', postcode: 'SE1 2TF', country: 'GB', isDefault: true };
const shopper = (subject: string): Principal => ({ subject, kind: 'user', roles: ['shopper'], scopes: ['cart:write', 'orders:read', 'account:read', 'account:write'], stores: [] });

function erasureDeps(): ErasureDeps {
  // Every port the erasure may call, whichever of them the erasure module declares: none has anything to do here.
  const ports = {
    eraseBillingCustomer: () => Promise.resolve(),
    detachPaymentMethods: () => Promise.resolve(),
    deletePaymentCustomer: () => Promise.resolve(),
    cancelDeliveryPass: () => Promise.resolve(),
    deleteIdentity: () => Promise.resolve(),
  };
  return { ...tableDeps({ db, tableName: engines().tableName, now: () => NOW }), s3, bucket: engines().buckets.exports, ports };
}

const partition = async (shopperId: string) =>
  (
    await db.send(
      new QueryCommand({ TableName: engines().tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': keys.shopperAccount(shopperId) }, ConsistentRead: true }),
    )
  ).Items ?? [];
const profileItem = async (shopperId: string) => (await db.send(new GetCommand({ TableName: engines().tableName, Key: keys.shopperProfile(shopperId), ConsistentRead: true }))).Item;

async function erased(shopperId: string): Promise<void> {
  await requestErasure(shopperId, { actor: shopperId }, erasureDeps());
  expect(await runErasure(shopperId, erasureDeps())).toBe('erased');
}

describe('an erased account', () => {
  it('is not made again by GET /me, and refuses every write that would put personal data back, with 410 account-erased', async () => {
    const shopperId = aShopper();
    await ensureProfile(shopperId, deps());
    await addAddress(shopperId, home, deps());
    await erased(shopperId);
    expect(await partition(shopperId)).toEqual([]);

    const response = await (getMe as unknown as Handler)(apiEvent({ method: 'GET', resource: '/me', principal: shopper(shopperId) }), lambdaContext());
    expect(response.statusCode).toBe(410);
    expect(JSON.parse(response.body)).toMatchObject({ type: expect.stringMatching(/account-erased$/), status: 410, detail: expect.stringMatching(/erased/) });
    await expect(ensureProfile(shopperId, deps())).rejects.toBeInstanceOf(AccountErasedError);
    await expect(updateProfile(shopperId, { givenName: 'Ada' }, {}, deps())).rejects.toBeInstanceOf(AccountErasedError);
    await expect(addAddress(shopperId, home, deps())).rejects.toBeInstanceOf(AccountErasedError);
    await expect(createList(shopperId, { name: 'Weekly', lines: [] }, deps())).rejects.toBeInstanceOf(AccountErasedError);
    await expect(startExport(shopperId, { actor: shopperId }, deps())).rejects.toBeInstanceOf(AccountErasedError);

    // Nothing came back, and reading what is left finds nothing.
    expect(await partition(shopperId)).toEqual([]);
    expect(await listAddresses(shopperId, deps())).toEqual([]);
    expect(await getProfile(shopperId, deps())).toBeUndefined();
  });

  it('refuses from the moment the erasure is requested, before the worker has run, without touching the profile', async () => {
    const shopperId = aShopper();
    const before = await ensureProfile(shopperId, deps());
    await requestErasure(shopperId, { actor: shopperId }, erasureDeps());

    await expect(ensureProfile(shopperId, deps())).rejects.toBeInstanceOf(AccountErasedError);
    await expect(updateProfile(shopperId, { givenName: 'Ada' }, {}, deps())).rejects.toBeInstanceOf(AccountErasedError);
    await expect(addAddress(shopperId, home, deps())).rejects.toBeInstanceOf(AccountErasedError);
    await expect(createList(shopperId, { name: 'Weekly', lines: [] }, deps())).rejects.toBeInstanceOf(AccountErasedError);
    // The readers the erasure worker needs still read the profile, unchanged but for the flag.
    expect(await getProfile(shopperId, deps())).toEqual(before);
    expect((await profileItem(shopperId))?.erasureRequestedAt).toBe(NOW.toISOString());
  });

  it('of a shopper who never had a profile is only a marker until erased, and no profile is made from it', async () => {
    const shopperId = aShopper();
    await requestErasure(shopperId, { actor: shopperId }, erasureDeps());
    expect(await getProfile(shopperId, deps())).toBeUndefined();
    await expect(ensureProfile(shopperId, deps())).rejects.toBeInstanceOf(AccountErasedError);
    expect(await runErasure(shopperId, erasureDeps())).toBe('erased');
    expect(await partition(shopperId)).toEqual([]);
    await expect(ensureProfile(shopperId, deps())).rejects.toBeInstanceOf(AccountErasedError);
    expect(await partition(shopperId)).toEqual([]);
  });

  it('keeps no address that raced the erasure request, however the race falls', async () => {
    const outcomes = await Promise.all(
      Array.from({ length: 12 }, async () => {
        const shopperId = aShopper();
        await ensureProfile(shopperId, deps());
        const [added, request] = await Promise.allSettled([
          addAddress(shopperId, { ...home, label: 'Raced' }, deps()),
          requestErasure(shopperId, { actor: shopperId }, erasureDeps()),
        ]);
        expect(request.status).toBe('fulfilled');
        if (added.status === 'rejected') expect(added.reason).toBeInstanceOf(AccountErasedError);
        expect(await runErasure(shopperId, erasureDeps())).toBe('erased');
        expect(await partition(shopperId)).toEqual([]);
        // And after it, a late copy of the add is refused and leaves nothing either.
        await expect(addAddress(shopperId, { ...home, label: 'Late' }, deps())).rejects.toBeInstanceOf(AccountErasedError);
        expect(await partition(shopperId)).toEqual([]);
        return added.status;
      }),
    );
    expect(outcomes).toHaveLength(12);
  });
});

describe('the day a shopper last used the API', () => {
  it('is written with the new profile and its activity entry, then at most once a day', async () => {
    const shopperId = aShopper();
    await ensureProfile(shopperId, deps(new Date('2026-12-07T08:00:00.000Z')));
    const first = await profileItem(shopperId);
    expect(first).toMatchObject({ lastActiveAt: '2026-12-07', ...keys.shopperActivity(shopperId, '2026-12-07') });

    // Later the same day: the day is already stored, so nothing is written (a changed stored day would show it).
    await db.send(new UpdateCommand({ TableName: engines().tableName, Key: keys.shopperProfile(shopperId), UpdateExpression: 'SET probe = :p', ExpressionAttributeValues: { ':p': 1 } }));
    const sends: string[] = [];
    const counting = { ...deps(new Date('2026-12-07T23:59:00.000Z')) };
    counting.db = new Proxy(counting.db, {
      get: (target, prop, receiver) =>
        prop === 'send'
          ? (command: { constructor: { name: string } }) => {
              sends.push(command.constructor.name);
              return target.send(command as never);
            }
          : Reflect.get(target, prop, receiver),
    });
    await ensureProfile(shopperId, counting);
    expect(sends).toEqual(['GetCommand']);

    await ensureProfile(shopperId, deps(new Date('2026-12-08T00:01:00.000Z')));
    expect(await profileItem(shopperId)).toMatchObject({ lastActiveAt: '2026-12-08', ...keys.shopperActivity(shopperId, '2026-12-08'), version: first?.version });
  });

  it('is given to a profile made before activity was recorded at its next use, and never makes a profile', async () => {
    const shopperId = aShopper();
    await ensureProfile(shopperId, deps(new Date('2026-01-02T08:00:00.000Z')));
    await db.send(
      new UpdateCommand({ TableName: engines().tableName, Key: keys.shopperProfile(shopperId), UpdateExpression: 'REMOVE lastActiveAt, gsi2pk, gsi2sk SET schemaVersion = :one', ExpressionAttributeValues: { ':one': 1 } }),
    );
    await ensureProfile(shopperId, deps());
    expect(await profileItem(shopperId)).toMatchObject({ lastActiveAt: '2026-12-07', schemaVersion: 2, ...keys.shopperActivity(shopperId, '2026-12-07') });
  });
});
