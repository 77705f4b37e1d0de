import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { handler as getMe } from '../../../functions/accounts/get-profile.js';
import { handler as patchMe } from '../../../functions/accounts/update-profile.js';
import { accountDeps } from '../../../shared/accounts/deps.js';
import { ensureProfile, getProfile, updateProfile } from '../../../shared/accounts/profile.js';
import type { Principal } from '../../../shared/auth/principal.js';
import { keys } from '../../../shared/db/keys.js';
import { ConflictError, ValidationError } from '../../../shared/errors.js';
import { storeItem } from '../../../shared/stores/repository.js';
import { SAMPLE_STORES } from '../../../shared/stores/seed.js';
import { engines, testDynamo } from '../../support/engines.js';
import { apiEvent, lambdaContext, type EventInput } from '../../support/lambda.js';

/**
 * The shopper's profile against DynamoDB Local through the real SDK: made once however many first calls race, patched
 * under its version, refused whole on bad input, and reached over the HTTP stack only by a shopper, as themselves.
 */

type Handler = (event: APIGatewayProxyEvent, context: ReturnType<typeof lambdaContext>) => Promise<{ statusCode: number; headers?: Record<string, unknown>; body: string }>;

const db = testDynamo();
const deps = (now = new Date('2026-12-01T10:00:00.000Z')) => accountDeps({ db, tableName: engines().tableName, now: () => now });
const aShopper = () => `shopper-${randomUUID()}`;
const shopper = (subject: string, extra: Partial<Principal> = {}): Principal => ({
  subject,
  kind: 'user',
  roles: ['shopper'],
  scopes: ['cart:write', 'orders:read', 'account:read', 'account:write'],
  stores: [],
  ...extra,
});

async function aStore(): Promise<string> {
  const id = `store-${randomUUID().slice(0, 8)}`;
  const now = new Date().toISOString();
  await db.send(new PutCommand({ TableName: engines().tableName, Item: storeItem({ ...SAMPLE_STORES[0]!, id, createdAt: now, updatedAt: now }) }));
  return id;
}

async function rawItem(shopperId: string) {
  return (await db.send(new GetCommand({ TableName: engines().tableName, Key: keys.shopperProfile(shopperId), ConsistentRead: true }))).Item;
}

async function call(handler: unknown, input: Omit<EventInput, 'body'> & { body?: unknown }) {
  const body = input.body === undefined ? null : typeof input.body === 'string' ? input.body : JSON.stringify(input.body);
  const headers = { 'Content-Type': 'application/merge-patch+json', ...input.headers };
  const response = await (handler as Handler)(apiEvent({ ...input, headers, body }), lambdaContext());
  return { status: response.statusCode, headers: response.headers ?? {}, json: response.body ? JSON.parse(response.body) : undefined };
}

const fieldsOf = (problem: { errors?: { field: string }[] } | undefined) => (problem?.errors ?? []).map((e) => e.field).sort();

describe('the profile, made on first use', () => {
  it('makes one profile when ten first calls race, and every call returns it', async () => {
    const shopperId = aShopper();
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => ensureProfile(shopperId, deps(new Date(Date.UTC(2026, 11, 1, 10, 0, i))))));
    const createdAts = new Set(results.map((p) => p.createdAt));
    expect(createdAts.size).toBe(1);
    expect(results.every((p) => p.version === 1)).toBe(true);
    expect(await getProfile(shopperId, deps())).toEqual(results[0]);
    expect(await rawItem(shopperId)).toMatchObject({ entityType: 'ShopperProfile', schemaVersion: 2, version: 1, marketingConsent: { granted: false, at: null }, lastActiveAt: '2026-12-01' });
  });

  it('seeds the email from the sign-in claim, and getProfile makes nothing', async () => {
    const shopperId = aShopper();
    expect(await getProfile(shopperId, deps())).toBeUndefined();
    expect(await rawItem(shopperId)).toBeUndefined();
    expect((await ensureProfile(shopperId, deps(), { email: 'ada@example.com' })).email).toBe('ada@example.com');
    // A claim that is no email is left out rather than failing the first read.
    expect(await ensureProfile(aShopper(), deps(), { email: 'not an email' })).not.toHaveProperty('email');
  });
});

describe('patching the profile', () => {
  it('applies a merge patch under the version, sets the consent time on a change only, and removes with null', async () => {
    const shopperId = aShopper();
    const storeId = await aStore();
    const first = await updateProfile(
      shopperId,
      { givenName: 'Ada', familyName: 'Lovelace', phone: '+447700900123', preferredStoreId: storeId, marketingConsent: { granted: true } },
      {},
      deps(new Date('2026-12-01T10:00:00.000Z')),
    );
    expect(first).toMatchObject({ givenName: 'Ada', familyName: 'Lovelace', phone: '+447700900123', preferredStoreId: storeId, version: 2 });
    expect(first.marketingConsent).toEqual({ granted: true, at: '2026-12-01T10:00:00.000Z' });

    // The same answer again keeps the time it was given; a patch naming the version it read applies.
    const second = await updateProfile(shopperId, { version: 2, marketingConsent: { granted: true }, givenName: null, displayName: 'Ada L.' }, {}, deps(new Date('2026-12-02T10:00:00.000Z')));
    expect(second.marketingConsent).toEqual({ granted: true, at: '2026-12-01T10:00:00.000Z' });
    expect(second.givenName).toBeUndefined();
    expect(second).toMatchObject({ displayName: 'Ada L.', version: 3, updatedAt: '2026-12-02T10:00:00.000Z' });
    const withdrawn = await updateProfile(shopperId, { marketingConsent: { granted: false } }, { ifMatch: '"3"' }, deps(new Date('2026-12-03T10:00:00.000Z')));
    expect(withdrawn.marketingConsent).toEqual({ granted: false, at: '2026-12-03T10:00:00.000Z' });
    const item = await rawItem(shopperId);
    expect(item).not.toHaveProperty('givenName');
    expect(item).toMatchObject({ version: 4, displayName: 'Ada L.' });

    // A patch that changes nothing writes nothing.
    expect((await updateProfile(shopperId, { displayName: 'Ada L.' }, {}, deps())).version).toBe(4);
  });

  it('refuses a stale version or If-Match with 409 and changes nothing', async () => {
    const shopperId = aShopper();
    await updateProfile(shopperId, { displayName: 'One' }, {}, deps());
    const before = await rawItem(shopperId);
    await expect(updateProfile(shopperId, { version: 1, displayName: 'Two' }, {}, deps())).rejects.toMatchObject({
      constructor: ConflictError,
      code: 'version-mismatch',
      extensions: { expectedVersion: 1, currentVersion: 2 },
    });
    await expect(updateProfile(shopperId, { displayName: 'Two' }, { ifMatch: '"1"' }, deps())).rejects.toBeInstanceOf(ConflictError);
    expect(await rawItem(shopperId)).toEqual(before);
  });

  it('lets one of two racing patches of the same version win, the other a 409', async () => {
    const shopperId = aShopper();
    await ensureProfile(shopperId, deps());
    const results = await Promise.allSettled(['A', 'B', 'C', 'D'].map((name) => updateProfile(shopperId, { version: 1, displayName: name }, {}, deps())));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((r) => r.status === 'rejected')) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError);
    expect((await getProfile(shopperId, deps()))?.version).toBe(2);
  });

  it('never drops the payment customer id written beside the profile', async () => {
    const shopperId = aShopper();
    await ensureProfile(shopperId, deps());
    await db.send(
      new UpdateCommand({
        TableName: engines().tableName,
        Key: keys.shopperProfile(shopperId),
        UpdateExpression: 'SET paymentCustomerId = :c',
        ExpressionAttributeValues: { ':c': 'cus_123' },
      }),
    );
    const patched = await updateProfile(shopperId, { displayName: 'Grace' }, {}, deps());
    expect(patched.paymentCustomerId).toBe('cus_123');
    expect(await rawItem(shopperId)).toMatchObject({ paymentCustomerId: 'cus_123', displayName: 'Grace', version: 2 });
  });

  it('refuses bad input naming each field, and an unknown store with 422, changing nothing', async () => {
    const shopperId = aShopper();
    await updateProfile(shopperId, { displayName: 'Before' }, {}, deps());
    const before = await rawItem(shopperId);
    const bad = updateProfile(shopperId, { phone: '07700 900123', email: 'not-an-email', givenName: '', marketingConsent: { granted: 'yes' } } as never, {}, deps());
    const refusal = (await bad.catch((e: unknown) => e)) as ValidationError;
    expect(refusal).toBeInstanceOf(ValidationError);
    expect(fieldsOf({ errors: refusal.fields })).toEqual(['body.email', 'body.givenName', 'body.marketingConsent.granted', 'body.phone']);
    await expect(updateProfile(shopperId, { preferredStoreId: 'no-such-store' }, {}, deps())).rejects.toMatchObject({ kind: 'unprocessable', code: 'unknown-store' });
    await expect(updateProfile(shopperId, { version: 1 }, {}, deps())).rejects.toBeInstanceOf(ValidationError);
    await expect(updateProfile(shopperId, { displayName: 'X' }, { ifMatch: 'W/"2"' }, deps())).rejects.toBeInstanceOf(ValidationError);
    expect(await rawItem(shopperId)).toEqual(before);
  });

  it('keeps the sign-in email when the token carries one: another is a 422', async () => {
    const shopperId = aShopper();
    await ensureProfile(shopperId, deps(), { email: 'ada@example.com' });
    await expect(updateProfile(shopperId, { email: 'other@example.com' }, { email: 'ada@example.com' }, deps())).rejects.toMatchObject({
      code: 'email-managed-by-sign-in',
    });
    // Without a sign-in email (a token without the claim), the shopper keeps their own.
    expect((await updateProfile(shopperId, { email: 'other@example.com' }, {}, deps())).email).toBe('other@example.com');
  });
});

describe('GET and PATCH /me over the HTTP stack', () => {
  it('makes and reads the caller\'s own profile, with its ETag, and patches it under If-Match', async () => {
    const alice = shopper(aShopper(), { email: 'alice@example.com' });
    const got = await call(getMe, { method: 'GET', resource: '/me', principal: alice });
    expect(got.status).toBe(200);
    expect(got.json).toMatchObject({ shopperId: alice.subject, email: 'alice@example.com', version: 1, marketingConsent: { granted: false, at: null } });
    expect(got.headers.etag).toBe('"1"');
    const patched = await call(patchMe, { method: 'PATCH', resource: '/me', principal: alice, headers: { 'If-Match': '"1"' }, body: { displayName: 'Alice' } });
    expect(patched).toMatchObject({ status: 200, json: { displayName: 'Alice', version: 2 } });
    expect(patched.headers.etag).toBe('"2"');
    const stale = await call(patchMe, { method: 'PATCH', resource: '/me', principal: alice, headers: { 'If-Match': '"1"' }, body: { displayName: 'Again' } });
    expect(stale.status).toBe(409);
    expect(stale.json).toMatchObject({ expectedVersion: 1, currentVersion: 2 });
    // A plain JSON body is a merge patch too.
    const asJson = await call(patchMe, { method: 'PATCH', resource: '/me', principal: alice, headers: { 'Content-Type': 'application/json' }, body: { phone: '+447700900123' } });
    expect(asJson).toMatchObject({ status: 200, json: { phone: '+447700900123', version: 3 } });
    // Bob sees his own, never Alice's.
    const bob = shopper(aShopper());
    const bobs = await call(getMe, { method: 'GET', resource: '/me', principal: bob });
    expect(bobs.json).toMatchObject({ shopperId: bob.subject, version: 1 });
    expect(bobs.json).not.toHaveProperty('displayName');
  });

  it('answers 400 naming the fields, 401 without credentials and 403 to staff, changing nothing', async () => {
    const alice = shopper(aShopper());
    const bad = await call(patchMe, { method: 'PATCH', resource: '/me', principal: alice, body: { phone: '123', shopperId: 'someone-else' } });
    expect(bad.status).toBe(400);
    expect(fieldsOf(bad.json)).toEqual(['body', 'body.phone']);
    expect(await rawItem(alice.subject)).toBeUndefined();
    const unknownStore = await call(patchMe, { method: 'PATCH', resource: '/me', principal: alice, body: { preferredStoreId: 'nowhere' } });
    expect(unknownStore.status).toBe(422);
    expect(await rawItem(alice.subject)).toBeUndefined();

    expect((await call(getMe, { method: 'GET', resource: '/me' })).status).toBe(401);
    expect((await call(patchMe, { method: 'PATCH', resource: '/me', body: { displayName: 'X' } })).status).toBe(401);
    const manager: Principal = { subject: aShopper(), kind: 'user', roles: ['store-manager'], scopes: ['orders:read', 'orders:write'], stores: ['camden'] };
    const admin: Principal = { subject: aShopper(), kind: 'user', roles: ['admin'], scopes: ['cart:write', 'admin'], stores: ['*'] };
    for (const staff of [manager, admin]) {
      const denied = await call(getMe, { method: 'GET', resource: '/me', principal: staff });
      expect(denied.status).toBe(403);
      expect(denied.json).toMatchObject({ requiredScope: 'account:read' });
      expect((await call(patchMe, { method: 'PATCH', resource: '/me', principal: staff, body: { displayName: 'X' } })).status).toBe(403);
      expect(await rawItem(staff.subject)).toBeUndefined();
    }
  });
});
